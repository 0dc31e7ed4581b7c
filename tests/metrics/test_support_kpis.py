"""The support-health KPIs on a small community worked out by hand: first responses, solved
and resolution rates, unanswered questions, views of solved topics counted per day by the
views flush, and the deflection estimate with its assumed or measured rate."""

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import SiteBranding
from community.services import branding_update
from community.timezones import community_today
from forums.models import TopicViewDay
from forums.services.answers import answer_accept
from forums.services.moderation import post_hide, topic_lock_set
from forums.services.reading import topic_views_record, views_and_reads_flush
from members.models import TrustLevel
from members.roles import COMMUNITY_MANAGERS, MODERATORS
from members.services.data import member_erase
from metrics.feedback import answer_record, member_voter
from metrics.models import MetricsSettings
from tests.forums.factories import CategoryFactory
from tests.library.factories import ResourceFactory
from tests.members.factories import UserFactory
from tests.metrics.builders import at, opening, reply, topic, utc_community, value
from tests.metrics.helpers import stored_and_alone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("utc_community")]
__all__ = ["utc_community"]

# The 7-day window ending 10 March 2026: 4 March 00:00 to 11 March 00:00, UTC.
DAY = date(2026, 3, 10)


@pytest.fixture
def people():
    return {
        "ann": UserFactory(username="ann", trust_level=TrustLevel.BASIC),
        "bob": UserFactory(username="bob", trust_level=TrustLevel.MEMBER),
        "cat": UserFactory(username="cat", trust_level=TrustLevel.REGULAR),
        "erin": UserFactory(username="erin", trust_level=TrustLevel.MEMBER),
        "carmen": UserFactory(username="carmen", roles=[COMMUNITY_MANAGERS]),
        "omar": UserFactory(username="omar", roles=[MODERATORS]),
    }


@pytest.fixture
def community(people):
    ann, bob, cat, erin, carmen, omar = (
        people[name] for name in ("ann", "bob", "cat", "erin", "carmen", "omar")
    )
    general = CategoryFactory()
    qa = CategoryFactory(qa=True)

    # Q1: answered by bob after 30 minutes (ann's own bump before does not count); solved.
    q1 = topic(qa, ann, at(4, 10))
    reply(q1, ann, at(4, 10.1))
    answer = reply(q1, bob, at(4, 10.5))
    answer_accept(post=answer, actor=ann)
    # Q2: staff first after 2 hours, then cat; in progress.
    q2 = topic(qa, bob, at(5, 10))
    reply(q2, carmen, at(5, 12))
    reply(q2, cat, at(5, 13))
    # Q3 (not Q&A): ann's reply after 30 minutes is hidden; erin answers after 6 hours.
    q3 = topic(general, cat, at(6, 8))
    hidden = reply(q3, ann, at(6, 8.5))
    reply(q3, erin, at(6, 14))
    # Q4: erin's question (she is erased below: it still counts), answered after 34 hours
    # and marked solved by a moderator.
    q4 = topic(qa, erin, at(7, 9))
    late = reply(q4, bob, at(8, 19))
    answer_accept(post=late, actor=omar)
    # Q5: no reply, closed (locked) by a moderator. Q6: no reply, still open.
    q5 = topic(qa, ann, at(8, 10))
    topic_lock_set(topic=q5, actor=omar, locked=True, reason="Duplicate")
    q6 = topic(qa, bob, at(9, 10))
    # Not questions of the window: staff's own topic, a hidden topic, older topics.
    topic(qa, carmen, at(5, 9), title="Release notes")
    h1 = topic(general, ann, at(6, 9))
    reply(h1, bob, at(6, 9.1))
    o1 = topic(general, ann, at(2, 10))
    reply(o1, bob, at(2, 11))
    topic(general, ann, at(1, 10, month=2))  # 1 February: older than 30 days, no reply
    q8 = topic(general, cat, at(20, 10, month=2))  # 20 February: answered on 12 March
    reply(q8, ann, at(12, 10))

    post_hide(post=hidden, actor=omar, reason="Wrong answer")
    post_hide(post=opening(h1), actor=omar, reason="Spam")
    member_erase(member=erin, actor=erin)
    for question in (q1, q2, q4, q6):
        question.refresh_from_db()  # accepted answers set since
    return {"q1": q1, "q2": q2, "q4": q4, "q6": q6}


def test_first_responses_spread_over_the_buckets(community):
    # Questions: Q1 0.5 h, Q2 2 h, Q3 6 h (not 0.5 h: that reply is hidden), Q4 34 h, Q5
    # and Q6 none. Staff's topic, the hidden one and older ones are not in the window's 6.
    measured = value("first_reply_distribution", DAY)
    assert measured.detail["buckets"] == {
        "under_1h": 1,
        "1_to_4h": 1,
        "4_to_24h": 1,
        "over_24h": 1,
        "none": 2,
    }
    assert measured.value == 1 / 6


