"""Snapshots: each KPI's value for each window, stored once per day.

`snapshot_day` is what the nightly job runs: it writes the rows of a day that are missing
and leaves existing rows alone, so running it twice changes nothing and a past day keeps
the numbers it was reported with (hiding a post later does not rewrite last quarter).
`snapshots_recompute` is the explicit act that rewrites a range (backfill_metrics)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from community.timezones import community_timezone, community_today
from metrics.catalogue import CATALOGUE, Kpi, Measure, Period, computing_together
from metrics.models import WINDOWS, KpiSnapshot


@dataclass(frozen=True)
class SnapshotResult:
    day: date
    written: int  # rows stored by this run
    kept: int  # rows that were already there (left as they were)


def measure(kpi: Kpi, day: date, window: int) -> Measure:
    return kpi.compute(Period(day, window, community_timezone()))


def _rows(day: date, kpis: Iterable[Kpi]) -> list[KpiSnapshot]:
    tz = community_timezone()  # once: outside a request each call reads the branding cache
    rows = []
    with computing_together():
        for kpi in kpis:
            # A stock has one value per day whatever the window: computed once, stored
            # under each window so every series reads the same way.
            stock = kpi.compute(Period(day, WINDOWS[0], tz)) if kpi.is_stock else None
            for window in WINDOWS:
                result = stock or kpi.compute(Period(day, window, tz))
                rows.append(
                    KpiSnapshot(
                        key=kpi.key,
                        day=day,
                        window=window,
                        value=result.value,
                        numerator=result.numerator,
                        denominator=result.denominator,
                        detail=result.detail,
                    )
                )
    return rows


def _selected(keys: Iterable[str] | None) -> list[Kpi]:
    if keys is None:
        return list(CATALOGUE.values())
    return [CATALOGUE[key] for key in keys]  # KeyError names an unknown key


def snapshot_day(day: date | None = None, *, keys: Iterable[str] | None = None) -> SnapshotResult:
    """Store the missing snapshots of `day` (default: yesterday, the last complete day in
    the community's time zone). Rows already there are kept unchanged."""
    day = day or community_today() - timedelta(days=1)
    kpis = _selected(keys)
    existing = set(
        KpiSnapshot.objects.filter(day=day, key__in=[k.key for k in kpis]).values_list(
            "key", "window"
        )
    )
    missing = [k for k in kpis if any((k.key, window) not in existing for window in WINDOWS)]
    rows = [row for row in _rows(day, missing) if (row.key, row.window) not in existing]
    with transaction.atomic():
        # Two runs at once: the unique constraint keeps the first row, the second is skipped.
        KpiSnapshot.objects.bulk_create(rows, ignore_conflicts=True)
    return SnapshotResult(day=day, written=len(rows), kept=len(existing))


def snapshots_recompute(day: date, *, keys: Iterable[str] | None = None) -> int:
    """Compute `day` again and replace its rows (an explicit backfill). Returns rows written."""
    rows = _rows(day, _selected(keys))
    with transaction.atomic():
        KpiSnapshot.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["key", "day", "window"],
            update_fields=["value", "numerator", "denominator", "detail", "computed_at"],
        )
    return len(rows)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
