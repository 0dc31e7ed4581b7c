"""The home page: with the root URLconf, the one place in community/ that may read from
every app (the rest of community/ is the base the apps build on and imports none of them;
tests/community/test_layers.py holds it to that).

It shows the community alive: what was posted lately and what waits for a first reply (both
filtered by the forums' visibility helpers), a featured area, and for a member their groups
and the people who supported them. A fixed number of queries whatever the community's size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import get_template
from django.views.decorators.http import require_safe

from community.page_cache.shared import KeptPart
from community.page_cache.splice import Pieces, cut, filled, hole
from community.per_request import cache_get_many_prefetched
from forums.page_cache.keys import page_key
from forums.page_cache.lists import (
    list_key,
    list_shape,
    list_version,
    shareable,
    shared_list_page,
    shared_list_render,
)
from forums.selectors.highlights import (
    pinned_topics_for,
    recent_topics_for,
    topics_awaiting_reply_for,
)
from members.access import access_version_keys, access_versions
from members.permissions import is_community_member
from members.selectors.groups import groups_for_profile
from members.selectors.reciprocity import ledger_version, supporters_to_thank

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


def _piece(template: str, context: dict) -> bytes:
    # The home page's own parts need no context processor.
    return get_template(template).render(context).encode()


def _kept_piece(template: str, context: dict) -> Pieces:
    """A part kept between the member's requests: its forms (follow back) carry a hole for
    the request's CSRF token and come back to the home page."""
    return cut(
        get_template(template).render(
            {
                **context,
                "csrf_token": hole("csrf"),
                "request": SimpleNamespace(get_full_path=lambda: "/"),
            }
        )
    )


@require_safe
def home(request):
    """Shared between viewers who see the same forum categories (forums.page_cache.lists):
    the hero, the latest conversations and those waiting for a reply. The viewer's own parts
    are holes: their greeting, supporters, groups and the featured area (whose library
    collections follow the library's permissions, not the forums'). A member's supporters,
    groups and featured area are kept for them until the forum, their access or their
    support ledger changes (at most LIST_SECONDS). A page with a message to show is rendered
    whole."""
    viewer = request.user
    is_member = is_community_member(viewer)

    def shared_parts() -> dict:
        return {
            "recent_topics": recent_topics_for(viewer=viewer, limit=HOME_RECENT_LIMIT),
            "awaiting_topics": topics_awaiting_reply_for(viewer=viewer, limit=HOME_AWAITING_LIMIT),
        }

    def featured() -> dict:
        return {"featured": featured_for(viewer)}

    def supporters() -> dict:
        return {
            "show_supporters": is_member,
            "supporters": (
                supporters_to_thank(member=viewer, limit=HOME_SUPPORTERS_LIMIT) if is_member else []
            ),
        }

    def groups() -> dict:
        return {
            "show_groups": is_member,
            "groups": groups_for_profile(profile_user=viewer, viewer=viewer) if is_member else [],
        }

    own_parts = {
        "featured": ("community/_home_featured.html", featured),
        "supporters": ("community/_home_supporters.html", supporters),
        "groups": ("community/_home_groups.html", groups),
    }
    if not shareable(request):
        context = shared_parts()
        for _, own_context in own_parts.values():
            context |= own_context()
        return render(request, "community/home.html", context)

    shape = list_shape(request)
    version = list_version()

    def render_shared():
        return shared_list_render(
            "community/home.html",
            shared_parts(),
            path="/",
            query=QueryDict(),
            shape=shape,
            branding=request.branding,
            section=None,
        )

    def kept_parts(_shared) -> dict[str, Pieces]:
        return {
            name: _kept_piece(template, own_context())
            for name, (template, own_context) in own_parts.items()
        }

    def filled_parts(parts: dict[str, Pieces], token: bytes) -> dict[str, bytes]:
        return {name: filled(pieces, {"csrf": token}) for name, pieces in parts.items()}

    if viewer.is_authenticated:
        own_key = page_key(
            "home-own",
            viewer.pk,
            version,
            *access_versions(viewer.pk, cache_get_many_prefetched(access_version_keys(viewer.pk))),
            ledger_version(viewer.pk),
        )
    else:
        own_key = "home-own:visitor"  # unused: a visitor's page is kept whole
    greeting = {"greeting": lambda token: _piece("community/_home_greeting.html", {"user": viewer})}
    key = list_key("home", version, shape, request.branding)
    own_parts_kept = KeptPart(own_key, kept_parts, filled_parts)
    return HttpResponse(
        shared_list_page(request, key, render_shared, own=greeting, kept=[own_parts_kept])
    )
