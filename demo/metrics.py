"""The demo's KPI history, so the dashboard has something to show on first run.

The forum history covers 18 months. Snapshots are computed daily for the last 90 days (the
dashboard's 30- and 90-day views read every day) and weekly before that (the 365-day view and
the cohort heat map read one value a week well enough): computing every day of 18 months took
too long for `make run` (docs/dashboard.md has the numbers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tqdm import tqdm

from community.timezones import community_today
from metrics.snapshots import snapshots_recompute

HISTORY_DAYS = 548  # the forum history's 18 months
DAILY_DAYS = 90
WEEKLY_STEP = 7


@dataclass(frozen=True)
class DemoMetrics:
    days: int
    snapshots: int


def demo_snapshot_days(last: date) -> list[date]:
    """The days to snapshot, oldest first: weekly (every seventh day counted back from `last`)
    until the last DAILY_DAYS, then daily up to `last`."""
    daily_from = last - timedelta(days=DAILY_DAYS - 1)
    weekly = [
        last - timedelta(days=n)
        for n in range(HISTORY_DAYS - 1, DAILY_DAYS - 1, -1)
        if n % WEEKLY_STEP == 0
    ]
    daily = [daily_from + timedelta(days=n) for n in range(DAILY_DAYS)]
    return [*weekly, *daily]


def demo_metrics_backfill(*, progress: bool = True) -> DemoMetrics:
    """Store the snapshots of the demo's history up to yesterday (the last complete day)."""
    days = demo_snapshot_days(community_today() - timedelta(days=1))
    written = 0
    for day in tqdm(days, unit="day", desc="Metrics history", disable=not progress or None):
        written += snapshots_recompute(day)
    return DemoMetrics(days=len(days), snapshots=written)
