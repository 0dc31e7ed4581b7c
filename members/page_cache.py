"""The member directory and profile pages, rendered once and shared between viewers of the
same kind (community.page_cache.shared), each viewer's own parts filled in per request.

What a viewer sees on these pages, beyond the data, is decided by (members.visibility,
members.permissions):

- whether they are a community member: members-level fields, what a search or a filter
  may match on them, the follow button. A visitor's page is never a member's;
- which groups' member lists they may see: the directory's group menu and a profile's
  groups. The key carries those groups (ViewerFacets, cached per access version);
- on a profile, what the apps showing the member's activity decide
  (members.profile_activity.activity_cache_key: the forums' reach and topics' version);
- whether the page is about them: their "only me" fields and their own card. A member's own
  profile, and a search or filter their own hidden fields change, are kept for them alone
  (the key names them); a directory page their card is on gets that card as they see it.

Every key also holds the data's versions (members.access: the directory's, the member's
profile's, every profile's, the community's access version), replaced by the services that
change what the pages show; the branding's version (the directory's visibility switch and
members-only mode, the header); the dashboard link; and for the directory the query string.
The directory's pages are rendered for a neutral member (pk -1: nobody's own fields match
for them) or a visitor; a profile for the viewer who missed, whose kind the key
pins down. Pages that show something only one request has (a message, an htmx "Load more",
a group's roster, a signed-in account that is not a member yet) are rendered whole, as any
page.

What no version tracks is bounded by the entries' lifetimes: the "most active" order (last
seen moves every quarter hour), follower counts after a follower's erasure, shout-outs of an
author deactivated in the admin.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from types import SimpleNamespace
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db.models import Q
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from community.page_cache.shared import (
    SomeoneElse,
    dashboard_link,
    neutral_context,
    shared_key,
    shared_page,
)
from community.page_cache.splice import Pieces, cut, filled, hole
from community.per_request import cache_get_many_prefetched, cache_prefetch, per_request
from members.access import (
    COMMUNITY_VERSION_KEY,
    DIRECTORY_VERSION_KEY,
    EVERY_PROFILE_VERSION_KEY,
    MEMBER_VERSION_SECONDS,
    access_version_keys,
    access_versions,
    profile_version_key,
    versions_read,
)
from members.models import ApprovalStatus, Follow, Profile, User, Visibility
from members.permissions import can_browse_members, is_community_member
from members.profile_activity import activity_cache_key
from members.selectors.directory import (
    DIRECTORY_SEARCH_FIELDS,
    directory_group_choices,
    member_card_queryset,
    member_cards,
)
from members.selectors.profiles import profile_user_access

DIRECTORY_SECONDS = 5 * 60
PROFILE_SECONDS = 60
SECTION = "members"  # base.html marks "Members" as where the viewer is
# The query parameters the directory answers; any other one gets a page of its own.
DIRECTORY_PARAMETERS = frozenset({"q", "group", "trust", "tag", "company", "sort", "page"})


class NeutralMember(SomeoneElse):
    """A community member nobody is: members-level fields are visible to them, and no
    profile is theirs (pk -1), so no one's "only me" field matches their search."""

    is_active = True
    approval_status = ApprovalStatus.APPROVED
    erased_at = None
    is_superuser = False


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


# --- The viewer --------------------------------------------------------------------------


class ViewerFacets(NamedTuple):
    """What the member pages need to know about a viewer, kept per access version."""

    member: bool  # a community member
    groups: tuple[tuple[str, str], ...]  # (slug, name): groups whose member list they see
    directory_perm: bool  # holds members.view_member_directory

    @property
    def groups_key(self) -> str:
        return _digest(repr(self.groups)) if self.groups else "-"


def _facets_key(user_id: int) -> str:
    return f"members:viewer-facets:{user_id}"


