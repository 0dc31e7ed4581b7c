"""Who may see what in the library. The same model as forum categories
(forums.permissions): a resource or collection is

  public   seen by everyone, except visitors (and sign-ups awaiting approval) when the
           community is members-only (branding `members_only`);
  members  seen by community members (members.permissions.is_community_member);
  private  seen by community members holding `library.view_resource` /
           `library.view_collection` on it, usually through their auth Group (a private
           group's membership is the grant);

and everything by holders of the global view permission (community managers) and superusers.
A resource's own access decides whether it is seen, wherever it is listed: a collection shows
only the resources its viewer may see.

Which private rows a member was granted is worked out with guardian's subqueries once and
cached, stamped with the member's and the community's access versions (members.access), like
the forums' reach: leaving a group, or any grant or revoke, makes the stamp stale, so the very
next request computes it again. Anything the viewer may not see answers 404 exactly like a
missing slug."""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import Http404

from community.per_request import cache_get_many_prefetched, per_request
from community.selectors import branding_get
from forums.models import CategoryGroupObjectPermission
from forums.permissions import MODERATE_CATEGORY, VIEW_CATEGORY
from library.models import (
    Collection,
    FileVersion,
    LibraryAccess,
    Resource,
    ResourceGroupObjectPermission,
    ResourceKind,
)
from members.access import access_version_keys, access_versions
from members.models import User
from members.permissions import is_community_member, objects_for_user

VIEW_RESOURCE = "library.view_resource"
VIEW_COLLECTION = "library.view_collection"
RESOURCE_NOT_FOUND = "No such resource."
COLLECTION_NOT_FOUND = "No such collection."
VERSION_NOT_FOUND = "No such version."

REACH_CACHE_SECONDS = 10 * 60
_OPEN_TO_MEMBERS = [LibraryAccess.PUBLIC, LibraryAccess.MEMBERS]


class LibraryReach(NamedTuple):
    versions: tuple[str, ...]
    member: bool  # a community member: sees public and members-only rows
    sees_all_resources: bool  # superusers, the global library.view_resource
    sees_all_collections: bool
    resources: frozenset[int]  # private resources granted
    collections: frozenset[int]  # private collections granted


_NOBODY = LibraryReach((), False, False, False, frozenset(), frozenset())