def test_answered_within_24_hours(community):
    # Q1, Q2, Q3 of 6 (none of them asked in the last 24 hours: nothing pending).
    measured = value("answered_24h_share", DAY)
    assert (measured.numerator, measured.denominator) == (3, 6)


def test_median_first_response_leaves_out_questions_without_one(community):
    # Median of 0.5, 2, 6 and 34 hours: (2 + 6) / 2 = 4. Q5 and Q6 are reported apart.
    measured = value("median_first_response_hours", DAY)
    assert measured.value == 4.0
    assert measured.detail == {"responded": 4, "without_response": 2}


def test_staff_involvement_is_first_responses_by_staff(community):
    # Q2's first response is carmen's: 1 of the 4 answered questions.
    assert value("staff_involvement", DAY).value == 1 / 4


def test_solved_rate_counts_q_and_a_questions(community):
    # Q&A questions: Q1, Q2, Q4, Q5, Q6 (Q3 is not Q&A; staff's topic is no question).
    # Solved: Q1, Q4.
    measured = value("solved_rate", DAY)
    assert (measured.numerator, measured.denominator) == (2, 5)


def test_resolution_rate_leaves_closed_questions_out_and_names_the_band(community):
    # Solved Q1, Q4; in progress Q2; unanswered Q6; Q5 was closed: 2 / (2 + 1 + 1).
    measured = value("resolution_rate", DAY)
    assert measured.value == 2 / 4
    assert measured.detail == {
        "solved": 2,
        "in_progress": 1,
        "unanswered": 1,
        "closed": 1,
        "band": "fair",
    }


def test_resolution_bands():
    from metrics.kpis.support import resolution_band

    assert resolution_band(0.6) == "healthy"
    assert resolution_band(0.59) == "fair"
    assert resolution_band(0.4) == "fair"
    assert resolution_band(0.39) == "struggling"
    assert resolution_band(None) is None


def test_unanswered_questions_at_the_end_of_a_day(community):
    # On 10 March (30 days from 9 February): Q6, and Q8 whose reply came on 12 March. Not
    # Q5 (locked), the hidden topic, staff's topic, nor the 1 February question (too old).
    assert value("unanswered_topics", DAY).value == 2
    # On 12 March Q8 has its answer.
    assert value("unanswered_topics", date(2026, 3, 12)).value == 1
    # A stock: the window does not matter.
    assert value("unanswered_topics", DAY, window=90).value == 2


def test_questions_still_inside_their_first_day_are_pending(people):
    bob, cat = people["bob"], people["cat"]
    qa = CategoryFactory(qa=True)
    now = timezone.now()
    waiting = topic(qa, bob, now - timedelta(hours=2))
    answered = topic(qa, bob, now - timedelta(hours=2))
    reply(answered, cat, now - timedelta(hours=1, minutes=30))
    measured = value("answered_24h_share", community_today())
    # The waiting question may still be answered in time: 1 / 1, not 1 / 2.
    assert (measured.numerator, measured.denominator) == (1, 1)
    assert measured.detail == {"asked": 2, "pending": 1}
    reply(waiting, cat, now)
    assert value("answered_24h_share", community_today()).value == 1.0


def _views(topic_, views: int, when):
    topic_views_record(topic_id=topic_.pk, views=views, now=when)
    views_and_reads_flush(now=when + timedelta(minutes=5))


def test_the_views_flush_counts_views_per_community_day(
    community, django_capture_on_commit_callbacks
):
    q1 = community["q1"]
    _views(q1, 3, at(5, 10))
    _views(q1, 4, at(5, 15))  # the same day: added to the row
    assert TopicViewDay.objects.get(topic=q1).views == 7
    with django_capture_on_commit_callbacks(execute=True):
        branding_update(branding=SiteBranding.objects.get(pk=1), time_zone="Europe/Berlin")
    _views(q1, 2, at(5, 23.5))  # 00:30 on 6 March in Berlin
    days = dict(TopicViewDay.objects.filter(topic=q1).values_list("day", "views"))
    assert days == {date(2026, 3, 5): 7, date(2026, 3, 6): 2}
    q1.refresh_from_db()
    assert q1.view_count == 9  # the running total moves as before


def test_solved_topic_views_sum_the_window_days_of_solved_topics(community):
    q1, q2, q4 = community["q1"], community["q2"], community["q4"]
    _views(q1, 10, at(5, 10))
    _views(q1, 5, at(9, 10))
    _views(q4, 3, at(9, 11))
    _views(q2, 7, at(9, 12))  # not solved
    _views(q1, 4, at(2, 10))  # before the window
    # Q1: 10 + 5, Q4: 3.
    measured = value("solved_topic_views", DAY)
    assert measured.value == 18
    assert measured.detail == {"topics": 2}