def viewer_facets(request) -> ViewerFacets:
    """The viewer's facets: a visitor's at no cost, a member's from the cache while their
    access versions hold (their groups, roles and grants are what decide them)."""
    user = request.user
    if not user.is_authenticated:
        return ViewerFacets(member=False, groups=(), directory_perm=False)

    def compute() -> ViewerFacets:
        key = _facets_key(user.pk)
        found = cache_get_many_prefetched([*access_version_keys(user.pk), key])
        versions = access_versions(user.pk, found)
        stored = found.get(key)
        # Membership itself is read from the account row, never from the cache.
        member = is_community_member(user)
        if stored is not None and stored[0] == versions:
            return stored[1]._replace(member=member)
        facets = ViewerFacets(
            member=member,
            groups=tuple(directory_group_choices(user)),
            directory_perm=member and user.has_perm("members.view_member_directory"),
        )
        cache.set(key, (versions, facets), MEMBER_VERSION_SECONDS)
        return facets

    return per_request(f"members:viewer-facets:{user.pk}", compute)


def viewer_may_browse(request, facets: ViewerFacets) -> bool:
    return can_browse_members(request.user, directory_perm=facets.directory_perm)


def prefetch_for(request, *keys: str, own_card: bool = False) -> None:
    """One round trip for the entries a member page reads: `keys` and, for a member, their
    access versions and facets (and with `own_card`, their card and its versions)."""
    user = request.user
    if user.is_authenticated:
        keys = (*keys, *access_version_keys(user.pk), _facets_key(user.pk))
        if own_card:
            keys += (
                EVERY_PROFILE_VERSION_KEY,
                profile_version_key(user.pk),
                _own_card_key(user.pk),
            )
    cache_prefetch(list(keys))


def _shell_shareable(request) -> bool:
    """No htmx fragment, no message waiting to be shown."""
    return not request.htmx and not len(get_messages(request))


def _has_private(user_id: int, fields: set[str]) -> bool:
    """Whether the member keeps any of `fields` to themselves: then what they find, and
    where they sort, is not what any other member would."""
    if not fields:
        return False
    hidden = Q()
    for field in fields:
        hidden |= Q(**{f"{field}_visibility": Visibility.PRIVATE})
    return Profile.objects.filter(hidden, user_id=user_id).exists()


# --- The directory -------------------------------------------------------------------------


def _render_neutral(request, template: str, context: dict, *, signed_in: bool, dashboard: bool):
    """`template` rendered for nobody in particular of the viewer's kind (shared pages)."""
    return render_to_string(
        template,
        {
            **context,
            **neutral_context(
                signed_in=signed_in,
                branding=request.branding,
                path=request.path,
                query=request.GET,
                section=SECTION,
                dashboard=dashboard,
            ),
        },
    )


class SharedDirectory(NamedTuple):
    pieces: Pieces  # the page, a "card:<pk>" hole for each card
    cards: dict[str, bytes]  # each card as the kind of viewer sees it, by hole


def directory_count_key(query, *, member: bool, version: str) -> str:
    """The count of listed members matching `query` (the sort aside), as a neutral viewer of
    the kind counts them, under the directory's version."""
    parts = (query.q, query.group, query.trust_level, query.tag, query.company)
    return shared_key("members", "count", version, int(member), _digest(repr(parts)))


def directory_version() -> str:
    found = cache_get_many_prefetched([DIRECTORY_VERSION_KEY])
    return versions_read({DIRECTORY_VERSION_KEY: None}, found)[0]


def directory_self_dependent(request, query) -> bool:
    """Whether this member's own hidden fields change what the page lists for them."""
    return per_request(
        f"members:self-dependent:{request.user.pk}:{_digest(repr(query))}",
        lambda: _self_dependent(request.user.pk, query),
    )


def _self_dependent(user_id: int, query) -> bool:
    fields = set()
    if query.q:
        fields |= {*DIRECTORY_SEARCH_FIELDS, "expertise"}
    if query.company:
        fields.add("company")
    if query.tag:
        fields.add("expertise")
    return _has_private(user_id, fields)


