"""Who may see, post and moderate in the forums. Visibility is decided in SQL (querysets
filtered by category access and guardian grants), so every list, count and detail page
agrees; a category or topic the viewer may not see is answered exactly like a missing one.

Who sees a category:
  public   everyone, except visitors (and sign-ups awaiting approval) when the community is
           members-only (branding `members_only`);
  members  community members (members.permissions.is_community_member);
  private  community members holding `forums.view_category` or `forums.moderate_category`
           on it, usually through their auth Group (a private group's membership is the
           grant);
  and every category for holders of the global `forums.view_category` (community
  managers) or `forums.moderate_category` (Moderators: they moderate everywhere, private
  spaces included) and superusers. A sub-category additionally needs its parent to be visible.

Posting: any community member may post where they can see, in a topic that is neither
locked nor hidden (moderators of the category may still reply to a locked topic).
`forums.post_category` is declared for read-only categories (announcements), which a later
slice adds; nothing checks it yet."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import NamedTuple
from uuid import uuid4

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from community.db import KeyLookup
from community.per_request import (
    cache_get_many_prefetched,
    cache_prefetch,
    per_request,
    per_request_forget,
)
from community.selectors import branding_get
from forums.models import Category, CategoryAccess, Post, Topic
from members.permissions import is_community_member, objects_for_user

VIEW_CATEGORY = "forums.view_category"
POST_CATEGORY = "forums.post_category"
MODERATE_CATEGORY = "forums.moderate_category"
# One message for "hidden" and "missing", so a guessed id or slug tells nothing.
CATEGORY_NOT_FOUND = "No such category."
TOPIC_NOT_FOUND = "No such topic."


# --- Reach: what a signed-in member may see and moderate -----------------------------------
#
# Working it out takes guardian's object-permission subqueries, whose building alone cost
# more than the rest of a topic page. So each member's reach (category ids) is computed once
# and kept in the cache, stamped with a community-wide ACL version that every change to
# categories, grants, roles or group membership replaces (forums.signals, after commit). A
# stale entry is never used: its stamp no longer matches.

ACL_VERSION_KEY = "forums:acl-version"
REACH_CACHE_SECONDS = 10 * 60


class Reach(NamedTuple):
    version: str
    sees_all: bool  # superusers, the global view_category or moderate_category
    moderates_all: bool
    visible: frozenset[int]  # category ids; unused when sees_all
    moderated: frozenset[int]  # category ids, sub-categories included; unused when moderates_all


def acl_changed() -> None:
    """Every member's cached reach is out of date. Replaced now, so this transaction's own
    reads see the change, and again after commit, so a reach another request computed from
    the not-yet-committed state in between is not kept either."""

    def replace() -> None:
        cache.set(ACL_VERSION_KEY, uuid4().hex, timeout=None)
        per_request_forget()

    replace()
    transaction.on_commit(replace)


def _reach_key(user_id: int) -> str:
    return f"forums:reach:v1:{user_id}"


def reach_forget(user_ids) -> None:
    """These members' reach is out of date (they joined or left a group, or their own
    permissions changed): now and again after commit, as acl_changed."""
    keys = [_reach_key(user_id) for user_id in user_ids]

    def forget() -> None:
        cache.delete_many(keys)
        per_request_forget()

    forget()
    transaction.on_commit(forget)


def _acl_version(cached: dict) -> str:
    version = cached.get(ACL_VERSION_KEY)
    if version is None:
        cache.add(ACL_VERSION_KEY, uuid4().hex, timeout=None)
        version = cache.get(ACL_VERSION_KEY)
    return version


def _reach_cached(key: str, compute) -> Reach:
    """The reach under `key` if it carries the current ACL version, else `compute(version)`
    kept there: one cache round trip when it is cached, once per request."""
    return per_request(key, lambda: _reach_current(key, compute))


def _reach_current(key: str, compute) -> Reach:
    cached = cache_get_many_prefetched([ACL_VERSION_KEY, key])
    version = _acl_version(cached)
    reach = cached.get(key)
    if reach is not None and reach.version == version:
        return reach
    reach = compute(version)
    cache.set(key, reach, timeout=REACH_CACHE_SECONDS)
    return reach


def member_reach(user) -> Reach:
    """`user`'s reach (an active, signed-in user)."""
    return _reach_cached(_reach_key(user.pk), lambda version: _reach_compute(user, version))


def _reach_compute(user, version: str) -> Reach:
    moderates_all = bool(user.is_superuser or user.has_perm(MODERATE_CATEGORY))
    sees_all = moderates_all or user.has_perm(VIEW_CATEGORY)
    visible: frozenset[int] = frozenset()
    moderated: frozenset[int] = frozenset()
    if not sees_all:
        visible = _visible_by_access(user)
    if not moderates_all and is_community_member(user):
        granted = objects_for_user(user, MODERATE_CATEGORY, Category.objects.all()).values("pk")
        moderated = frozenset(
            Category.objects.filter(Q(pk__in=granted) | Q(parent_id__in=granted)).values_list(
                "pk", flat=True
            )
        )
    return Reach(version, sees_all, moderates_all, visible, moderated)