def _signed_in(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def _reach_key(user_id: int) -> str:
    return f"library:reach:{settings.RELEASE_ID}:{user_id}"


def library_reach(user) -> LibraryReach:
    """`user`'s reach in the library; a signed-in, active user. One cache round trip when it
    is cached and current, once per request."""
    key = _reach_key(user.pk)
    return per_request(key, lambda: _reach_current(user.pk, key))


def _reach_current(user_id: int, key: str) -> LibraryReach:
    cached = cache_get_many_prefetched([*access_version_keys(user_id), key])
    versions = access_versions(user_id, cached)
    reach = cached.get(key)
    if reach is not None and reach.versions == versions:
        return reach
    reach = _reach_compute(user_id, versions)
    cache.set(key, reach, timeout=REACH_CACHE_SECONDS)
    return reach


def _reach_compute(user_id: int, versions: tuple[str, ...]) -> LibraryReach:
    # The member as they are now (see forums.permissions._reach_compute for why).
    user = User._default_manager.filter(pk=user_id).first()
    if user is None or not _signed_in(user):
        return _NOBODY._replace(versions=versions)
    member = is_community_member(user)
    all_resources = bool(user.is_superuser or user.has_perm(VIEW_RESOURCE))
    all_collections = bool(user.is_superuser or user.has_perm(VIEW_COLLECTION))
    resources: frozenset[int] = frozenset()
    collections: frozenset[int] = frozenset()
    if member and not all_resources:
        resources = frozenset(
            objects_for_user(
                user, VIEW_RESOURCE, Resource.objects.filter(access=LibraryAccess.PRIVATE)
            ).values_list("pk", flat=True)
        )
    if member and not all_collections:
        collections = frozenset(
            objects_for_user(
                user, VIEW_COLLECTION, Collection.objects.filter(access=LibraryAccess.PRIVATE)
            ).values_list("pk", flat=True)
        )
    return LibraryReach(versions, member, all_resources, all_collections, resources, collections)


def _visibility(user, *, collections: bool) -> Q | None:
    """The SQL condition for what `user` sees; None for everything."""
    if _signed_in(user):
        reach = library_reach(user)
        if collections and reach.sees_all_collections:
            return None
        if not collections and reach.sees_all_resources:
            return None
        if reach.member:
            granted = reach.collections if collections else reach.resources
            return Q(access__in=_OPEN_TO_MEMBERS) | Q(pk__in=granted)
    # Visitors, and signed-in people who are not community members yet.
    if branding_get().members_only:
        return Q(pk__in=[])
    return Q(access=LibraryAccess.PUBLIC)


def resource_reach_fingerprint(user) -> str:
    """The same for everyone who sees the same resources (as visible_resources decides): a
    cache key part for what depends on nothing else, a search's results say. No queries but
    the cached reach."""
    if _signed_in(user):
        reach = library_reach(user)
        if reach.sees_all_resources:
            return "all"
        if reach.member:
            granted = ",".join(map(str, sorted(reach.resources))).encode()
            return "members:" + hashlib.blake2b(granted, digest_size=8).hexdigest()
    return "nothing" if branding_get().members_only else "public"


def visible_resources(user) -> QuerySet[Resource]:
    condition = _visibility(user, collections=False)
    return Resource.objects.all() if condition is None else Resource.objects.filter(condition)


def visible_collections(user) -> QuerySet[Collection]:
    condition = _visibility(user, collections=True)
    return Collection.objects.all() if condition is None else Collection.objects.filter(condition)


def access_resource(user, *, slug: str) -> Resource:
    """The resource if `user` may see it; the same Http404 as for a missing slug otherwise."""
    resource = visible_resources(user).select_related("owner").filter(slug=slug).first()
    if resource is None:
        raise Http404(RESOURCE_NOT_FOUND)
    return resource


def access_collection(user, *, slug: str) -> Collection:
    collection = visible_collections(user).filter(slug=slug).first()
    if collection is None:
        raise Http404(COLLECTION_NOT_FOUND)
    return collection


def access_file_version(user, *, slug: str, number: int | None = None) -> FileVersion:
    """A version of a file resource `user` may see (the latest without `number`), its
    resource joined; Http404 for anything hidden or missing, in one query."""
    versions = FileVersion.objects.select_related("resource").filter(
        resource__in=visible_resources(user).filter(slug=slug, kind=ResourceKind.FILE)
    )
    if number is not None:
        versions = versions.filter(number=number)
    version = versions.order_by("-number").first()
    if version is None:
        raise Http404(VERSION_NOT_FOUND)
    return version


# --- How wide a resource made from forum content may be -------------------------------------

_WIDTH = {LibraryAccess.PRIVATE: 0, LibraryAccess.MEMBERS: 1, LibraryAccess.PUBLIC: 2}


class AccessCeiling(NamedTuple):
    """The widest access a resource made from a category's content may have, and for a
    private ceiling the auth Groups that reach the category (the resource is granted to
    them)."""

    access: str
    group_ids: frozenset[int]


def _category_groups(category) -> frozenset[int]:
    codenames = [VIEW_CATEGORY.split(".")[1], MODERATE_CATEGORY.split(".")[1]]
    return frozenset(
        CategoryGroupObjectPermission.objects.filter(
            content_object_id=category.pk, permission__codename__in=codenames
        ).values_list("group_id", flat=True)
    )


def category_access_ceiling(category) -> AccessCeiling:
    """A category's effective reach as library access: its own and its parent's, the
    narrower of the two. A private sub-category of a private parent is reached only by the
    groups granted on both."""
    levels = [category] + ([category.parent] if category.parent_id else [])
    narrowest = min((c.access for c in levels), key=lambda access: _WIDTH[access])
    if narrowest != LibraryAccess.PRIVATE:
        return AccessCeiling(narrowest, frozenset())
    groups: frozenset[int] | None = None
    for level in levels:
        if level.access == LibraryAccess.PRIVATE:
            granted = _category_groups(level)
            groups = granted if groups is None else groups & granted
    return AccessCeiling(LibraryAccess.PRIVATE, groups or frozenset())


def access_within(access: str, ceiling: str) -> bool:
    """Whether `access` is no wider than `ceiling`."""
    return _WIDTH[access] <= _WIDTH[ceiling]


def resource_group_ids(resource: Resource) -> frozenset[int]:
    return frozenset(
        ResourceGroupObjectPermission.objects.filter(
            content_object=resource, permission__codename="view_resource"
        ).values_list("group_id", flat=True)
    )


def can_view_resource(user, resource: Resource) -> bool:
    return visible_resources(user).filter(pk=resource.pk).exists()