def directory_shareable(request, query, facets: ViewerFacets) -> bool:
    if request.user.is_authenticated and not facets.member:
        return False
    if query.group or request.GET.keys() - DIRECTORY_PARAMETERS:
        return False
    return _shell_shareable(request)


def _own_card_key(user_id: int) -> str:
    return f"members:own-card:{user_id}"


def _own_card(user) -> bytes:
    """The member's own card as they see it (their "only me" fields), kept for them under
    their profile's versions: two queries when it is not."""
    timeouts = {
        EVERY_PROFILE_VERSION_KEY: None,
        profile_version_key(user.pk): MEMBER_VERSION_SECONDS,
    }
    key = _own_card_key(user.pk)
    found = cache_get_many_prefetched([*timeouts, key])
    versions = versions_read(timeouts, found)
    stored = found.get(key)
    if stored is not None and stored[0] == versions:
        return stored[1]
    select, prefetch = member_card_queryset()
    users = User.objects.filter(pk=user.pk).select_related(*select).prefetch_related(*prefetch)
    (card,) = member_cards(users, viewer=user)
    html = render_to_string("members/_member_card.html", {"card": card}).encode()
    cache.set(key, (versions, html), DIRECTORY_SECONDS)
    return html


def shared_directory_page(request, *, query, facets: ViewerFacets, render_page) -> bytes:
    """The directory page for this request from the shared copy. `render_page(viewer,
    count_key)` returns the template context for a page rendered for `viewer`.

    A member whose own hidden fields change what a search or filter finds for them gets a
    copy of their own (its key names them and their profile's version); anyone else's copy
    is rendered for a neutral viewer, with a hole for each card, and a member whose card is
    on the page gets theirs as they see it."""
    user = request.user
    signed_in = user.is_authenticated
    own_copy = facets.member and directory_self_dependent(request, query)
    if own_copy:
        timeouts = {
            DIRECTORY_VERSION_KEY: None,
            profile_version_key(user.pk): MEMBER_VERSION_SECONDS,
        }
        version, own_version = versions_read(timeouts, cache_get_many_prefetched(list(timeouts)))
        reader = f"self:{user.pk}:{own_version}"
    else:
        version, reader = directory_version(), "any"
    dashboard = dashboard_link(request)
    key = shared_key(
        "members",
        "directory",
        version,
        request.branding.version,
        f"{int(signed_in)}{int(dashboard)}:{facets.groups_key}",
        reader,
        _digest(request.GET.urlencode()),
    )
    count_key = None
    if not own_copy:
        count_key = directory_count_key(query, member=facets.member, version=version)

    def render() -> SharedDirectory:
        neutral = NeutralMember() if signed_in else user
        viewer = user if own_copy else neutral
        context = render_page(viewer, count_key)
        html = _render_neutral(
            request, "members/directory.html", context, signed_in=signed_in, dashboard=dashboard
        )
        cards = {
            f"card:{card.user.pk}": render_to_string(
                "members/_member_card.html", {"card": card}
            ).encode()
            for card in context["cards"]
        }
        return SharedDirectory(cut(html), cards)

    def cards(found: SharedDirectory, token: bytes) -> dict[str, bytes]:
        own = f"card:{user.pk}"
        if token and not own_copy and own in found.cards:
            return {**found.cards, own: _own_card(user)}
        return found.cards

    return shared_page(request, key, render, seconds=DIRECTORY_SECONDS, extra=cards)


# --- A profile -----------------------------------------------------------------------------


class FollowFacts(NamedTuple):
    """What the follow panel shows that is the same for every viewer of the kind."""

    username: str
    follower_count: int
    following_count: int
    can_browse_follows: bool
    can_follow: bool


class SharedProfile(NamedTuple):
    pieces: Pieces
    follow: FollowFacts | None  # None: an erased member's page has no panel


def _profile_pk_key(username: str) -> str:
    return f"members:profile-pk:{username}"


def profile_shareable(request) -> bool:
    return not request.GET and _shell_shareable(request)


