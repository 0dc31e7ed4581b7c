"""What the dashboard, the KPI pages, the exports and the API read: stored snapshots
(metrics.models.KpiSnapshot), never a KPI computed during the request. Any KPI registered
in metrics.catalogue appears without a change here.

Periods: the executive picks 30, 90 or 365 days. The 30-day view reads the 30-day window,
the 90-day and 365-day views the 90-day window (the longest stored); the series is every
stored value of that window whose day falls in the period, ending with the latest day that
has snapshots. "Change" compares the value on that day with the value one window earlier
(the latest stored on or before that day), so 30 days are compared with the 30 days before."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Max
from django.db.models.functions import Lower

from community.db_routers import reporting_db, reporting_reads
from community.timezones import community_timezone
from forums.models import Post
from members.selectors.directory import directory_sort_by_helpfulness
from metrics.catalogue import CATALOGUE, Area, Direction, Kpi, Timing, kpis_in_order
from metrics.formatting import format_change, format_value
from metrics.health import (
    HEALTH_KEYS,
    MODERATION_KEYS,
    SEARCH_KEYS,
    SUPPORT_KEYS,
    Health,
    health_from,
    health_rows,
)
from metrics.kpis.base import counted_member_q, counted_members
from metrics.models import SETTINGS_ID, KpiSnapshot, KpiTarget, MetricsSettings

# Period (days shown) -> the stored window it reads.
PERIODS = {30: 30, 90: 90, 365: 90}
DEFAULT_PERIOD = 30
HEADLINE_KEYS = (
    "members",
    "mau",
    "stickiness",
    "new_members",
    "median_first_response_hours",
    "solved_rate",
    "reciprocity_rate",
    "estimated_deflection",
)
# KPIs whose breakdown (snapshot detail) the dashboard draws.
COHORT_KEY = "cohort_retention"
PRIVATE_GROUPS_KEY = "private_group_participation"
LIST_SIZE = 10
HEALTH_SECTIONS = {"support": SUPPORT_KEYS, "moderation": MODERATION_KEYS, "search": SEARCH_KEYS}
# Lapsing contributors: posted in the LAPSE_LOOKBACK days before the last LAPSE_SILENCE
# days, and not since.
LAPSE_SILENCE = 30
LAPSE_LOOKBACK = 90


@reporting_reads()
def currency() -> str:
    row = MetricsSettings.objects.filter(pk=SETTINGS_ID).values_list("currency", flat=True)
    return next(iter(row), "USD")


@reporting_reads()
def latest_snapshot_day() -> date | None:
    return KpiSnapshot.objects.aggregate(day=Max("day"))["day"]


def _active_on(target: KpiTarget, day: date) -> bool:
    return (target.starts_on is None or target.starts_on <= day) and (
        target.ends_on is None or target.ends_on >= day
    )


@reporting_reads()
def targets_by_key(window: int, day: date) -> dict[str, KpiTarget]:
    """The target of each KPI for `window` that is in force on `day` (the one that started
    last when several are), in one query."""
    found: dict[str, KpiTarget] = {}
    targets = KpiTarget.objects.filter(window=window).select_related("owner")
    for target in targets.order_by("key", "-starts_on", "-created_at"):
        if target.key not in found and _active_on(target, day):
            found[target.key] = target
    return found


def on_track(kpi: Kpi, value: float | None, target: KpiTarget | None) -> bool | None:
    """Whether `value` meets `target` in the KPI's direction; None when either is missing."""
    if value is None or target is None:
        return None
    if kpi.direction == Direction.LOWER:
        return value <= target.value
    return value >= target.value


