"""The search log: one row per search run, and the click that followed it. Metrics reads
zero-result searches as content gaps and reports click-through (forums.selectors.search).

A search is a read, and a read writes nothing on the request: each search and each click
is logged in the cache (forums.services.reading.event_log) and the periodic flush writes
them in bulk, within a couple of minutes. A search is named by a random token from the
start, so its result links can carry it before its row exists."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from forums.models import SearchQuery, Topic
from forums.selectors.search import QUERY_MAX_LENGTH
from forums.services.reading import event_log
from members.models import User

SEARCH_EVENT = "search"
CLICK_EVENT = "search_click"


def search_token_new() -> str:
    return secrets.token_urlsafe(12)  # 16 characters of [A-Za-z0-9_-]


def search_query_record(
    *,
    user,
    text: str,
    filters: dict,
    result_count: int,
    token: str,
    kind: str = "forums",
    now: datetime | None = None,
) -> None:
    """Log one search under `token`. `text` is stored lower-cased (so "Pump" and "pump"
    count as one search in the reports) and cut to the column's length; `user` is None for
    visitors; `kind` is what was searched (the site search's kinds: all, forums, library,
    members)."""
    event_log(
        SEARCH_EVENT,
        {
            "token": token,
            "user": user.pk if user is not None and user.is_authenticated else None,
            "query": text.lower()[:QUERY_MAX_LENGTH],
            "kind": kind,
            "filters": filters,
            "results": result_count,
            "at": (now or timezone.now()).isoformat(),
        },
        now=now,
    )


def search_click_record(*, token: str, user, topic: Topic | None) -> None:
    """Log that the searcher opened a result of search `token`: `topic` for a forum result,
    None for anything else (a library resource, a member). When written, only the first
    click counts (click-through is "did the search lead anywhere"), and only on the
    searcher's own search: a member's by its user column; a visitor's by its token, which
    only their results page carried."""
    event_log(
        CLICK_EVENT,
        {
            "token": token,
            "user": user.pk if user is not None and user.is_authenticated else None,
            "topic": topic.pk if topic is not None else None,
            "at": timezone.now().isoformat(),
        },
    )


def _existing(model, ids) -> set[int]:
    wanted = {pk for pk in ids if pk is not None}
    return set(model.objects.filter(pk__in=wanted).values_list("pk", flat=True))


def searches_write(events: list[dict]) -> None:
    """The flush's part: one row per logged search (a token written before, by a flush
    that died after its commit, is skipped), dated when it was run. A member erased since
    leaves the search anonymous, as erasing does to the rows already written."""
    users = _existing(User, (event["user"] for event in events))
    rows = [
        SearchQuery(
            token=event["token"],
            user_id=event["user"] if event["user"] in users else None,
            query=event["query"],
            kind=event["kind"],
            filters=event["filters"],
            result_count=event["results"],
        )
        for event in events
    ]
    SearchQuery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    searched_at = {event["token"]: parse_datetime(event["at"]) for event in events}
    written = list(SearchQuery.objects.filter(token__in=searched_at).only("pk", "token"))
    for row in written:
        row.created_at = searched_at[row.token]
    SearchQuery.objects.bulk_update(written, ["created_at"], batch_size=500)


def search_clicks_write(events: list[dict]) -> None:
    """The flush's part: each click as one conditional UPDATE, so of two clicks on one
    search the first counts."""
    topics = _existing(Topic, (event["topic"] for event in events))
    for event in events:
        mine = Q(user_id=event["user"]) if event["user"] else Q(user__isnull=True)
        SearchQuery.objects.filter(mine, token=event["token"], clicked_at__isnull=True).update(
            clicked_at=parse_datetime(event["at"]),
            clicked_topic_id=event["topic"] if event["topic"] in topics else None,
        )