@lru_cache(maxsize=4096)
def _follow_panel(facts: FollowFacts, follows: bool, signed_in: bool, path: str) -> Pieces:
    """The follow panel, a function of these alone (the token is a hole)."""
    page = SimpleNamespace(
        user=SimpleNamespace(username=facts.username),
        follower_count=facts.follower_count,
        following_count=facts.following_count,
        can_browse_follows=facts.can_browse_follows,
        can_follow=facts.can_follow,
        viewer_follows=follows,
    )
    html = get_template("members/profile_follow_panel.html").render(
        {
            "page": page,
            "user": SimpleNamespace(is_authenticated=signed_in),
            "request": SimpleNamespace(path=path),
            "csrf_token": hole("csrf"),
        }
    )
    return cut(html)


def _local_time(name: str) -> bytes | None:
    """A profile's "local time" hole (`localtime:<zone>`), filled in for every request."""
    if not name.startswith("localtime:"):
        return None
    try:
        zone = ZoneInfo(name.removeprefix("localtime:"))
    except (ValueError, KeyError, OSError):
        return b""
    return timezone.now().astimezone(zone).strftime("%H:%M").encode()


def shared_profile_page(request, username: str, *, render_page) -> bytes | None:
    """`username`'s profile page for this request from the shared copy, or None when it is
    not to be shared (a name that is not the canonical one, a signed-in account that is not
    a member). `render_page(user)` returns the template
    context of the page as this viewer sees it (the caller's profile_page_get and parts),
    or raises Http404."""
    user = request.user
    pk_key = _profile_pk_key(username)
    prefetch_for(request, pk_key, COMMUNITY_VERSION_KEY, EVERY_PROFILE_VERSION_KEY)
    facets = viewer_facets(request)
    if user.is_authenticated and not facets.member:
        return None
    pk = cache_get_many_prefetched([pk_key]).get(pk_key)
    if pk is None:
        owner = profile_user_access(username=username, viewer=user)  # Http404 as before
        if owner.username != username:
            return None  # the view redirects to the canonical name
        pk = owner.pk
        cache.set(pk_key, pk, MEMBER_VERSION_SECONDS)
    # Their own profile (their "only me" fields, the edit button) is kept for them alone.
    is_self = user.is_authenticated and user.pk == pk
    timeouts = {
        COMMUNITY_VERSION_KEY: None,
        EVERY_PROFILE_VERSION_KEY: None,
        profile_version_key(pk): MEMBER_VERSION_SECONDS,
    }
    versions = versions_read(timeouts, cache_get_many_prefetched(list(timeouts)))
    signed_in = user.is_authenticated
    dashboard = dashboard_link(request)
    key = shared_key(
        "members",
        "profile",
        pk,
        *versions,
        request.branding.version,
        f"{int(signed_in)}{int(dashboard)}:{facets.groups_key}",
        f"self:{user.pk}" if is_self else "others",
        activity_cache_key(user),
    )

    def render() -> SharedProfile:
        context = render_page(username)
        page = context["page"]
        follow = None
        if not page.is_erased:
            follow = FollowFacts(
                username=page.user.username,
                follower_count=page.follower_count,
                following_count=page.following_count,
                can_browse_follows=page.can_browse_follows,
                can_follow=page.can_follow,
            )
        html = _render_neutral(
            request,
            "members/profile_detail.html",
            context,
            signed_in=signed_in,
            dashboard=dashboard,
        )
        return SharedProfile(cut(html), follow)

    def follow_panel(found: SharedProfile, token: bytes) -> dict:
        if found.follow is None:
            return {}
        follows = False
        if token and found.follow.can_follow:
            follows = Follow.objects.filter(follower_id=user.pk, followed_id=pk).exists()
        panel = _follow_panel(found.follow, follows, signed_in, request.path)
        return {"follow": filled(panel, {"csrf": token})}

    return shared_page(
        request,
        key,
        render,
        seconds=PROFILE_SECONDS,
        extra=follow_panel,
        live=_local_time,
    )