@dataclass
class KpiCard:
    """One KPI over a period, as the dashboard and its page show it."""

    kpi: Kpi
    series: list[tuple[date, float | None]]
    value: float | None
    previous: float | None
    target: KpiTarget | None
    currency: str
    chart: str = ""  # the SVG, set by the page that draws it

    @property
    def drivers(self) -> list[tuple[str, str]]:
        """(key, name) of the KPIs that drive this one; the key alone names one that is
        not registered (yet)."""
        return [(key, CATALOGUE[key].name if key in CATALOGUE else key) for key in self.kpi.drivers]

    @property
    def shown(self) -> str:
        return format_value(self.kpi.unit, self.value, self.currency)

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def change_shown(self) -> str:
        return format_change(self.kpi.unit, self.change, self.currency)

    @property
    def change_is_good(self) -> bool | None:
        if not self.change:
            return None
        return (self.change > 0) == (self.kpi.direction == Direction.HIGHER)

    @property
    def target_shown(self) -> str:
        if self.target is None:
            return ""
        return format_value(self.kpi.unit, self.target.value, self.currency)

    @property
    def on_track(self) -> bool | None:
        return on_track(self.kpi, self.value, self.target)

    @property
    def summary(self) -> str:
        """The chart's numbers in words, shown beside it."""
        values = [value for _, value in self.series if value is not None]
        if not values:
            return "No values stored for this period."
        shown = [format_value(self.kpi.unit, v, self.currency) for v in (min(values), max(values))]
        first, last = self.series[0][0], self.series[-1][0]
        return (
            f"{len(self.series)} values, {first} to {last}: lowest {shown[0]}, highest {shown[1]}."
        )

    @property
    def is_leading(self) -> bool:
        return self.kpi.timing == Timing.LEADING


def _cards(
    kpis: list[Kpi], *, day: date, period: int, window: int, money: str
) -> dict[str, KpiCard]:
    """Every KPI's series for the period in one query (values only: the details, which can
    be large, are read apart for the few KPIs that draw them)."""
    first = day - timedelta(days=period - 1)
    compare_day = day - timedelta(days=window)
    rows = (
        KpiSnapshot.objects.filter(
            key__in=[k.key for k in kpis],
            window=window,
            day__gte=min(first, compare_day),
            day__lte=day,
        )
        .order_by("key", "day")
        .values_list("key", "day", "value")
    )
    by_key: dict[str, list[tuple[date, float | None]]] = {k.key: [] for k in kpis}
    for key, row_day, value in rows:
        by_key[key].append((row_day, value))
    targets = targets_by_key(window, day)
    cards = {}
    for kpi in kpis:
        points = by_key[kpi.key]
        at_day = [value for row_day, value in points if row_day == day]
        before = [value for row_day, value in points if row_day <= compare_day]
        cards[kpi.key] = KpiCard(
            kpi=kpi,
            series=[(row_day, value) for row_day, value in points if row_day >= first],
            value=at_day[0] if at_day else None,
            previous=before[-1] if before else None,
            target=targets.get(kpi.key),
            currency=money,
        )
    return cards


@dataclass
class AreaGroup:
    area: str
    label: str
    cards: list[KpiCard]


@dataclass
class Dashboard:
    day: date | None
    period: int
    window: int
    headline: list[KpiCard] = field(default_factory=list)
    areas: list[AreaGroup] = field(default_factory=list)
    cohorts: dict | None = None
    private_groups: dict | None = None
    top_contributors: list[dict] = field(default_factory=list)
    most_helpful: list = field(default_factory=list)
    lapsing: list[dict] = field(default_factory=list)
    health: Health | None = None


@reporting_reads()
def dashboard_get(period: int, *, admin_links: bool = False) -> Dashboard:
    """The dashboard for the last `period` days (a key of PERIODS) ending with the latest
    snapshot day. A fixed number of queries, whatever the number of KPIs and days.
    `admin_links`: the health section links the members it names to their admin page."""
    window = PERIODS[period]
    day = latest_snapshot_day()
    board = Dashboard(day=day, period=period, window=window)
    if day is None:
        return board
    kpis = kpis_in_order()
    cards = _cards(kpis, day=day, period=period, window=window, money=currency())
    board.headline = [cards[key] for key in HEADLINE_KEYS if key in cards]
    labels = dict(Area.choices)
    for kpi in kpis:
        if not board.areas or board.areas[-1].area != kpi.area:
            board.areas.append(AreaGroup(kpi.area, labels.get(kpi.area, kpi.area), []))
        board.areas[-1].cards.append(cards[kpi.key])
    # Every breakdown the page draws, in one query; names in one more (metrics.health).
    details = health_rows(day, window, keys=[COHORT_KEY, PRIVATE_GROUPS_KEY, *HEALTH_KEYS])
    board.cohorts = cohort_matrix(details.get(COHORT_KEY, (None, None))[1])
    board.private_groups = detail_table(details.get(PRIVATE_GROUPS_KEY, (None, None))[1])
    board.health = health_from(details, admin_links=admin_links)
    board.top_contributors = top_contributors(day, window)
    board.most_helpful = most_helpful()
    board.lapsing = lapsing_contributors(day)
    return board


