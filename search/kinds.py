"""What the site search looks through, one kind at a time. Each kind says who may search it
and runs its app's own search selector, which filters by that app's permission helpers:
topics through forums.permissions.visible_topics, resources through
library.permissions.visible_resources, members as the directory lists them with only the
profile fields the searcher may see (members.visibility). This module only composes them
and shapes the members' hits, whose highlighting is the forums' (members may not import it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.utils.safestring import SafeString, mark_safe

from community.db import QueryTimedOut, time_limited
from community.markdown import html_to_text
from community.per_request import cache_get_many_prefetched, per_request
from forums.selectors.search import (
    SEARCH_TIMEOUT_MS,
    SearchCriteria,
    SearchTooBroad,
    excerpt_html,
    fallback_words,
    topic_search,
    words_marked_html,
)
from library.selectors import resource_search
from members.models import VISIBLE_FIELDS, ApprovalStatus, Profile, User
from members.permissions import can_browse_members, is_community_member
from members.selectors.directory import DirectoryPaginator, member_search
from members.visibility import MEMBER_LEVELS, PUBLIC_LEVELS, visible_fields

ALL = "all"
RESULTS_PER_PAGE = 20
# "All" shows this many of each kind, with a link to the rest.
TOP_PER_KIND = 5
# How long "All"'s members section is kept for everyone who sees members' profiles alike.
# Nothing versions the profiles a search reads (their services belong to the members app),
# so this is how long a changed profile (a field hidden, a new name, an erased member) may
# still show as it was in "All"; the members kind and the profile pages show it at once.
MEMBERS_SECTION_SECONDS = 30


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # the kind filter
    heading: str  # a section of "All"
    noun: tuple[str, str]  # one, many: "3 resources found"
    template: str  # renders one hit
    available: Callable[..., bool]  # (viewer) -> may search this kind
    search: Callable[..., object]  # (viewer, criteria, page, per_page) -> results
    # (viewer, criteria) -> "All"'s section; None: the first TOP_PER_KIND of `search`.
    top: Callable[..., object] | None = None

    def top_results(self, viewer, criteria: SearchCriteria):
        if self.top is not None:
            return self.top(viewer, criteria)
        return self.search(viewer, criteria, 1, TOP_PER_KIND)


@dataclass
class MemberHit:
    user: User
    profile: Profile
    name_html: SafeString
    username_html: SafeString
    details: list[tuple[str, SafeString]]  # (label, highlighted text) of fields they may see
    snippet_html: SafeString  # a passage of the bio, when it holds a word and may be seen


@dataclass
class MemberResults:
    page: Page
    hits: list[MemberHit] = field(default_factory=list)
    capped: bool = False  # never: the template asks every kind

    @property
    def count(self) -> int:
        return self.page.paginator.count


def _topics(viewer, criteria: SearchCriteria, page, per_page):
    return topic_search(viewer=viewer, criteria=criteria, page=page, per_page=per_page)


def _resources(viewer, criteria: SearchCriteria, page, per_page):
    return resource_search(viewer=viewer, text=criteria.text, page=page, per_page=per_page)


def _members(viewer, criteria: SearchCriteria, page, per_page) -> MemberResults:
    try:
        return time_limited(
            lambda: _member_results(viewer, criteria.text, page, per_page),
            milliseconds=SEARCH_TIMEOUT_MS,
        )
    except QueryTimedOut as exc:
        raise SearchTooBroad from exc


def _member_results(viewer, text: str, page, per_page) -> MemberResults:
    words = fallback_words(text)
    filtered, ordered = member_search(viewer=viewer, words=words)
    result_page = DirectoryPaginator(ordered, per_page, count_source=filtered).get_page(page)
    hits = []
    for user in result_page.object_list:
        try:
            profile = user.profile  # select_related: no query, even when the row is missing
        except Profile.DoesNotExist:
            profile = Profile(user=user)
        visible = visible_fields(viewer, profile)
        details = [
            (label, words_marked_html(getattr(profile, name), words))
            for name, label in (("headline", ""), ("company", "Company"), ("location", "Location"))
            if name in visible and getattr(profile, name)
        ]
        bio = html_to_text(profile.bio_html) if "bio" in visible else ""
        lowered = bio.lower()
        snippet = (
            excerpt_html(bio, words)
            if any(word.lower() in lowered for word in words)
            else mark_safe("")
        )
        hits.append(
            MemberHit(
                user=user,
                profile=profile,
                name_html=words_marked_html(user.public_name, words),
                username_html=words_marked_html(user.username, words),
                details=details,
                snippet_html=snippet,
            )
        )
    result_page.object_list = hits
    return MemberResults(page=result_page, hits=hits)


# --- "All"'s members section, shared -----------------------------------------------------
# What a searcher finds and sees of members depends on whether they are a community member
# (members-level fields match and show) and on who they are only for their own profile
# ("only me" fields are theirs alone: members.visibility). So the section is computed for a
# stand-in who sees profiles as the searcher does but owns none, kept per that kind of
# searcher and the words, and served to every searcher whose own profile the stand-in's
# view gets right: one with no field at a level only they see. Anyone else gets theirs
# computed for them. A cached section thus never holds anyone's "only me" field.


def member_searcher_kind(viewer) -> str:
    """Who sees members' profiles alike: community members, and everyone else (visitors
    and sign-ups awaiting approval, when the directory is public)."""
    return "member" if is_community_member(viewer) else "public"


def _stand_in(viewer):
    """A searcher who sees profiles as `viewer` does and owns none of them."""
    if is_community_member(viewer):
        return User(is_active=True, approval_status=ApprovalStatus.APPROVED)
    return AnonymousUser()


def own_levels_key(viewer) -> str:
    return f"search:own-levels:{settings.RELEASE_ID}:{viewer.pk}"


def sees_themself_differently(viewer, found: dict | None = None) -> bool:
    """Whether `viewer`'s own profile holds a field only they see (an "only me" field; for
    someone not yet a member, a members-level one): then their members section is theirs
    alone. The levels of their fields are kept MEMBERS_SECTION_SECONDS; `found` holds what
    the caller already fetched with own_levels_key(viewer)."""
    if not viewer.is_authenticated:
        return False
    key = own_levels_key(viewer)

    def read() -> frozenset[str]:
        levels = (found if found is not None else cache_get_many_prefetched([key])).get(key)
        if levels is None:
            names = [f"{name}_visibility" for name in VISIBLE_FIELDS]
            row = Profile.objects.filter(user_id=viewer.pk).values_list(*names).first()
            if row is None:  # no profile row yet: the defaults
                row = [Profile._meta.get_field(name).default for name in names]
            levels = frozenset(row)
            cache.set(key, levels, MEMBERS_SECTION_SECONDS)
        return levels

    levels = per_request(key, read)
    return not levels <= (MEMBER_LEVELS if is_community_member(viewer) else PUBLIC_LEVELS)


@dataclass
class _KeptMembers:
    """A members section as kept: its count and hits, the members in them reduced to what
    a hit shows (no password hash, e-mail or hidden field rides along into the cache)."""

    count: int
    hits: list[MemberHit]


def _kept_hit(hit: MemberHit) -> MemberHit:
    user = hit.user
    slim_user = User(
        pk=user.pk, username=user.username, display_name=user.display_name, erased_at=user.erased_at
    )
    slim_profile = Profile(user_id=user.pk, avatar=hit.profile.avatar.name)
    return MemberHit(
        user=slim_user,
        profile=slim_profile,
        name_html=hit.name_html,
        username_html=hit.username_html,
        details=hit.details,
        snippet_html=hit.snippet_html,
    )


def _members_top(viewer, criteria: SearchCriteria) -> MemberResults:
    """ "All"'s members section: shared by every searcher of the same kind (above), kept
    MEMBERS_SECTION_SECONDS; computed for the searcher when their own profile makes a
    difference."""
    if sees_themself_differently(viewer):
        return _members(viewer, criteria, 1, TOP_PER_KIND)
    words = criteria.text.lower().encode()
    key = ":".join(
        (
            "search:members-top",
            settings.RELEASE_ID,
            member_searcher_kind(viewer),
            hashlib.blake2b(words, digest_size=12).hexdigest(),
        )
    )
    kept = cache.get(key)
    if kept is None:
        results = _members(_stand_in(viewer), criteria, 1, TOP_PER_KIND)
        kept = _KeptMembers(results.count, [_kept_hit(hit) for hit in results.hits])
        cache.set(key, kept, MEMBERS_SECTION_SECONDS)
    page = Paginator(range(kept.count), TOP_PER_KIND).get_page(1)
    page.object_list = kept.hits
    return MemberResults(page=page, hits=kept.hits)


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            key="forums",
            label="Topics & posts",
            heading="Topics and posts",
            noun=("topic", "topics"),
            template="search/_topic_hit.html",
            available=lambda viewer: True,
            search=_topics,
        ),
        Kind(
            key="library",
            label="Library",
            heading="Library",
            noun=("resource", "resources"),
            template="search/_resource_hit.html",
            available=lambda viewer: True,
            search=_resources,
        ),
        Kind(
            key="members",
            label="Members",
            heading="Members",
            noun=("member", "members"),
            template="search/_member_hit.html",
            available=can_browse_members,
            search=_members,
            top=_members_top,
        ),
    )
}


def kinds_for(viewer) -> list[Kind]:
    """The kinds `viewer` may search, in the order the page shows them."""
    return [kind for kind in KINDS.values() if kind.available(viewer)]
