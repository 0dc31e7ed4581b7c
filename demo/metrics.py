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
from demo.groups import DEMO_MANAGER_USERNAME
from members.models import User
from metrics.models import KpiTarget
from metrics.snapshots import snapshots_recompute

# The targets Carmen set against the business's goals (KPI, goal, value, window), so the
# dashboard shows what is on track and what is not.
DEMO_TARGETS = (
    ("solved_rate", "Reduce support cost", 0.6, 30),
    ("median_first_response_hours", "Members get help fast", 12.0, 30),
    ("mau", "Grow an active customer base", 40.0, 30),
    ("reciprocity_rate", "Give to get: help flows back", 0.1, 30),
    ("estimated_deflection", "Reduce support cost", 1500.0, 30),
)

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


def demo_targets_create() -> int:
    """The demo's KPI targets, owned by the community manager (none without her)."""
    owner = User.objects.filter(username=DEMO_MANAGER_USERNAME).first()
    if owner is None:
        return 0
    targets = [
        KpiTarget(key=key, business_goal=goal, value=value, window=window, owner=owner)
        for key, goal, value, window in DEMO_TARGETS
    ]
    for target in targets:
        target.full_clean()
    KpiTarget.objects.bulk_create(targets)
    return len(targets)


def demo_metrics_backfill(*, progress: bool = True) -> DemoMetrics:
    """Store the snapshots of the demo's history up to yesterday (the last complete day)."""
    days = demo_snapshot_days(community_today() - timedelta(days=1))
    written = 0
    for day in tqdm(days, unit="day", desc="Metrics history", disable=not progress or None):
        written += snapshots_recompute(day)
    return DemoMetrics(days=len(days), snapshots=written)
