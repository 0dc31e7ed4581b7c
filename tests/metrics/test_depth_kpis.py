"""Depth KPIs on a small community built by hand: who contributes, who contributes for the
first time, who climbs the trust ladder, and how few members write half the posts. Every
expected number is worked out in the comments."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forums.services import limits
from members import roles
from members.models import TrustLevel, TrustLevelChange, User
from members.services.follows import follow_create
from members.services.trust import RULES, trust_levels_recompute
from tests.forums.factories import private_category_for
from tests.members.factories import role_group
from tests.metrics.community import (
    at,
    compute,
    erased,
    hidden,
    joined,
    moderator,
    posted,
    staff,
    visited,
)
from tests.metrics.helpers import stored_and_alone

pytestmark = pytest.mark.django_db

D = date(2026, 3, 31)  # the 30-day window is 2-31 March, the 7-day one 25-31 March
DEPTH_KPIS = (
    "contributors",
    "contributor_ratio",
    "new_contributors",
    "trust_level_growth",
    "contributor_absence_factor",
)


@pytest.fixture(autouse=True)
def _no_post_spacing(monkeypatch):
    # The 5-second spacing between one member's posts would refuse a test's second post.
    monkeypatch.setattr(limits, "POST_SPACING_LIMITS", ())


@pytest.fixture
def writers():
    """ann 3 posts in March (and one in January), eve 2 (and one in February), bob and fay
    1 each; cat's March reply and dan's March topic are hidden; carmen (staff) wrote 8 and
    gone (erased since) 1; gil wrote the evening before the window."""
    omar = moderator()
    long_ago = at(date(2025, 6, 1))
    ann, bob, cat, dan, eve, fay, gil, hal = (
        joined(name, long_ago) for name in ("ann", "bob", "cat", "dan", "eve", "fay", "gil", "hal")
    )
    posted(ann, at(date(2026, 1, 10)))
    topic = posted(ann, at(date(2026, 3, 26))).topic
    posted(ann, at(date(2026, 3, 27)), topic=topic)
    posted(ann, at(date(2026, 3, 2), 0, 0), topic=topic)  # the window's first instant
    posted(bob, at(date(2026, 3, 10)), category=private_category_for(bob))  # private counts
    hidden(posted(cat, at(date(2026, 3, 12)), topic=topic), by=omar)
    hidden(posted(dan, at(date(2026, 3, 12))), by=omar)  # its opening post: the topic hides
    posted(eve, at(date(2026, 2, 10)))
    posted(eve, at(date(2026, 3, 5)), topic=topic)
    posted(eve, at(date(2026, 3, 6)), topic=topic)
    hidden(posted(fay, at(date(2026, 2, 1))), by=omar)  # her only earlier post, hidden
    posted(fay, at(date(2026, 3, 20)), topic=topic)
    posted(gil, at(date(2026, 3, 1), 23, 59))
    carmen = staff("carmen", long_ago)
    for day in range(2, 10):
        posted(carmen, at(date(2026, 3, day)), topic=topic)
    gone = joined("gone", long_ago)
    posted(gone, at(date(2026, 3, 15)), topic=topic)
    erased(gone)
    # Visits in March: the window's active members are ann, bob, cat, eve, fay and hal.
    for member in (ann, bob, cat, eve, fay, hal):
        visited(member, date(2026, 3, 20))
    visited(carmen, date(2026, 3, 20))
    visited(gil, date(2026, 3, 1))
    return {"ann": ann, "eve": eve}


def test_contributors_are_members_with_a_visible_post_in_the_window(writers):
    assert compute("contributors", D).value == 4  # ann, bob, eve, fay
    assert compute("contributors", D, window=7).value == 1  # ann (26 and 27 March)
    assert compute("contributors", date(2026, 1, 31)).value == 1  # ann in January


def test_contributor_ratio_divides_by_the_windows_active_members(writers):
    ratio = compute("contributor_ratio", D)
    assert (ratio.numerator, ratio.denominator) == (4, 6)  # ann, bob, eve, fay of 6 visitors
    assert ratio.value == 4 / 6
    # Nobody visited in the week ending 7 January: undefined.
    assert compute("contributor_ratio", date(2026, 1, 7), window=7).value is None


def test_a_post_without_a_recorded_visit_still_makes_its_author_active(writers):
    ivy = joined("ivy", at(date(2025, 6, 1)))
    posted(ivy, at(date(2026, 3, 22)))  # imported, say: no MemberVisit row
    ratio = compute("contributor_ratio", D)
    assert (ratio.numerator, ratio.denominator) == (5, 7)  # ivy joins both sides: 5 of 7
    assert ratio.value <= 1


def test_new_contributors_wrote_their_first_visible_post_in_the_window(writers):
    # bob (first post ever) and fay (her only earlier post is hidden); ann wrote in
    # January and eve in February; cat's and dan's posts are hidden.
    assert compute("new_contributors", D).value == 2
    # 1 January - 31 March: ann, bob, eve, fay and gil (1 March) all wrote their first
    # visible post then.
    assert compute("new_contributors", D, window=90).value == 5


def test_a_nights_snapshot_stores_what_each_depth_kpi_computes_on_its_own(writers):
    # The night counts the widest window's posts per author once and cuts every window
    # from them; the numbers must be those of each KPI and window computed alone.
    stored, alone = stored_and_alone(D, DEPTH_KPIS)
    assert stored == alone
    assert stored["new_contributors", 90][0] == 5
    assert stored["contributors", 7][0] == 1


def test_the_absence_factor_is_the_fewest_members_who_wrote_half_the_posts(writers):
    # Visible posts by counted members, 2-31 March: ann 3, eve 2, bob 1, fay 1 = 7. Half is
    # 3.5: ann alone wrote 3, ann and eve 5. Carmen's 8 would make her alone the answer.
    absence = compute("contributor_absence_factor", D)
    assert absence.value == 2
    assert (absence.numerator, absence.denominator) == (5, 7)
    assert absence.detail == {"posts": 7, "contributors": 4, "posts_by_them": 5}
    # 25-31 March: ann's 2 posts are all of them.
    assert compute("contributor_absence_factor", D, window=7).value == 1
    # Nothing written in the week ending 7 January: undefined, not 0.
    assert compute("contributor_absence_factor", date(2026, 1, 7), window=7).value is None


def test_the_absence_factor_needs_every_member_when_all_write_alike():
    for name in ("ann", "bob", "cat", "dan"):
        posted(joined(name, at(date(2025, 6, 1))), at(date(2026, 3, 20)))
    # 4 posts, one each: half is 2, so 2 members.
    assert compute("contributor_absence_factor", D).value == 2


def test_trust_level_growth_counts_members_who_rose_to_member_or_above():
    UTC = ZoneInfo("UTC")
    long_ago = at(date(2025, 6, 1))
    ann, bob, cat, dan = (joined(name, long_ago) for name in ("ann", "bob", "cat", "dan"))
    carmen = staff("carmen", long_ago)
    gone = joined("gone", long_ago)
    days = [date(2026, 2, day) for day in range(1, RULES.member_days_visited + 1)]
    for climber in (ann, carmen, gone):
        visited(climber, *days)  # 15 days visited
    for a, b in ((ann, carmen), (carmen, gone), (gone, ann)):
        follow_create(follower=a, followed=b)  # support given and received
    visited(bob, *days[:2])  # Basic only
    User.objects.filter(pk=cat.pk).update(trust_level=TrustLevel.REGULAR)  # lapses to Member

    trust_levels_recompute(now=datetime(2026, 3, 10, 2, 30, tzinfo=UTC))
    erased(gone)
    # A community manager makes dan a Leader in the admin.
    manager = joined("maria", long_ago, is_staff=True, roles=[roles.COMMUNITY_MANAGERS])
    admin = Client()
    admin.force_login(manager)
    form = {
        "username": dan.username,
        "email": dan.email,
        "first_name": "",
        "last_name": "",
        "display_name": "",
        "is_active": "on",
        "trust_level": TrustLevel.LEADER,
        "groups": [role_group(roles.MEMBERS).pk],
    }
    assert admin.post(reverse("admin:members_user_change", args=[dan.pk]), form).status_code == 302
    TrustLevelChange.objects.filter(user=dan).update(changed_at=at(date(2026, 3, 28)))

    growth = compute("trust_level_growth", D)
    # ann New → Member and dan New → Leader; cat fell from Regular to Member (not a rise),
    # bob only reached Basic, carmen is staff and gone was erased.
    assert growth.value == 2
    assert growth.detail["levels"] == [
        {"level": 1, "name": "Basic", "members": 3},  # ann, bob, dan
        {"level": 2, "name": "Member", "members": 2},  # ann, dan
        {"level": 3, "name": "Regular", "members": 1},  # dan
        {"level": 4, "name": "Leader", "members": 1},  # dan
    ]
    # 25-31 March holds only dan's promotion.
    assert compute("trust_level_growth", D, window=7).value == 1


def test_each_depth_kpi_issues_the_same_queries_for_a_larger_community(writers):
    def queries() -> dict[str, int]:
        counts = {}
        for key in (*DEPTH_KPIS, "activation_rate", "stickiness", "cohort_retention"):
            with CaptureQueriesContext(connection) as captured:
                compute(key, D)
            counts[key] = len(captured)
        return counts

    before = queries()
    topic = posted(writers["ann"], at(date(2026, 3, 3))).topic
    for n in range(12):
        member = joined(f"extra{n}", at(date(2026, 3, 1)))
        posted(member, at(date(2026, 3, 4)), topic=topic)
        visited(member, date(2026, 3, 4), date(2026, 3, 5))
    assert queries() == before