# --- Breakdowns stored in a snapshot's detail -----------------------------------------------


def cohort_matrix(detail: dict | None) -> dict | None:
    """The cohort heat map from `cohort_retention`'s detail: {"cohorts": [{"month":
    "2026-03", "members": n, "shares": [share or None, …]}, …], "months_since_joining":
    [0, 1, …]} as metrics.kpis.growth stores it, or {"cohorts": [row labels], "months":
    [column labels], "matrix": [[…], …]} (shares 0..1). Anything else is left out rather
    than drawn wrong."""
    if not isinstance(detail, dict):
        return None
    cohorts = detail.get("cohorts")
    if isinstance(cohorts, list) and cohorts and all(isinstance(c, dict) for c in cohorts):
        detail = {
            "cohorts": [f"{c.get('month')} ({c.get('members', 0)})" for c in cohorts],
            "months": detail.get("months_since_joining"),
            "matrix": [c.get("shares") for c in cohorts],
        }
    matrix = detail.get("matrix")
    rows = detail.get("cohorts")
    if not isinstance(matrix, list) or not isinstance(rows, list) or not matrix:
        return None
    if not all(isinstance(row, list) for row in matrix):
        return None
    width = max(len(row) for row in matrix)
    columns = detail.get("months")
    if not isinstance(columns, list) or len(columns) != width:
        columns = list(range(width))
    cells = [[value if isinstance(value, int | float) else None for value in row] for row in matrix]
    return {
        "rows": [str(label) for label in rows[: len(cells)]],
        "columns": [str(label) for label in columns],
        "cells": cells,
    }


def detail_table(detail: dict | None) -> dict | None:
    """A breakdown as a table: the first list of objects in the detail (e.g. {"groups":
    [{"group": "Beta Program", "members": 12, "participants": 5, …}]}), with its keys as
    columns."""
    if not isinstance(detail, dict):
        return None
    for value in detail.values():
        if isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
            columns = list(dict.fromkeys(key for row in value for key in row))
            return {
                "columns": [column.replace("_", " ").capitalize() for column in columns],
                "rows": [[row.get(column) for column in columns] for row in value],
            }
    return None


# --- Lists of people ------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=community_timezone())


def _counted_posts():
    """Posts that count as contributions: shown, in a shown topic that was not merged away,
    by a counted member (metrics.kpis.base). Private categories count: these lists name
    people and count their posts, never show what they wrote."""
    return Post.objects.filter(
        counted_member_q("author__"),
        is_hidden=False,
        topic__is_hidden=False,
        topic__merged_into__isnull=True,
    )


def _people(rows: Iterable[dict]) -> list[dict]:
    return [
        {
            "id": row["author_id"],
            "username": row["author__username"],
            "name": row["author__display_name"] or row["author__username"],
            "posts": row["posts"],
            "last_post_at": row.get("last_post_at"),
        }
        for row in rows
    ]


def top_contributors(day: date, window: int, limit: int = LIST_SIZE) -> list[dict]:
    """Members with the most posts in the window ending with `day`: one grouped query over
    the created_at index."""
    start = _day_start(day - timedelta(days=window - 1))
    end = _day_start(day + timedelta(days=1))
    rows = (
        _counted_posts()
        .filter(created_at__gte=start, created_at__lt=end)
        .values("author_id", "author__username", "author__display_name")
        .annotate(posts=Count("id"))
        .order_by("-posts", Lower("author__username"))[:limit]
    )
    return _people(rows)


