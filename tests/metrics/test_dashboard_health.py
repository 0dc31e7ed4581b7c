"""Support, moderation and search health on the dashboard and the KPI pages: the breakdowns
the KPIs keep in their snapshot details, as an executive and a community manager read them.
The main community is built through the services people use and snapshotted by the nightly
job's own function, so the page is proven to read what the KPIs write."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from community.timezones import community_today
from forums.models import Topic
from forums.services import limits
from forums.services.answers import answer_accept
from forums.services.flags import flag_create
from forums.services.moderation import post_hide
from forums.services.posts import post_create
from forums.services.search import search_query_record, search_token_new
from forums.services.topics import topic_create
from members.models import TrustLevel, User
from members.roles import COMMUNITY_MANAGERS, EXECUTIVES, MODERATORS
from metrics.health import HEALTH_KEYS
from metrics.snapshots import snapshot_day
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory
from tests.metrics.helpers import DAY, parse, snap
from tests.search_log import search_log_flush

pytestmark = pytest.mark.django_db

DASHBOARD = "/dashboard/"
HOSTILE = "<script>alert('x')</script> pump"


@pytest.fixture(autouse=True)
def _no_post_spacing(monkeypatch):
    monkeypatch.setattr(limits, "POST_SPACING_LIMITS", ())


def words(node) -> str:
    return " ".join(node.text_content().split())


def rows_of(page, selector: str) -> list[list[str]]:
    return [
        [words(cell) for cell in tr.descendants() if cell.tag in ("th", "td")]
        for tr in page.cssselect(f"{selector} tbody tr")
    ]


@pytest.fixture
def community():
    """Three Q&A questions (one solved, one answered by staff after two hours, one waiting),
    a member whose two posts a moderator hid after flags, and a few searches, one of them
    hostile markup."""
    ann = UserFactory(username="ann", display_name="Ann Asker")
    bob = UserFactory(username="bob", display_name="Bob Helper", trust_level=TrustLevel.MEMBER)
    dan = UserFactory(username="dan", trust_level=TrustLevel.MEMBER)
    olly = UserFactory(username="olly", display_name="Olly Offender")
    carmen = UserFactory(username="carmen", display_name="Carmen", roles=[COMMUNITY_MANAGERS])
    omar = UserFactory(username="omar", display_name="Omar Moderator", roles=[MODERATORS])
    qa = CategoryFactory(name="Help", slug="help", is_qa=True)
    lounge = CategoryFactory(name="Lounge", slug="lounge")

    solved = topic_create(category=qa, author=ann, title="Pump noise", body="It hums.")
    answer = post_create(topic=solved, author=bob, body="Bleed the valve.")
    answer_accept(post=answer, actor=ann)
    by_staff = topic_create(category=qa, author=ann, title="Warranty length", body="How long?")
    post_create(topic=by_staff, author=carmen, body="Two years.")
    # Asked two hours before the team's reply: the 1–4 h bucket.
    Topic.objects.filter(pk=by_staff.pk).update(created_at=by_staff.created_at - timedelta(hours=2))
    topic_create(category=qa, author=ann, title="Filter size", body="Which one?")

    chat = topic_create(category=lounge, author=carmen, title="Say hello", body="Hi all.")
    for n, reason in enumerate(("spam", "abusive")):
        post = post_create(topic=chat, author=olly, body=f"Cheap pumps here {n}")
        flag_create(post=post, flagger=dan, reason=reason)
        post_hide(post=post, actor=omar, reason="Spam")

    for text, results in ((HOSTILE, 3), (HOSTILE, 3), ("warranty", 2), ("gasket", 0)):
        search_query_record(
            user=ann, text=text, filters={}, result_count=results, token=search_token_new()
        )
    search_log_flush()

    snapshot_day(community_today(), keys=HEALTH_KEYS)
    return {"olly": olly, "carmen": carmen, "omar": omar}


@pytest.fixture
def executive():
    return UserFactory(username="evan", roles=[EXECUTIVES])


def test_an_executive_reads_support_moderation_and_search_health(client, executive, community):
    client.force_login(executive)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    page = parse(response.content)

    # 1 solved of 3 in play: 33.3 %, under 40 %.
    resolution = words(page.cssselect("#support-resolution")[0])
    assert resolution.startswith("33.3 % Struggling")
    assert page.cssselect("#support-resolution .health-band--struggling")
    staff = words(page.cssselect("#support-staff")[0])
    assert staff.startswith("50.0 %") and "members help each other" in staff
    assert rows_of(page, "#support-first-reply") == [
        ["Under 1 h", "1", "33.3 %"],
        ["1–4 h", "1", "33.3 %"],
        ["4–24 h", "0", "0.0 %"],
        ["Over 24 h", "0", "0.0 %"],
        ["No response yet", "1", "33.3 %"],
    ]
    assert page.cssselect("#support-first-reply svg.chart--bar[role=img]")
    answerers = {row[0]: row[1:] for row in rows_of(page, "#support-answerers")}
    assert answerers["Staff"] == ["1", "50.0 %"]
    assert answerers["Member (trust level 2)"] == ["1", "50.0 %"]
    assert words(page.cssselect("#support-median")[0]).startswith(
        "1.0 h over 2 answered questions; 1 still without a response"  # median of 0 h and 2 h
    )

    reasons = {row[0]: row[1] for row in rows_of(page, "#moderation-flag-reasons")}
    assert reasons["Spam"] == "1" and reasons["Abusive or harassing"] == "1"
    assert rows_of(page, "#moderation-flag-categories") == [["Lounge", "2"]]
    assert rows_of(page, "#moderation-moderators") == [["Omar Moderator", "2", "hid a post 2"]]
    assert rows_of(page, "#moderation-offenders") == [["Olly Offender", "2"]]
    assert not page.cssselect("#moderation-offenders a")  # executives read names, no links

    top = rows_of(page, "#search-top-queries")
    assert top[0] == [HOSTILE.lower(), "2", "0", "0"]
    assert rows_of(page, "#search-zero-queries") == [["gasket", "1"]]
    assert words(page.cssselect("#search-zero-share")[0]).startswith("25.0 %")
    # What was typed is escaped, and who typed it is nowhere.
    assert b"<script>alert" not in response.content
    search_section = response.content.split(b'id="search-health"')[1].split(b'id="people"')[0]
    assert b"Ann Asker" not in search_section and b"ann" not in search_section


def test_a_community_manager_gets_each_repeat_offender_linked_to_the_admin(client, community):
    client.force_login(community["carmen"])
    page = parse(client.get(DASHBOARD).content)
    links = page.cssselect("#moderation-offenders a")
    assert [(a.text_content(), a.get("href")) for a in links] == [
        ("Olly Offender", reverse("admin:members_user_change", args=[community["olly"].pk]))
    ]
    moderator = page.cssselect("#moderation-moderators a")[0]
    assert moderator.get("href") == reverse(
        "admin:members_user_change", args=[community["omar"].pk]
    )


def test_the_kpi_pages_show_their_own_breakdown(client, executive, community):
    client.force_login(executive)
    page = parse(client.get("/dashboard/kpi/first_reply_distribution/").content)
    assert rows_of(page, "#breakdown")[0] == ["Under 1 h", "1", "33.3 %"]
    page = parse(client.get("/dashboard/kpi/resolution_rate/").content)
    assert "Struggling" in words(page.cssselect("#breakdown")[0])
    page = parse(client.get("/dashboard/kpi/median_flag_resolution_hours/").content)
    assert rows_of(page, "#breakdown #moderation-offenders") == [["Olly Offender", "2"]]
    response = client.get("/dashboard/kpi/zero_result_searches/")
    assert rows_of(parse(response.content), "#breakdown") == [["gasket", "1"]]
    # A KPI outside the health sections: its detail's plain figures.
    snap("topics", community_today(), 4, detail={"in_qa_categories": 3})
    page = parse(client.get("/dashboard/kpi/topics/").content)
    facts = page.cssselect("#breakdown dl")[0]
    assert [words(n) for n in facts.descendants() if n.tag in ("dt", "dd")] == [
        "In qa categories",
        "3",
    ]


def test_the_90_day_view_reads_the_90_day_window(client, executive):
    snap("resolution_rate", DAY, 0.7, window=90, detail={"band": "healthy"})
    snap("resolution_rate", DAY, 0.5, window=30, detail={"band": "fair"})
    client.force_login(executive)
    for period, expected in ((30, "50.0 % Fair"), (90, "70.0 % Healthy"), (365, "70.0 % Healthy")):
        page = parse(client.get(f"{DASHBOARD}?period={period}").content)
        assert words(page.cssselect("#support-resolution")[0]).startswith(expected)


def test_details_of_another_shape_hide_their_part_and_keep_the_page(client, executive):
    # The band is computed from the value when the detail lacks it; the rest is garbage.
    snap("resolution_rate", DAY, 0.65, detail={})
    snap("first_reply_distribution", DAY, 0.2, detail={"buckets": "soon"})
    snap("answerer_mix", DAY, 0.5, detail={"shares": ["staff"]})
    snap("flags", DAY, 3, detail={"by_reason": [1, 2], "by_category": "Lounge"})
    snap(
        "median_flag_resolution_hours",
        DAY,
        2.0,
        detail={"moderators": [{"moderator_id": "omar"}], "repeat_offenders": {"x": 1}},
    )
    snap("search_click_through", DAY, 0.4, detail={"top_queries": [{"query": 7}, "pump"]})
    snap("zero_result_searches", DAY, None, detail=[])
    client.force_login(executive)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    page = parse(response.content)
    assert words(page.cssselect("#support-resolution")[0]).startswith("65.0 % Healthy")
    for part in (
        "#support-first-reply",
        "#support-answerers",
        "#moderation-moderators",
        "#moderation-offenders",
        "#moderation-flag-categories",
        "#search-zero-queries",
    ):
        assert not page.cssselect(part), part
    assert "No flags in this window." in words(page.cssselect("#moderation-flag-reasons")[0])
    assert "Nobody searched" in words(page.cssselect("#search-top-queries")[0])
    assert words(page.cssselect("#search-zero-share")[0]).startswith("—")

    # Without any of these snapshots, the sections are not there at all.
    from metrics.models import KpiSnapshot

    KpiSnapshot.objects.exclude(key="resolution_rate").delete()
    KpiSnapshot.objects.filter(key="resolution_rate").update(key="members")
    page = parse(client.get(DASHBOARD).content)
    for section in ("#support-health", "#moderation-health", "#search-health"):
        assert not page.cssselect(section)


def _people_detail(count: int) -> tuple[list[dict], list[dict]]:
    users = User.objects.bulk_create(
        User(username=f"person{n}", email=f"person{n}@example.org", display_name=f"Person {n}")
        for n in range(count)
    )
    moderators = [
        {"moderator_id": u.pk, "actions": 3, "by_action": {"hide": 2, "lock": 1}} for u in users
    ]
    offenders = [{"member_id": u.pk, "hidden_posts": 2} for u in users]
    return moderators, offenders


@pytest.mark.parametrize("people", [1, 60])
def test_the_dashboard_names_many_moderators_and_offenders_in_bounded_queries(
    client, django_assert_max_num_queries, people
):
    manager = UserFactory(username="carmen", roles=[COMMUNITY_MANAGERS])
    moderators, offenders = _people_detail(people)
    snap(
        "median_flag_resolution_hours",
        DAY,
        1.5,
        detail={"resolved": 9, "moderators": moderators, "repeat_offenders": offenders},
    )
    snap(
        "search_click_through",
        DAY,
        0.5,
        detail={"top_queries": [{"query": f"q{n}", "searches": 1} for n in range(40)]},
    )
    client.force_login(manager)
    client.get(DASHBOARD)  # the session's first page fills its caches
    # Without Redis the session is one more read from the database.
    with django_assert_max_num_queries(12 if settings.REDIS_URL else 13):
        response = client.get(DASHBOARD)
    page = parse(response.content)
    assert len(rows_of(page, "#moderation-offenders")) == min(people, 10)
    assert len(page.cssselect("#moderation-offenders a")) == min(people, 10)
    assert len(rows_of(page, "#search-top-queries")) == 10
    if people > 10:
        assert "and 50 more." in words(page.cssselect("#moderation-offenders")[0])


def test_a_member_without_the_dashboard_permission_gets_403(client):
    snap("flags", DAY, 2, detail={"by_reason": {"spam": 2}})
    client.force_login(UserFactory(roles=[MODERATORS]))
    for path in (DASHBOARD, "/dashboard/kpi/flags/"):
        response = client.get(path)
        assert response.status_code == 403
        assert b"Spam" not in response.content
