"""Growth: how many members the community has, how many join, come back and take part."""

from __future__ import annotations

import math
from datetime import date, timedelta

from django.db.models import Count, DateField, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth

from members.models import MemberVisit
from metrics.catalogue import (
    Area,
    Direction,
    Measure,
    Period,
    Timing,
    Unit,
    by_window,
    kpi,
    ratio,
)
from metrics.kpis.base import active_members, counted_member_q, counted_members, counted_posts

# A new member is activated by a visible post within this many days (7 × 24 hours) of
# joining. docs/decisions.md says why a week.
ACTIVATION_DAYS = 7
# The source articles' benchmark: "online communities have a doubling factor of 6 months".
DOUBLING_BENCHMARK_MONTHS = 6
# The average calendar month, for turning a window's growth into a monthly rate.
DAYS_PER_MONTH = 365.25 / 12
COHORT_MONTHS = 12


@kpi(
    key="members",
    name="Members",
    definition="Members at the end of the day.",
    formula="Counted members whose account was created before the end of the day.",
    unit=Unit.COUNT,
    direction=Direction.HIGHER,
    timing=Timing.LAGGING,
    area=Area.MARKETING,
    drivers=("new_members",),
    is_stock=True,
)
def members(period: Period) -> Measure:
    return Measure(float(counted_members().filter(date_joined__lt=period.end).count()))


@kpi(
    key="new_members",
    name="New members",
    definition="Members who joined in the window.",
    formula="Counted members whose account was created in [start, end).",
    unit=Unit.COUNT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.MARKETING,
)
def new_members(period: Period) -> Measure:
    joined = counted_members().filter(date_joined__gte=period.start, date_joined__lt=period.end)
    return Measure(float(joined.count()))


@kpi(
    key="activation_rate",
    name="Activation rate",
    definition=(
        f"Share of new members who made a first contribution within {ACTIVATION_DAYS} days "
        "of joining."
    ),
    formula=(
        f"Of the counted members who joined in the window shifted back {ACTIVATION_DAYS} days "
        f"([start − {ACTIVATION_DAYS}d, end − {ACTIVATION_DAYS}d), so everyone's week is over "
        "by the end of D), the share with a visible post or reply created in [date_joined, "
        f"date_joined + {ACTIVATION_DAYS} × 24 h). Hidden posts and posts in hidden topics "
        "do not count; posts in private categories do. Staff, inactive, unapproved and "
        "erased accounts are left out of both counts."
    ),
    unit=Unit.PERCENT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.COMMUNITY,
)
def activation_rate(period: Period) -> Measure:
    cohort = Period(period.day - timedelta(days=ACTIVATION_DAYS), period.window, period.tz)
    first_week = counted_posts().filter(
        author=OuterRef("pk"),
        created_at__gte=OuterRef("date_joined"),
        created_at__lt=OuterRef("date_joined") + timedelta(days=ACTIVATION_DAYS),
    )
    counts = (
        counted_members()
        .filter(date_joined__gte=cohort.start, date_joined__lt=cohort.end)
        .aggregate(joined=Count("pk"), activated=Count("pk", filter=Exists(first_week)))
    )
    return ratio(
        counts["activated"],
        counts["joined"],
        {"cohort_first_day": cohort.first_day.isoformat(), "cohort_last_day": str(cohort.day)},
    )


@kpi(
    key="dau",
    name="Daily active members",
    definition="Members who visited on the day.",
    formula="Distinct counted members with a MemberVisit on D (a stock of the day).",
    unit=Unit.COUNT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.COMMUNITY,
    is_stock=True,
)
def dau(period: Period) -> Measure:
    return Measure(float(active_members(period.day, period.day)))


@kpi(
    key="wau",
    name="Weekly active members",
    definition="Members who visited in the 7 days ending with the day.",
    formula="Distinct counted members with a MemberVisit on a day in [D − 6, D].",
    unit=Unit.COUNT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.COMMUNITY,
    is_stock=True,
)
def wau(period: Period) -> Measure:
    return Measure(float(active_members(period.day - timedelta(days=6), period.day)))