def lapsing_contributors(day: date, limit: int = LIST_SIZE) -> list[dict]:
    """Members who posted in the LAPSE_LOOKBACK days before the last LAPSE_SILENCE days and
    have not posted since, most prolific first: whom to win back."""
    silent_since = _day_start(day - timedelta(days=LAPSE_SILENCE - 1))
    since = _day_start(day - timedelta(days=LAPSE_SILENCE + LAPSE_LOOKBACK - 1))
    end = _day_start(day + timedelta(days=1))
    rows = (
        _counted_posts()
        .filter(created_at__gte=since, created_at__lt=end)
        .values("author_id", "author__username", "author__display_name")
        .annotate(posts=Count("id"), last_post_at=Max("created_at"))
        .filter(last_post_at__lt=silent_since)
        .order_by("-posts", Lower("author__username"))[:limit]
    )
    return _people(rows)


def most_helpful(limit: int = LIST_SIZE) -> list:
    """The directory's "most helpful" order (reactions and accepted answers received in the
    last 90 days, as of the nightly refresh), counted members with a score only."""
    members = counted_members().filter(helpful_score__gt=0)
    return list(
        directory_sort_by_helpfulness(members, viewer=None).only(
            "username", "display_name", "helpful_score"
        )[:limit]
    )


# --- Series, exports and the API ------------------------------------------------------------


@reporting_reads()
def kpi_card(kpi: Kpi, period: int) -> KpiCard | None:
    """One KPI's card (series, value, change, target) for a KPI page; None before any
    snapshot exists."""
    day = latest_snapshot_day()
    if day is None:
        return None
    window = PERIODS[period]
    return _cards([kpi], day=day, period=period, window=window, money=currency())[kpi.key]


@reporting_reads()
def kpi_breakdown(kpi: Kpi, period: int, *, admin_links: bool = False) -> dict:
    """What a KPI page shows of its latest snapshot's detail: {"health": Health, "section":
    "support" | "moderation" | "search"} for a KPI the dashboard's health sections read,
    else {"table": …} (detail_table) or {"facts": [(name, value), …]} (the detail's plain
    numbers and words), or {} when there is nothing to show."""
    day = latest_snapshot_day()
    if day is None:
        return {}
    rows = health_rows(day, PERIODS[period], keys=[kpi.key])
    if kpi.key not in rows:
        return {}
    section = next(
        (name for name, keys in HEALTH_SECTIONS.items() if kpi.key in keys),
        None,
    )
    if section:
        return {"health": health_from(rows, admin_links=admin_links), "section": section}
    detail = rows[kpi.key][1]
    table = detail_table(detail)
    if table:
        return {"table": table}
    facts = [
        (name.replace("_", " ").capitalize(), value)
        for name, value in (detail.items() if isinstance(detail, dict) else [])
        if isinstance(value, str | int | float) and not isinstance(value, bool)
    ]
    return {"facts": facts} if facts else {}


def snapshot_series(
    *, keys: Iterable[str], first: date, last: date, window: int | None = None
) -> Iterator[KpiSnapshot]:
    """Stored snapshots of `keys` from `first` to `last` (inclusive), by key, day and window,
    read in chunks so a long export never holds every row."""
    # Read as the response streams, after this returns: the alias is fixed here.
    rows = KpiSnapshot.objects.using(reporting_db()).filter(
        key__in=list(keys), day__gte=first, day__lte=last
    )
    if window is not None:
        rows = rows.filter(window=window)
    return rows.order_by("key", "day", "window").defer("detail").iterator(chunk_size=2000)


def snapshot_table(*, first: date, last: date) -> Iterator[KpiSnapshot]:
    """Every stored snapshot in the range, registered KPI or not (a retired KPI's history
    still belongs to the export), in chunks."""
    rows = KpiSnapshot.objects.using(reporting_db()).filter(day__gte=first, day__lte=last)
    return rows.order_by("day", "key", "window").defer("detail").iterator(chunk_size=2000)


def driven_by(kpi: Kpi) -> list[Kpi]:
    """The registered KPIs that name `kpi` among their drivers."""
    return [other for other in kpis_in_order() if kpi.key in other.drivers]


def drivers_of(kpi: Kpi) -> list[Kpi | str]:
    """`kpi`'s drivers: the registered KPI, or its bare key when not registered yet."""
    return [CATALOGUE.get(key, key) for key in kpi.drivers]
