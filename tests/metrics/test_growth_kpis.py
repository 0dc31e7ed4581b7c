"""Growth KPIs on a small community built by hand: who visits (DAU, WAU, MAU, stickiness),
who is activated by a first post, who comes back (30-day and monthly cohort retention) and
how fast the membership doubles. Every expected number is worked out in the comments."""

import math
from datetime import date, timedelta

import pytest

from forums.services import limits
from members.models import MemberVisit
from metrics.models import KpiSnapshot
from metrics.snapshots import snapshot_day
from tests.forums.factories import private_category_for
from tests.metrics.community import (
    at,
    compute,
    erased,
    hidden,
    joined,
    moderator,
    posted,
    set_time_zone,
    staff,
    visited,
)
from tests.metrics.helpers import stored_and_alone

pytestmark = pytest.mark.django_db

D = date(2026, 3, 31)


def days_before(n: int) -> date:
    return D - timedelta(days=n)


@pytest.fixture(autouse=True)
def _no_post_spacing(monkeypatch):
    # The 5-second spacing between one member's posts would refuse a test's second post.
    monkeypatch.setattr(limits, "POST_SPACING_LIMITS", ())


# --- Active members -----------------------------------------------------------------------


@pytest.fixture
def visitors():
    long_ago = at(date(2025, 1, 1))
    ann, bob, cat, dan, eve = (
        joined(name, long_ago) for name in ("ann", "bob", "cat", "dan", "eve")
    )
    visited(ann, D, days_before(1), days_before(6))  # 31, 30 and 25 March
    visited(bob, D, days_before(11))  # 31 and 20 March
    visited(eve, days_before(5))  # 26 March
    visited(cat, days_before(29))  # 2 March: the first day of the 30 ending D
    visited(dan, days_before(30))  # 1 March: one day too early for MAU
    visited(staff("carmen", long_ago), D)
    gone = joined("gone", long_ago)
    visited(gone, D)
    erased(gone)


def test_dau_wau_and_mau_count_distinct_members_on_the_days_ending_d(visitors):
    assert compute("dau", D).value == 2  # ann, bob (carmen is staff, gone was erased)
    assert compute("wau", D).value == 3  # ann, bob, eve (25-31 March)
    assert compute("mau", D).value == 4  # ann, bob, eve, cat (2-31 March; dan is 1 March)
    # Stocks of the day: the window does not change them.
    assert compute("mau", D, window=7).value == compute("mau", D, window=90).value == 4


def test_stickiness_is_the_windows_mean_daily_active_members_over_mau(visitors):
    # 25-31 March: visit-days ann 3 + bob 1 + eve 1 = 5; mean DAU 5/7; MAU 4.
    assert compute("stickiness", D, window=7).value == pytest.approx((5 / 7) / 4)
    # 2-31 March: ann 3 + bob 2 + eve 1 + cat 1 = 7 visit-days; mean 7/30; MAU 4.
    month = compute("stickiness", D, window=30)
    assert month.value == pytest.approx((7 / 30) / 4)
    assert month.detail == {"visit_days": 7, "mau": 4}
    # Nobody visited in the month ending 1 January: undefined, not 0.
    assert compute("stickiness", date(2026, 1, 1), window=7).value is None


def test_a_nights_snapshot_stores_what_each_visit_kpi_computes_on_its_own(visitors):
    # The night counts each span of visitors once (MAU, stickiness and the contributor
    # ratio's 30-day window share one).
    stored, alone = stored_and_alone(D, ("dau", "wau", "mau", "stickiness", "contributor_ratio"))
    assert stored == alone