def test_estimated_deflection_uses_the_assumed_rate_until_enough_answers(community, people):
    q1, q4 = community["q1"], community["q4"]
    _views(q1, 15, at(5, 10))
    _views(q4, 3, at(9, 11))
    MetricsSettings.objects.filter(pk=1).update(deflection_rate=0.1, cost_per_case=Decimal(25))
    # 18 views × 0.1 × 25 = 45, with fewer than 30 answers.
    measured = value("estimated_deflection", DAY)
    assert measured.value == pytest.approx(45.0)
    assert measured.detail["rate_source"] == "assumed"
    assert measured.detail["currency"] == "USD"

    for n in range(30):  # 24 yes, 6 no, all on 9 March
        answer_record(
            answered=n < 24,
            voter=f"v:reader{n}",
            topic=q1,
            limit_key=f"ip:{n}",
            now=at(9, 12),
        )
    # Staff's answer is left out (it would make 24 / 31).
    answer_record(
        answered=False,
        voter=member_voter(people["carmen"].pk),
        member=people["carmen"],
        topic=q1,
        limit_key="carmen",
        now=at(9, 12),
    )
    # 18 views × 24/30 × 25 = 360.
    measured = value("estimated_deflection", DAY)
    assert measured.value == pytest.approx(360.0)
    assert measured.detail["rate_source"] == "measured"
    assert measured.detail["deflection_rate"] == 24 / 30
    assert measured.detail["topic_answers"] == 30


def test_community_success_rate_counts_the_latest_answers_of_the_window(community, people):
    q1 = community["q1"]
    guide = ResourceFactory()
    ann, bob, carmen = people["ann"], people["bob"], people["carmen"]

    def answer(who, yes, when, **item):
        answer_record(
            answered=yes,
            voter=member_voter(who.pk),
            member=who,
            limit_key=str(who.pk),
            now=when,
            **item,
        )

    answer(ann, False, at(5, 10), topic=q1)
    answer(ann, True, at(6, 10), topic=q1)  # she changed her mind: the latest counts
    answer(bob, False, at(6, 11), topic=q1)
    answer(bob, True, at(7, 10), resource=guide)
    answer(carmen, False, at(7, 10), resource=guide)  # staff: left out
    answer_record(answered=True, voter="v:someone", topic=q1, limit_key="ip", now=at(7, 12))
    answer_record(answered=False, voter="v:later", topic=q1, limit_key="ip", now=at(12, 9))
    # In the window: ann yes, bob no, the visitor yes on Q1; bob yes on the guide: 3 / 4.
    measured = value("community_success_rate", DAY)
    assert (measured.numerator, measured.denominator) == (3, 4)
    assert measured.detail == {
        "topics": {"yes": 2, "no": 1},
        "resources": {"yes": 1, "no": 0},
    }


def test_managers_edit_the_deflection_settings_in_the_admin(client):
    manager = UserFactory(roles=[COMMUNITY_MANAGERS])
    client.force_login(manager)
    response = client.get(reverse("admin:metrics_metricssettings_changelist"))
    change_url = reverse("admin:metrics_metricssettings_change", args=[1])
    assert response.status_code == 302 and response["Location"] == change_url
    assert client.get(reverse("admin:metrics_metricssettings_add")).status_code == 403

    form = {"deflection_rate": "1.5", "cost_per_case": "40", "currency": "EUR"}
    response = client.post(change_url, form)
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 1.0." in response.content.decode()
    assert MetricsSettings.current().deflection_rate == 0.1  # nothing stored

    response = client.post(change_url, {**form, "deflection_rate": "0.25"})
    assert response.status_code == 302
    stored = MetricsSettings.current()
    assert (stored.deflection_rate, stored.cost_per_case, stored.currency) == (
        0.25,
        Decimal(40),
        "EUR",
    )


def test_a_community_in_another_time_zone_counts_its_own_days(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        branding_update(branding=SiteBranding.objects.get(pk=1), time_zone="America/New_York")
    qa = CategoryFactory(qa=True)
    # 03:00 UTC on 11 March is 23:00 on 10 March in New York: a question of 10 March there.
    late = topic(qa, people["bob"], at(11, 3))
    reply(late, people["cat"], at(11, 3.5))
    assert value("first_reply_distribution", DAY).detail["buckets"]["under_1h"] == 1
    assert late.created_at.astimezone(ZoneInfo("America/New_York")).date() == DAY


SUPPORT_KEYS = (
    "answered_24h_share",
    "median_first_response_hours",
    "first_reply_distribution",
    "staff_involvement",
    "solved_rate",
    "resolution_rate",
    "unanswered_topics",
)


def test_a_nights_snapshot_stores_what_each_kpi_computes_on_its_own(community):
    # The night reads the day's questions once and cuts each window from them.
    stored, alone = stored_and_alone(DAY, SUPPORT_KEYS)
    assert stored == alone
    # The 90-day window reaches back to the February questions: more asked than in 7 days.
    assert stored["first_reply_distribution", 90][2] > stored["first_reply_distribution", 7][2]