def _signed_in(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


VISITOR_REACH_KEY = "forums:reach:v1:visitors"


def reach_cache_keys(user) -> list[str]:
    """The cache entries `user`'s permission checks read, for a page that prefetches them
    with its own (community.per_request.cache_prefetch)."""
    if not _signed_in(user):
        return [ACL_VERSION_KEY, VISITOR_REACH_KEY]
    return [] if user.is_superuser else [ACL_VERSION_KEY, _reach_key(user.pk)]


def _visitor_visible_ids() -> frozenset[int]:
    """The categories visitors see (none on a members-only community), cached under the ACL
    version like a member's reach: the same for every visitor."""
    if branding_get().members_only:
        return frozenset()
    reach = _reach_cached(
        VISITOR_REACH_KEY,
        lambda version: Reach(
            version, False, False, _visible_by_access(AnonymousUser()), frozenset()
        ),
    )
    return reach.visible


def _visible_by_access(user) -> frozenset[int]:
    """The ids of the categories `user` sees by the access rules, without global grants."""
    own, parent = _access_conditions(user)
    return frozenset(
        Category.objects.filter(own & (Q(parent__isnull=True) | parent)).values_list(
            "pk", flat=True
        )
    )


def _access_conditions(user) -> tuple[Q, Q]:
    """Which categories `user` may see by their own access rule, and by their parent's."""
    if is_community_member(user):
        open_to_members = [CategoryAccess.PUBLIC, CategoryAccess.MEMBERS]
        granted = objects_for_user(
            user,
            [VIEW_CATEGORY, MODERATE_CATEGORY],
            Category.objects.filter(access=CategoryAccess.PRIVATE),
            any_perm=True,
        ).values("pk")
        own = Q(access__in=open_to_members) | Q(pk__in=granted)
        parent = Q(parent__access__in=open_to_members) | Q(parent_id__in=granted)
    elif not branding_get().members_only:
        # Visitors never hold grants: skip guardian's anonymous-user lookups entirely.
        own = Q(access=CategoryAccess.PUBLIC)
        parent = Q(parent__access=CategoryAccess.PUBLIC)
    else:
        own = parent = Q(pk__in=[])
    return own, parent


def visible_category_ids(user) -> frozenset[int] | None:
    """The ids of the categories `user` may see, or None for "all of them"."""
    if _signed_in(user):
        if user.is_superuser:
            return None
        reach = member_reach(user)
        return None if reach.sees_all else reach.visible
    return _visitor_visible_ids()


def visible_categories(user) -> QuerySet[Category]:
    """Every category `user` may see, as one SQL query."""
    queryset = Category.objects.all()
    ids = visible_category_ids(user)
    return queryset if ids is None else queryset.filter(pk__in=ids)


def _moderated_category_ids(user) -> frozenset[int] | None:
    if not (_signed_in(user) and is_community_member(user)):
        return frozenset()
    if user.is_superuser:
        return None
    reach = member_reach(user)
    return None if reach.moderates_all else reach.moderated


def moderated_categories(user) -> QuerySet[Category]:
    """The categories `user` moderates: all for the global grant, else those granted on the
    object, and their sub-categories (as can_moderate_category)."""
    ids = _moderated_category_ids(user)
    return Category.objects.all() if ids is None else Category.objects.filter(pk__in=ids)


def visible_topics(user) -> QuerySet[Topic]:
    """Topics in visible categories; hidden topics only for moderators of their category."""
    topics = Topic.objects.all()
    visible = visible_category_ids(user)
    if visible is not None:
        topics = topics.filter(category_id__in=visible)
    moderated = _moderated_category_ids(user)
    if moderated is None:
        return topics
    if not moderated:
        return topics.filter(is_hidden=False)
    return topics.filter(Q(is_hidden=False) | Q(category_id__in=moderated))


def reach_fingerprint(user) -> str:
    """The same for every viewer who sees and moderates the same categories: a cache key
    part for what depends on nothing else (a list's length, say). No queries."""

    def part(ids: frozenset[int] | None) -> str:
        if ids is None:
            return "all"
        joined = ",".join(map(str, sorted(ids))).encode()
        return hashlib.blake2b(joined, digest_size=8).hexdigest()

    return f"{part(visible_category_ids(user))}:{part(_moderated_category_ids(user))}"


def can_view_topic(user, topic: Topic) -> bool:
    """visible_topics, judged for one topic (its category loaded) without a query."""
    visible = visible_category_ids(user)
    if visible is not None and topic.category_id not in visible:
        return False
    return not topic.is_hidden or can_moderate_category(user, topic.category)


def access_category(user, **lookup) -> Category:
    """The category if `user` may see it; the same Http404 as for a missing one otherwise."""
    category = visible_categories(user).select_related("parent").filter(**lookup).first()
    if category is None:
        raise Http404(CATEGORY_NOT_FOUND)
    return category


_topic_by_key = KeyLookup(lambda: Topic.objects.select_related("category"))


def access_topic(user, *, pk, prefetch=None) -> Topic:
    """The topic (category joined) if `user` may see it; the same Http404 as for a missing
    one otherwise. Fetched by its key, with SQL compiled once, and judged against the
    viewer's cached reach: the busiest page of the forum starts here. `prefetch(topic)`
    names cache entries the caller reads next, fetched in the same round trip as the
    viewer's permission entries (community.per_request.cache_prefetch)."""
    topic = _topic_by_key.get(pk)
    if topic is not None and prefetch is not None:
        cache_prefetch([*reach_cache_keys(user), *prefetch(topic)])
    if topic is None or not can_view_topic(user, topic):
        raise Http404(TOPIC_NOT_FOUND)
    return topic


def merged_target_for(user, *, pk: int) -> Topic | None:
    """The topic that topic `pk` was merged into, when `user` may see it (one query)."""
    merged_into = Topic.objects.filter(pk=pk, merged_into__isnull=False).values("merged_into")
    return visible_topics(user).filter(pk__in=merged_into).first()


def can_view_category(user, category: Category) -> bool:
    return visible_categories(user).filter(pk=category.pk).exists()


def can_moderate_category(user, category: Category) -> bool:
    """The global grant (Moderators, Community managers) or an object grant (a volunteer
    moderator of this category, or of its parent)."""
    moderated = _moderated_category_ids(user)
    return moderated is None or category.pk in moderated


def check_moderate_category(user, category: Category) -> None:
    if not can_moderate_category(user, category):
        raise PermissionDenied("Only this category's moderators can do that.")


def suspension_refusal(user) -> str | None:
    """Why a suspended member may not post, react or flag; None when they may."""
    if user.is_authenticated and user.is_suspended:
        until = timezone.localtime(user.suspended_until).strftime("%-d %B %Y, %H:%M")
        reason = f" Reason: {user.suspension_reason}" if user.suspension_reason else ""
        return f"Your account is suspended until {until}.{reason}"
    return None


def check_not_suspended(user) -> None:
    refusal = suspension_refusal(user)
    if refusal:
        raise PermissionDenied(refusal)


def check_post_in(user, category: Category) -> None:
    """Raises PermissionDenied with a message the member can act on."""
    if not is_community_member(user):
        raise PermissionDenied("Only community members can post. Sign in or join first.")
    check_not_suspended(user)
    if not can_view_category(user, category):
        # Same words whether it exists or not: a guessed id learns nothing.
        raise PermissionDenied("You can't post there.")


def can_post_in(user, category: Category) -> bool:
    try:
        check_post_in(user, category)
    except PermissionDenied:
        return False
    return True


def reply_refusal(user, topic: Topic, *, moderates: bool | None = None) -> str | None:
    """Why `user` may not reply to `topic` (a visible one), or None when they may. No
    queries beyond the moderation check when `moderates` is passed in."""
    if not is_community_member(user):
        return "Sign in as a community member to reply."
    refusal = suspension_refusal(user)
    if refusal:
        return refusal
    if topic.is_hidden:
        return "This topic has been hidden by a moderator and takes no replies."
    if topic.is_locked:
        if moderates is None:
            moderates = can_moderate_category(user, topic.category)
        if not moderates:
            return "This topic is locked: it no longer takes replies."
    return None


def check_reply(user, topic: Topic) -> None:
    check_post_in(user, topic.category)
    if not visible_topics(user).filter(pk=topic.pk).exists():
        raise PermissionDenied("You can't post there.")
    refusal = reply_refusal(user, topic)
    if refusal:
        raise PermissionDenied(refusal)


# Authors may edit their own post for this long (Discourse's post_edit_time_limit); the
# category's moderators may edit any time. Every edit keeps the old body (PostRevision).
EDIT_WINDOW = timedelta(hours=24)


def post_edit_refusal(user, post: Post, *, moderates: bool | None = None) -> str | None:
    """Why `user` may not edit `post` (a post they can see), or None when they may."""
    if not is_community_member(user):
        return "Sign in to edit your posts."
    if moderates is None:
        moderates = can_moderate_category(user, post.topic.category)
    if moderates:
        return None
    if post.author_id != user.pk:
        return "You can only edit your own posts."
    refusal = suspension_refusal(user)
    if refusal:
        return refusal
    if post.is_hidden:
        return "This post is hidden and can no longer be edited."
    if post.topic.is_locked:
        return "This topic is locked: its posts can no longer be edited."
    if timezone.now() - post.created_at > EDIT_WINDOW:
        return "Posts can be edited for 24 hours after posting; this one is older."
    return None


def check_edit_post(user, post: Post) -> None:
    refusal = post_edit_refusal(user, post)
    if refusal:
        raise PermissionDenied(refusal)
