"""What the site search looks through, one kind at a time. Each kind says who may search it
and runs its app's own search selector, which filters by that app's permission helpers:
topics through forums.permissions.visible_topics, resources through
library.permissions.visible_resources, members as the directory lists them with only the
profile fields the searcher may see (members.visibility). This module only composes them
and shapes the members' hits, whose highlighting is the forums' (members may not import it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.paginator import Page
from django.utils.safestring import SafeString, mark_safe

from community.db import QueryTimedOut, time_limited
from community.markdown import html_to_text
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
from members.models import Profile, User
from members.permissions import can_browse_members
from members.selectors.directory import DirectoryPaginator, member_search
from members.visibility import visible_fields

ALL = "all"
RESULTS_PER_PAGE = 20
# "All" shows this many of each kind, with a link to the rest.
TOP_PER_KIND = 5


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # the kind filter
    heading: str  # a section of "All"
    noun: tuple[str, str]  # one, many: "3 resources found"
    template: str  # renders one hit
    available: Callable[..., bool]  # (viewer) -> may search this kind
    search: Callable[..., object]  # (viewer, criteria, page, per_page) -> results


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
        ),
    )
}


def kinds_for(viewer) -> list[Kind]:
    """The kinds `viewer` may search, in the order the page shows them."""
    return [kind for kind in KINDS.values() if kind.available(viewer)]