def test_visits_fall_on_the_community_day(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        set_time_zone("Pacific/Auckland")
    ann = joined("ann", at(date(2025, 1, 1)))
    visited(ann, D)
    # The visit is recorded on the community's day, whatever the server's zone says.
    assert MemberVisit.objects.get(user=ann).day == D
    assert compute("dau", D).value == 1
    assert compute("dau", days_before(1)).value == 0


# --- Activation ---------------------------------------------------------------------------


def test_activation_counts_new_members_with_a_visible_post_in_their_first_week():
    omar = moderator()
    # The 7-day window ending 31 March looks at who joined 18-24 March: each of them has
    # had a full week by the end of D.
    ann = joined("ann", at(date(2026, 3, 18), 0, 0))
    first = posted(ann, at(date(2026, 3, 24), 23, 0))  # 6 days 23 hours after joining
    bob = joined("bob", at(date(2026, 3, 20), 10, 0))
    posted(bob, at(date(2026, 3, 26), 10, 0), category=private_category_for(bob))  # counts
    cat = joined("cat", at(date(2026, 3, 22), 9, 0))
    reply = posted(cat, at(date(2026, 3, 25), 8, 0), topic=first.topic)
    hidden(reply, by=omar)  # a hidden reply is not a contribution
    posted(cat, at(date(2026, 3, 29), 9, 0))  # exactly 7 × 24 hours after joining: too late
    joined("dan", at(date(2026, 3, 24), 23, 59))  # never posts
    eve = joined("eve", at(date(2026, 3, 25), 0, 0))  # joined too recently for this window
    posted(eve, at(date(2026, 3, 25), 1, 0))
    fay = joined("fay", at(date(2026, 3, 17), 23, 59))  # joined before the cohort
    posted(fay, at(date(2026, 3, 18), 0, 0))
    carmen = staff("carmen", at(date(2026, 3, 20)))
    posted(carmen, at(date(2026, 3, 21)))
    gone = joined("gone", at(date(2026, 3, 21)))
    posted(gone, at(date(2026, 3, 21), 13))
    erased(gone)

    rate = compute("activation_rate", D, window=7)
    assert (rate.numerator, rate.denominator) == (2, 4)  # ann, bob of ann, bob, cat, dan
    assert rate.value == 2 / 4
    assert rate.detail == {"cohort_first_day": "2026-03-18", "cohort_last_day": "2026-03-24"}
    # Nobody joined in the week of 1-7 January: undefined.
    assert compute("activation_rate", date(2026, 1, 14), window=7).value is None


# --- Retention ----------------------------------------------------------------------------


def test_retention_30d_follows_the_members_who_joined_30_to_59_days_before():
    # Cohort: joined 31 January - 1 March; came back: a visit 2-31 March.
    ann = joined("ann", at(date(2026, 1, 31), 0, 0))
    visited(ann, date(2026, 3, 2))
    bob = joined("bob", at(date(2026, 3, 1), 23, 59))
    visited(bob, date(2026, 3, 1))  # not after the cohort's month
    cat = joined("cat", at(date(2026, 2, 15)))
    visited(cat, D)
    dan = joined("dan", at(date(2026, 1, 30), 23, 59))  # joined a day too early
    visited(dan, date(2026, 3, 10))
    eve = joined("eve", at(date(2026, 3, 2)))  # too recent
    visited(eve, D)
    visited(staff("carmen", at(date(2026, 2, 10))), D)
    gone = joined("gone", at(date(2026, 2, 10)))
    visited(gone, D)
    erased(gone)

    retention = compute("retention_30d", D)
    assert (retention.numerator, retention.denominator) == (2, 3)  # ann, cat of ann, bob, cat
    assert retention.value == 2 / 3
    assert compute("retention_30d", D, window=7).value == 2 / 3  # a stock of D
    assert compute("retention_30d", date(2025, 6, 1)).value is None  # nobody joined then


@pytest.mark.parametrize(
    "zone, february, retained, march_members",
    [
        # dan joined 28 February 23:30 UTC: a February member in UTC, whose 1 March visit
        # is his month 1. February: cat, dan, hal; in March cat and dan came back.
        ("UTC", 3, [1, 2], 1),
        # In Berlin that is 1 March 00:30: a March member, and February is cat and hal.
        ("Europe/Berlin", 2, [1, 1], 2),
    ],
)
def test_cohort_retention_is_a_month_by_month_matrix_of_who_came_back(
    zone, february, retained, march_members, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        set_time_zone(zone)
    ann = joined("ann", at(date(2026, 1, 5)))
    visited(ann, date(2026, 1, 5), date(2026, 2, 14), date(2026, 3, 31))
    bob = joined("bob", at(date(2026, 1, 20)))
    visited(bob, date(2026, 1, 20))
    cat = joined("cat", at(date(2026, 2, 3)))
    visited(cat, date(2026, 2, 3), date(2026, 3, 15))
    dan = joined("dan", at(date(2026, 2, 28), 23, 30))
    visited(dan, date(2026, 3, 1))
    joined("hal", at(date(2026, 2, 12)))  # never came back
    fay = joined("fay", at(date(2026, 3, 2)))
    visited(fay, date(2026, 3, 2))
    carmen = staff("carmen", at(date(2026, 1, 10)))
    visited(carmen, date(2026, 2, 1), date(2026, 3, 1))
    gone = joined("gone", at(date(2026, 2, 10)))
    visited(gone, date(2026, 3, 5))
    erased(gone)

    end_of_march = compute("cohort_retention", D)
    # March is over on 31 March: the latest cohort with a full month 1 is February's, and
    # its month 1 is March.
    rows = {row["month"]: row for row in end_of_march.detail["cohorts"]}
    assert end_of_march.detail["latest_cohort"] == "2026-02"
    assert rows["2026-02"]["members"] == end_of_march.denominator == february
    assert rows["2026-02"]["retained"] == retained  # [February, March]
    assert end_of_march.value == retained[1] / february  # UTC 2/3, Berlin 1/2
    assert rows["2026-03"]["members"] == march_members
    # January: ann and bob (carmen is staff): both in January, ann in February and March.
    assert rows["2026-01"] == {
        "month": "2026-01",
        "members": 2,
        "retained": [2, 1, 1],
        "shares": [1.0, 0.5, 0.5],
    }
    # Twelve cohorts from April 2025; the empty ones have no shares to show.
    assert end_of_march.detail["cohorts"][0]["month"] == "2025-04"
    assert len(rows) == 12
    assert rows["2025-04"]["shares"] == [None] * 12
    assert end_of_march.detail["last_month_partial"] is False
    assert compute("cohort_retention", D, window=7).value == end_of_march.value  # a stock

    # On 15 March, March is not over: the latest full month 1 is January's (February).
    mid_march = compute("cohort_retention", date(2026, 3, 15))
    assert mid_march.detail["latest_cohort"] == "2026-01"
    assert mid_march.value == 1 / 2  # ann came back in February; bob did not
    assert mid_march.detail["last_month_partial"] is True


# --- Doubling time ------------------------------------------------------------------------


def test_doubling_time_turns_the_windows_growth_into_months_against_the_benchmark():
    for name in ("ann", "bob"):
        joined(name, at(date(2025, 12, 1)))
    for name, day in (("cat", 5), ("dan", 10)):
        joined(name, at(date(2026, 2, day)))
    for name, day in (("eve", 2), ("fay", 10), ("gil", 20), ("hal", 26)):
        joined(name, at(date(2026, 3, day)))
    staff("carmen", at(date(2026, 3, 3)))
    erased(joined("gone", at(date(2026, 3, 4))))

    # 30 days (2-31 March): 4 members before, 8 at the end: doubled in 30 days, so
    # 30 × ln 2 ÷ (30.4375 × ln 2) = 30 ÷ 30.4375 months (a month is 365.25 ÷ 12 days).
    month = compute("doubling_time_months", D, window=30)
    assert month.value == pytest.approx(30 / 30.4375)
    assert (month.numerator, month.denominator) == (8, 4)
    assert month.detail["monthly_growth_rate"] == pytest.approx(2 ** (30.4375 / 30) - 1)
    assert month.detail["benchmark_months"] == 6
    assert month.detail["against_benchmark"] == "faster"
    # 90 days (1 January - 31 March): 2 before, 8 after: two doublings in 90 days.
    quarter = compute("doubling_time_months", D, window=90)
    assert quarter.value == pytest.approx(45 / 30.4375)
    # 7 days (25-31 March): only hal joined: 7 → 8.
    week = compute("doubling_time_months", D, window=7)
    assert week.value == pytest.approx(7 * math.log(2) / (30.4375 * math.log(8 / 7)))
    assert week.value < 6 and week.detail["against_benchmark"] == "faster"

    # 21-27 February: nobody joined: never doubles, shown as undefined.
    still = compute("doubling_time_months", date(2026, 2, 27), window=7)
    assert still.value is None and still.detail["against_benchmark"] == "not growing"
    # Before anyone joined there is nothing to double.
    assert compute("doubling_time_months", date(2025, 11, 1)).detail["against_benchmark"] is None


def test_a_slowly_growing_community_is_slower_than_the_benchmark():
    for n in range(9):
        joined(f"m{n}", at(date(2025, 6, 1)))
    joined("new", at(date(2026, 3, 15)))
    # 9 → 10 in 30 days: 30 × ln 2 ÷ (30.4375 × ln(10/9)) ≈ 6.5 months.
    month = compute("doubling_time_months", D, window=30)
    assert month.value == pytest.approx(30 * math.log(2) / (30.4375 * math.log(10 / 9)))
    assert month.detail["against_benchmark"] == "slower"


def test_the_nightly_snapshot_stores_the_growth_kpis_with_their_breakdowns(visitors):
    snapshot_day(D)
    stored = {s.key: s for s in KpiSnapshot.objects.filter(day=D, window=30)}
    assert stored["mau"].value == 4
    assert stored["stickiness"].value == pytest.approx((7 / 30) / 4)
    assert len(stored["cohort_retention"].detail["cohorts"]) == 12
    assert stored["doubling_time_months"].detail["benchmark_months"] == 6