@kpi(
    key="mau",
    name="Monthly active members",
    definition="Members who visited in the 30 days ending with the day.",
    formula="Distinct counted members with a MemberVisit on a day in [D − 29, D].",
    unit=Unit.COUNT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.COMMUNITY,
    is_stock=True,
)
def mau(period: Period) -> Measure:
    return Measure(float(active_members(period.day - timedelta(days=29), period.day)))


def _visit_days(windows: list[Period]) -> dict[int, int]:
    """Per window length, the counted members' visit rows (member-days) in the window: one
    query for all the windows."""
    widest = max(windows, key=lambda window: window.window)
    visits = MemberVisit.objects.filter(day__gte=widest.first_day, day__lte=widest.day).filter(
        counted_member_q("user__")
    )
    found = visits.aggregate(
        **{
            f"n{window.window}": Count("pk", filter=Q(day__gte=window.first_day))
            for window in windows
        }
    )
    return {window.window: found[f"n{window.window}"] for window in windows}


@kpi(
    key="stickiness",
    name="Stickiness (DAU ÷ MAU)",
    definition="How many of the month's active members come on an average day.",
    formula=(
        "Mean daily active members over the window (counted members' visit-days in the "
        "window ÷ the window's days) ÷ MAU at D. Undefined when MAU is 0."
    ),
    unit=Unit.PERCENT,
    direction=Direction.HIGHER,
    timing=Timing.LAGGING,
    area=Area.COMMUNITY,
    drivers=("activation_rate", "new_contributors", "dau"),
)
def stickiness(period: Period) -> Measure:
    visit_days = by_window(period, "visit_days", _visit_days)
    monthly = active_members(period.day - timedelta(days=29), period.day)
    mean_dau = visit_days / period.window
    return ratio(mean_dau, monthly, {"visit_days": visit_days, "mau": monthly})


@kpi(
    key="retention_30d",
    name="30-day retention",
    definition="Share of the members who joined 30 to 59 days ago who visited in the last 30.",
    formula=(
        "Cohort: counted members with date_joined in the days [D − 59, D − 30]. Retained: "
        "those of them with a MemberVisit on a day in [D − 29, D]. Retained ÷ cohort; a "
        "stock of D, the same for every window. Undefined when nobody joined then."
    ),
    unit=Unit.PERCENT,
    direction=Direction.HIGHER,
    timing=Timing.LAGGING,
    area=Area.COMMUNITY,
    drivers=("activation_rate", "new_contributors", "trust_level_growth"),
    is_stock=True,
)
def retention_30d(period: Period) -> Measure:
    cohort = Period(period.day - timedelta(days=30), 30, period.tz)
    recent = MemberVisit.objects.filter(
        user=OuterRef("pk"), day__gte=period.day - timedelta(days=29), day__lte=period.day
    )
    counts = (
        counted_members()
        .filter(date_joined__gte=cohort.start, date_joined__lt=cohort.end)
        .aggregate(joined=Count("pk"), retained=Count("pk", filter=Exists(recent)))
    )
    return ratio(counts["retained"], counts["joined"])


