"""Search health: whether searches lead somewhere and what people look for in vain. The
detail lists what was typed (lower-cased as the search log stores it), never who typed it."""

from __future__ import annotations

from django.db.models import Count, Max, Q

from forums.models import SearchQuery
from forums.selectors.search import search_stats, zero_result_queries
from metrics.catalogue import Area, Direction, Measure, Period, Timing, Unit, kpi, ratio

TOP_QUERIES = 20
# Searches by visitors and members; the community team's staff accounts trying the search
# out are not the community looking for something.
SEARCHERS = Q(user__isnull=True) | Q(user__is_staff=False)


def _searches(period: Period):
    return SearchQuery.objects.filter(
        SEARCHERS, created_at__gte=period.start, created_at__lt=period.end
    )


def _top_queries(period: Period) -> list[dict]:
    rows = (
        _searches(period)
        .values("query")
        .annotate(
            searches=Count("pk"),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
            zero_result=Count("pk", filter=Q(result_count=0)),
            last=Max("created_at"),
        )
        .order_by("-searches", "-last", "query")[:TOP_QUERIES]
    )
    return [
        {
            "query": row["query"],
            "searches": row["searches"],
            "clicked": row["clicked"],
            "zero_result": row["zero_result"],
        }
        for row in rows
    ]


def _zero_result_queries(period: Period) -> list[dict]:
    rows = zero_result_queries(
        start=period.start, end=period.end, limit=TOP_QUERIES, only=SEARCHERS
    )
    return [{"query": row["query"], "searches": row["searches"]} for row in rows]


def _by_kind(period: Period) -> dict[str, dict[str, int]]:
    rows = (
        _searches(period)
        .values("kind")
        .annotate(
            searches=Count("pk"),
            zero_result=Count("pk", filter=Q(result_count=0)),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
        )
        .order_by("kind")
    )
    return {
        row["kind"]: {
            "searches": row["searches"],
            "zero_result": row["zero_result"],
            "clicked": row["clicked"],
        }
        for row in rows
    }


@kpi(
    key="search_click_through",
    name="Search click-through",
    definition="Share of searches that found something where the searcher opened a result.",
    formula=(
        "Searches logged (forums_searchquery) with start ≤ created_at < end and a click "
        "(clicked_at set: the searcher's first click on any result, forum, library or member) "
        "÷ the searches of the window that found at least one result (result_count > 0). "
        "Searches by staff accounts are left out; visitors' searches count."
    ),
    unit=Unit.PERCENT,
    direction=Direction.HIGHER,
    timing=Timing.LAGGING,
    area=Area.SUPPORT,
    drivers=("zero_result_searches",),
)
def search_click_through(period: Period) -> Measure:
    stats = search_stats(start=period.start, end=period.end, only=SEARCHERS)
    detail = {
        "searches": stats.searches,
        "top_queries": _top_queries(period),
        "zero_result_queries": _zero_result_queries(period),
        "by_kind": _by_kind(period),
    }
    return ratio(stats.clicked, stats.searches - stats.zero_result, detail)


@kpi(
    key="zero_result_searches",
    name="Zero-result searches",
    definition="Share of searches that found nothing.",
    formula=(
        "Searches logged with start ≤ created_at < end and result_count = 0 ÷ all searches "
        "logged in the window. Searches by staff accounts are left out; visitors' count."
    ),
    unit=Unit.PERCENT,
    direction=Direction.LOWER,
    timing=Timing.LEADING,
    area=Area.SUPPORT,
)
def zero_result_searches(period: Period) -> Measure:
    stats = search_stats(start=period.start, end=period.end, only=SEARCHERS)
    return ratio(
        stats.zero_result, stats.searches, {"zero_result_queries": _zero_result_queries(period)}
    )
