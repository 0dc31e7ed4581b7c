"""The search log: one row per search run, and the click that followed it. Metrics reads
zero-result searches as content gaps and reports click-through (forums.selectors.search)."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from forums.models import SearchQuery, Topic
from forums.selectors.search import QUERY_MAX_LENGTH


def search_query_record(
    *, user, text: str, filters: dict, result_count: int, kind: str = "forums"
) -> SearchQuery:
    """Log one search. `text` is stored lower-cased (so "Pump" and "pump" count as one
    search in the reports) and cut to the column's length; `user` is None for visitors;
    `kind` is what was searched (the site search's kinds: all, forums, library, members)."""
    return SearchQuery.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        query=text.lower()[:QUERY_MAX_LENGTH],
        kind=kind,
        filters=filters,
        result_count=result_count,
    )


def search_click_record(*, search_query_id: int, user, topic: Topic | None, owned: bool) -> bool:
    """Record that the searcher opened a result of their search: `topic` for a forum
    result, None for anything else (a library resource, a member). Only the
    first click counts (click-through is "did the search lead anywhere"); a click on
    someone else's search changes nothing. `owned` says whether the session ran this search
    (how a visitor's ownership is known); a member's search is theirs by its user column.
    One conditional UPDATE, so two racing clicks record one. Returns whether it recorded."""
    if user is not None and user.is_authenticated:
        mine = Q(user=user)
    elif owned:
        mine = Q(user__isnull=True)
    else:
        return False
    updated = SearchQuery.objects.filter(mine, pk=search_query_id, clicked_at__isnull=True).update(
        clicked_at=timezone.now(), clicked_topic=topic
    )
    return updated == 1