def _add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@kpi(
    key="cohort_retention",
    name="Cohort retention",
    definition=(
        "Of the members who joined in a month, the share who visited in each month after; "
        "the value is the latest cohort's month 1."
    ),
    formula=(
        "Cohorts: counted members by the calendar month of date_joined (community time "
        "zone), the 12 months ending with D's month. Cell (cohort m, k): members of m with a "
        "MemberVisit in month m + k (up to D) ÷ members of m. Value: the cell (m, 1) of the "
        "latest cohort whose month m + 1 ended by D. A stock of D. Undefined for an empty "
        "cohort."
    ),
    unit=Unit.PERCENT,
    direction=Direction.HIGHER,
    timing=Timing.LAGGING,
    area=Area.COMMUNITY,
    drivers=("activation_rate", "new_contributors", "trust_level_growth"),
    is_stock=True,
)
def cohort_retention(period: Period) -> Measure:
    this_month = period.day.replace(day=1)
    first_cohort = _add_months(this_month, -(COHORT_MONTHS - 1))
    since = Period(first_cohort, 1, period.tz).start
    joined_month = TruncMonth("date_joined", tzinfo=period.tz, output_field=DateField())
    sizes = dict(
        counted_members()
        .filter(date_joined__gte=since, date_joined__lt=period.end)
        .annotate(cohort=joined_month)
        .values_list("cohort")
        .annotate(n=Count("pk"))
        .values_list("cohort", "n")
    )
    visited = (
        MemberVisit.objects.filter(counted_member_q("user__"))
        .filter(user__date_joined__gte=since, user__date_joined__lt=period.end)
        .filter(day__gte=first_cohort, day__lte=period.day)
        .annotate(
            cohort=TruncMonth("user__date_joined", tzinfo=period.tz, output_field=DateField()),
            month=TruncMonth("day", output_field=DateField()),
        )
        .values_list("cohort", "month")
        .annotate(n=Count("user", distinct=True))
        .values_list("cohort", "month", "n")
    )
    cells = {(cohort, month): n for cohort, month, n in visited}

    month_over = (period.day + timedelta(days=1)).day == 1
    # The latest cohort whose first month after joining is over by the end of D.
    latest = _add_months(this_month, -1 if month_over else -2)
    rows = []
    for offset in range(COHORT_MONTHS):
        cohort = _add_months(first_cohort, offset)
        size = sizes.get(cohort, 0)
        retained = [
            cells.get((cohort, _add_months(cohort, k)), 0) for k in range(COHORT_MONTHS - offset)
        ]
        rows.append(
            {
                "month": cohort.strftime("%Y-%m"),
                "members": size,
                "retained": retained,
                "shares": [n / size if size else None for n in retained],
            }
        )
    detail = {
        "months_since_joining": list(range(COHORT_MONTHS)),
        "cohorts": rows,
        "latest_cohort": latest.strftime("%Y-%m"),
        # The last column is D's month, counted up to D: partial unless D ends the month.
        "last_month_partial": not month_over,
    }
    size = sizes.get(latest, 0)
    return ratio(cells.get((latest, _add_months(latest, 1)), 0), size, detail)


@kpi(
    key="doubling_time_months",
    name="Membership doubling time",
    definition=(
        "Months the membership would take to double at the window's growth rate "
        f"(benchmark: {DOUBLING_BENCHMARK_MONTHS} months)."
    ),
    formula=(
        "M₀ = counted members joined before the window's start, M₁ = before its end; monthly "
        "growth g = (M₁ ÷ M₀)^(30.4375 ÷ window) − 1 (a month is 365.25 ÷ 12 days); doubling "
        "time = ln 2 ÷ ln(1 + g) = window × ln 2 ÷ (30.4375 × ln(M₁ ÷ M₀)). Undefined when "
        "M₀ is 0 or the membership did not grow (M₁ ≤ M₀). Members are judged by today's "
        "flags, as for members."
    ),
    unit=Unit.MONTHS,
    direction=Direction.LOWER,
    timing=Timing.LAGGING,
    area=Area.MARKETING,
    drivers=("new_members", "activation_rate"),
)
def doubling_time_months(period: Period) -> Measure:
    before = counted_members().filter(date_joined__lt=period.start).count()
    after = counted_members().filter(date_joined__lt=period.end).count()
    detail = {
        "members_at_start": before,
        "members_at_end": after,
        "benchmark_months": DOUBLING_BENCHMARK_MONTHS,
        "benchmark": "Online communities have a doubling factor of 6 months.",
        "monthly_growth_rate": None,
        "against_benchmark": None,
    }
    if not before or after <= before:
        # Slower than any benchmark, but "never" has no number of months.
        detail["against_benchmark"] = "not growing" if before else None
        return Measure(None, after, before, detail)
    growth = math.log(after / before)
    months = period.window * math.log(2) / (DAYS_PER_MONTH * growth)
    detail["monthly_growth_rate"] = math.exp(growth * DAYS_PER_MONTH / period.window) - 1
    detail["against_benchmark"] = (
        "faster"
        if months < DOUBLING_BENCHMARK_MONTHS
        else "slower"
        if months > DOUBLING_BENCHMARK_MONTHS
        else "on par"
    )
    return Measure(months, after, before, detail)
