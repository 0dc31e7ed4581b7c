"""The home page: with the root URLconf, the one place in community/ that may read from
every app (the rest of community/ is the base the apps build on and imports none of them;
tests/community/test_layers.py holds it to that).

It shows the community alive: what was posted lately and what waits for a first reply (both
filtered by the forums' visibility helpers), a featured area, and for a member their groups
and the people who supported them. A fixed number of queries whatever the community's size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.shortcuts import render
from django.views.decorators.http import require_safe

from forums.selectors.highlights import (
    pinned_topics_for,
    recent_topics_for,
    topics_awaiting_reply_for,
)
from members.permissions import is_community_member
from members.selectors.groups import groups_for_profile
from members.selectors.reciprocity import supporters_to_thank

HOME_SUPPORTERS_LIMIT = 5
HOME_RECENT_LIMIT = 8
HOME_AWAITING_LIMIT = 5
HOME_FEATURED_LIMIT = 4


@dataclass(frozen=True)
class FeaturedItem:
    """One entry of the featured area, whatever kind of thing it points to."""

    kind: str  # shown as a label: "Pinned topic", later "Library" or "Poll"
    title: str
    url: str
    where: str  # the place it lives in (a category, a collection)
    where_url: str


def _featured_pinned_topics(viewer, limit: int) -> list[FeaturedItem]:
    return [
        FeaturedItem(
            kind="Pinned topic",
            title=topic.title,
            url=topic.get_absolute_url(),
            where=topic.category.name,
            where_url=topic.category.get_absolute_url(),
        )
        for topic in pinned_topics_for(viewer=viewer, limit=limit)
    ]


# Where featured things come from, in the order they are shown: pinned topics here, and
# what the apps above forums register from their AppConfig.ready() with `featured_source`
# (the library's featured collections). A source takes the viewer and a limit and returns
# FeaturedItems filtered by its own permission helpers, in a fixed number of queries. The
# area is left out of the page when every source returns nothing.
FEATURED_SOURCES: list[Callable[[object, int], list[FeaturedItem]]] = [_featured_pinned_topics]


def featured_source(func: Callable[[object, int], list[FeaturedItem]]):
    """Register a source of featured items (idempotent)."""
    if func not in FEATURED_SOURCES:
        FEATURED_SOURCES.append(func)
    return func


def featured_for(viewer, *, limit: int = HOME_FEATURED_LIMIT) -> list[FeaturedItem]:
    """Each source gets an equal share of `limit`, so many pinned topics cannot crowd the
    other sources out of the area."""
    share = max(1, -(-limit // len(FEATURED_SOURCES)))
    items: list[FeaturedItem] = []
    for source in FEATURED_SOURCES:
        if len(items) >= limit:
            break
        items += source(viewer, min(share, limit - len(items)))
    return items


@require_safe
def home(request):
    viewer = request.user
    is_member = is_community_member(viewer)
    context = {
        "show_supporters": is_member,
        "supporters": [],
        "show_groups": is_member,
        "groups": [],
        "recent_topics": recent_topics_for(viewer=viewer, limit=HOME_RECENT_LIMIT),
        "awaiting_topics": topics_awaiting_reply_for(viewer=viewer, limit=HOME_AWAITING_LIMIT),
        "featured": featured_for(viewer),
    }
    if is_member:
        context["supporters"] = supporters_to_thank(member=viewer, limit=HOME_SUPPORTERS_LIMIT)
        context["groups"] = groups_for_profile(profile_user=viewer, viewer=viewer)
    return render(request, "community/home.html", context)
