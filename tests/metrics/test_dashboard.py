"""The executive dashboard and the KPI pages, as an executive, a manager and a member see
them: read from stored snapshots, formatted by unit, compared with the previous window and
with targets, and in a bounded number of queries whatever the history."""

from datetime import datetime, time, timedelta

import pytest

from community.timezones import community_timezone
from forums.models import Post
from forums.services import limits
from forums.services.moderation import post_hide
from forums.services.posts import post_create
from forums.services.topics import topic_create
from members.models import User
from members.roles import COMMUNITY_MANAGERS, EXECUTIVES, MODERATORS
from members.services import member_roles_set
from members.services.data import member_erase
from metrics.catalogue import CATALOGUE, Area, Direction, Timing, Unit
from metrics.models import KpiSnapshot, KpiTarget
from tests.forums.factories import CategoryFactory
from tests.members.factories import PASSWORD, UserFactory
from tests.metrics.helpers import DAY, parse, registered, snap

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_post_spacing(monkeypatch):
    monkeypatch.setattr(limits, "POST_SPACING_LIMITS", ())


DASHBOARD = "/dashboard/"


@pytest.fixture
def evan():
    return UserFactory(username="evan", roles=[EXECUTIVES])


@pytest.fixture
def client_as_evan(client, evan):
    client.force_login(evan)
    return client


def text(response) -> str:
    return " ".join(parse(response.content).text_content().split())


# --- Who may read it ------------------------------------------------------------------------


def test_executives_and_managers_read_the_dashboard_members_get_the_branded_403(client):
    snap("members", DAY, 10)
    for role in (EXECUTIVES, COMMUNITY_MANAGERS):
        client.force_login(UserFactory(roles=[role]))
        assert client.get(DASHBOARD).status_code == 200
    client.force_login(UserFactory(roles=[MODERATORS]))
    for path in (DASHBOARD, "/dashboard/kpi/members/", "/dashboard/kpi/members.csv"):
        response = client.get(path)
        assert response.status_code == 403
        assert "This page isn't available to you" in text(response)
        assert b"10" not in response.content.split(b"<main")[1]
    client.logout()
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_executive_lands_on_the_dashboard_after_signing_in_unless_a_page_was_asked(client):
    UserFactory(username="evan", email="evan@example.org", roles=[EXECUTIVES])
    UserFactory(username="carmen", email="carmen@example.org", roles=[COMMUNITY_MANAGERS])
    UserFactory(username="maya", email="maya@example.org")
    form = {"login": "evan@example.org", "password": PASSWORD}
    assert client.post("/accounts/login/", form)["Location"] == DASHBOARD
    client.logout()
    response = client.post("/accounts/login/?next=/forums/", {**form, "next": "/forums/"})
    assert response["Location"] == "/forums/"
    client.logout()
    for email in ("carmen@example.org", "maya@example.org"):
        response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
        assert response["Location"] == "/"
        client.logout()


def _nav_links(response) -> list[str]:
    return [a.text_content().strip() for a in parse(response.content).cssselect(".site-nav a")]


def test_the_header_shows_dashboard_to_those_who_may_read_it_and_follows_role_changes(
    client, evan, django_capture_on_commit_callbacks
):
    client.force_login(evan)
    assert "Dashboard" in _nav_links(client.get("/"))
    with django_capture_on_commit_callbacks(execute=True):
        member_roles_set(user=evan, role_names=["Members"])
    assert "Dashboard" not in _nav_links(client.get("/"))
    client.force_login(UserFactory())
    assert "Dashboard" not in _nav_links(client.get("/"))


# --- The headline row -----------------------------------------------------------------------


def test_the_headline_shows_value_change_and_target_status_from_snapshots(client_as_evan, evan):
    snap("members", DAY, 120)
    snap("members", DAY - timedelta(days=30), 100)  # one window earlier
    snap("new_members", DAY, 15)
    snap("new_members", DAY - timedelta(days=30), 20)
    KpiTarget.objects.create(key="members", business_goal="Grow", value=150, window=30)
    KpiTarget.objects.create(key="new_members", business_goal="Grow", value=10, window=30)
    # A target of another window and an expired one are not in force on the day.
    KpiTarget.objects.create(key="members", business_goal="Grow", value=50, window=90)
    KpiTarget.objects.create(
        key="new_members",
        business_goal="Old",
        value=99,
        window=30,
        starts_on=DAY - timedelta(days=200),
        ends_on=DAY - timedelta(days=100),
    )

    page = parse(client_as_evan.get(DASHBOARD).content)
    items = {
        item.cssselect(".headline__name")[0].text_content(): " ".join(item.text_content().split())
        for item in page.cssselect(".headline__item")
    }
    assert next(iter(items)) == "Members" and "New members" in items
    assert items["Members"] == "Members 120 +20 against the previous 30 days Off track target 150"
    assert items["New members"] == (
        "New members 15 −5 against the previous 30 days On track target 10"
    )
    assert page.cssselect("#kpi-new_members .kpi-change--bad")  # fewer new members is worse


def test_values_read_by_unit_direction_aware_and_undefined_as_a_dash(client_as_evan):
    with (
        registered(
            "test_hours",
            name="Hours to answer",
            unit=Unit.HOURS,
            direction=Direction.LOWER,
            area=Area.SUPPORT,
            drivers=("new_members", "not_yet_registered"),
        ),
        registered("test_share", name="Share solved", unit=Unit.PERCENT),
        registered("test_money", name="Saved", unit=Unit.MONEY),
        registered("test_undefined", name="Undefined one", unit=Unit.PERCENT),
    ):
        snap("test_hours", DAY, 3.0)
        snap("test_hours", DAY - timedelta(days=30), 5.0)
        KpiTarget.objects.create(key="test_hours", business_goal="Faster", value=4, window=30)
        snap("test_share", DAY, 0.425)
        snap("test_share", DAY - timedelta(days=30), 0.4)
        snap("test_money", DAY, 1234.4)
        snap("test_undefined", DAY, None)
        page = parse(client_as_evan.get(DASHBOARD).content)

    def panel(key):
        return " ".join(page.cssselect(f"#kpi-{key} .kpi-panel__value")[0].text_content().split())

    # 3.0 h against 5.0 h a window earlier: 2 h faster, which is good when lower is better.
    assert panel("test_hours") == "3.0 h −2.0 h against the previous 30 days On track target 4.0 h"
    assert page.cssselect("#kpi-test_hours .kpi-change--good")
    assert panel("test_share").startswith("42.5 % +2.5 pts")  # 0.425 - 0.4 = 2.5 points
    assert panel("test_money").startswith("USD 1,234")
    assert panel("test_undefined").startswith("— —")  # no value, so no change either
    drivers = page.cssselect("#kpi-test_hours .kpi-panel__drivers")[0]
    assert " ".join(drivers.text_content().split()) == (
        "Driven by: New members, not_yet_registered"
    )
    areas = [
        h2.text_content() for h2 in page.cssselect("h2") if h2.get("id", "").startswith("area-")
    ]
    assert areas[:3] == ["Community health", "Support", "Marketing"]
    assert page.cssselect("#kpi-new_members .kpi-badge--leading")
    assert page.cssselect("#kpi-members .kpi-badge--lagging")


def test_the_period_switch_reads_the_30_or_90_day_window_over_the_period(client_as_evan):
    for days_back in range(0, 365, 7):
        snap("members", DAY - timedelta(days=days_back), 1000 - days_back, window=90)
    snap("members", DAY, 30, window=30)
    snap("members", DAY - timedelta(days=10), 20, window=30)
    snap("members", DAY - timedelta(days=40), 10, window=30)  # before the 30-day period

    page = parse(client_as_evan.get(DASHBOARD).content)
    assert page.cssselect(".period-switch a[aria-current=page]")[0].text_content() == "30 days"
    summary = page.cssselect("#kpi-members .kpi-panel__summary")[0].text_content()
    assert summary.startswith("2 values, 2026-03-21 to 2026-03-31: lowest 20, highest 30.")

    page = parse(client_as_evan.get(DASHBOARD + "?period=365").content)
    summary = page.cssselect("#kpi-members .kpi-panel__summary")[0].text_content()
    # Weekly 90-day values over 365 days: 0, 7, ... 364 days back is 53 of them.
    assert summary.startswith("53 values, 2025-04-01 to 2026-03-31: lowest 636, highest 1,000.")
    assert page.cssselect("#kpi-members svg[role=img] title")

    response = client_as_evan.get(DASHBOARD + "?period=12")
    assert "Periods are 30, 90, 365 days; showing 30 days." in text(response)


def test_the_page_reads_snapshots_in_a_bounded_number_of_queries(
    client_as_evan, django_assert_max_num_queries
):
    def history(keys, days):
        KpiSnapshot.objects.bulk_create(
            KpiSnapshot(key=key, day=DAY - timedelta(days=n), window=90, value=n)
            for key in keys
            for n in range(days)
        )

    # The first page of a session also fills its caches (branding, the visit, the header's
    # link): 20 covers that; the snapshots and lists are 9 queries of it, at any size.
    history(["members", "new_members"], 10)
    with django_assert_max_num_queries(20):
        assert client_as_evan.get(DASHBOARD + "?period=365").status_code == 200
    keys = [f"test_many_{n}" for n in range(12)]
    from contextlib import ExitStack

    with ExitStack() as stack:
        for key in keys:
            stack.enter_context(registered(key))
        history(keys, 365)
        with django_assert_max_num_queries(20):
            response = client_as_evan.get(DASHBOARD + "?period=365")
        registered_now = len(CATALOGUE)  # the whole catalogue and the 12 test KPIs
    assert len(parse(response.content).cssselect(".kpi-panel svg.chart--line")) == registered_now


def test_the_cohort_heat_map_and_private_groups_come_from_snapshot_details(client_as_evan):
    snap("members", DAY, 5)
    snap(
        "cohort_retention",
        DAY,
        0.5,
        detail={
            "cohorts": ["2026-01", "2026-02"],
            "months": [0, 1, 2],
            "matrix": [[1.0, 0.5, 0.25], [1.0, 0.4]],
        },
    )
    snap(
        "private_group_participation",
        DAY,
        0.5,
        detail={"groups": [{"group": "Beta <Program>", "members": 4, "participants": 2}]},
    )
    response = client_as_evan.get(DASHBOARD)
    page = parse(response.content)
    heat = page.cssselect("svg.chart--heat")[0]
    assert heat.get("role") == "img"
    cells = [t.text_content() for t in heat.cssselect("text")]
    assert "25.0 %" in cells and "40.0 %" in cells
    table = page.cssselect("#cohort-table")[0]
    assert [td.text_content() for td in table.cssselect("tbody tr")[1].cssselect("td")] == [
        "100.0 %",
        "40.0 %",
        "",
    ]
    groups = page.cssselect("#people-groups tbody td")
    assert [td.text_content() for td in groups] == ["Beta <Program>", "4", "2"]
    assert b"Beta <Program>" not in response.content  # escaped


def test_the_heat_map_reads_the_cohort_kpi_as_it_stores_its_detail(client_as_evan):
    snap("members", DAY, 5)
    snap(
        "cohort_retention",
        DAY,
        0.5,
        detail={  # the shape metrics.kpis.growth.cohort_retention writes
            "months_since_joining": [0, 1],
            "cohorts": [
                {"month": "2026-01", "members": 4, "retained": [4, 2], "shares": [1.0, 0.5]},
                {"month": "2026-02", "members": 0, "retained": [0], "shares": [None]},
            ],
            "latest_cohort": "2026-01",
        },
    )
    page = parse(client_as_evan.get(DASHBOARD).content)
    cells = [t.text_content() for t in page.cssselect("svg.chart--heat text")]
    assert "50.0 %" in cells
    rows = [th.text_content() for th in page.cssselect("#cohort-table tbody th")]
    assert rows == ["2026-01 (4)", "2026-02 (0)"]


# --- The lists of people --------------------------------------------------------------------


def _at(day, hour=12):
    return datetime.combine(day, time(hour), tzinfo=community_timezone())


def _post(topic, author, when):
    post = post_create(topic=topic, author=author, body="A reply with enough words.")
    Post.objects.filter(pk=post.pk).update(created_at=when)
    return post


def test_top_and_lapsing_contributors_count_shown_posts_of_counted_members(
    client_as_evan, django_capture_on_commit_callbacks
):
    snap("members", DAY, 5)
    category = CategoryFactory()
    ann = UserFactory(username="ann", display_name="Ann")
    bob = UserFactory(username="bob", display_name="Bob")
    cat = UserFactory(username="cat", display_name="Cat")
    staff = UserFactory(username="staffer", roles=[COMMUNITY_MANAGERS])
    gone = UserFactory(username="gone")
    moderator = UserFactory(username="mod", roles=[MODERATORS])
    topic = topic_create(category=category, author=ann, title="A question here", body="Body text.")
    Post.objects.filter(topic=topic).update(created_at=_at(DAY - timedelta(days=100)))
    _post(topic, ann, _at(DAY - timedelta(days=1)))
    _post(topic, ann, _at(DAY - timedelta(days=2)))
    _post(topic, bob, _at(DAY - timedelta(days=3)))
    hidden = _post(topic, bob, _at(DAY - timedelta(days=4)))
    hidden2 = _post(topic, bob, _at(DAY - timedelta(days=5)))
    post_hide(post=hidden, actor=moderator, reason="spam")
    post_hide(post=hidden2, actor=moderator, reason="spam")
    for n in range(3):
        _post(topic, staff, _at(DAY - timedelta(days=n)))
    # cat: three posts 40-60 days ago, none since: lapsing. gone: the same, then erased.
    for n in (40, 50, 60):
        _post(topic, cat, _at(DAY - timedelta(days=n)))
        _post(topic, gone, _at(DAY - timedelta(days=n)))
    with django_capture_on_commit_callbacks(execute=True):
        member_erase(member=User.objects.get(username="gone"), actor=staff)

    page = parse(client_as_evan.get(DASHBOARD).content)
    lists = {
        card.cssselect("h3")[0].text_content(): [
            " ".join(li.text_content().split()) for li in card.cssselect("li")
        ]
        for card in page.cssselect("#people .card")
    }
    # In the 30 days to DAY: ann 2 replies; bob 1 shown (2 hidden); the staff member's 3
    # and the opening post (100 days ago) do not count.
    assert lists["Top contributors"] == ["Ann 2 posts", "Bob 1 post"]
    # cat posted 3 times between 120 and 30 days ago and not since; ann and bob posted
    # recently; the erased member is not counted.
    assert lists["Lapsing contributors"] == ["Cat 3 posts, last 19 Feb 2026"]


def test_most_helpful_follows_the_directory_score_of_counted_members(client_as_evan):
    snap("members", DAY, 5)
    UserFactory(username="helper", display_name="Helper")
    UserFactory(username="quiet", display_name="Quiet")
    UserFactory(username="teamer", display_name="Team", roles=[COMMUNITY_MANAGERS])
    User.objects.filter(username="helper").update(helpful_score=7)
    User.objects.filter(username="teamer").update(helpful_score=99)  # staff: not counted
    page = parse(client_as_evan.get(DASHBOARD).content)
    card = page.cssselect("#people-helpful")[0]
    assert [" ".join(li.text_content().split()) for li in card.cssselect("li")] == [
        "Helper score 7"
    ]


# --- A KPI's page ---------------------------------------------------------------------------


def test_a_kpi_page_explains_it_and_lists_its_values(client_as_evan):
    snap("members", DAY, 12)
    snap("members", DAY - timedelta(days=1), 11)
    KpiTarget.objects.create(
        key="members", business_goal="Reach more customers", value=10, window=30
    )
    with registered("test_growth", timing=Timing.LAGGING, drivers=("members",)):
        response = client_as_evan.get("/dashboard/kpi/members/")
        page = parse(response.content)
    facts = dict(
        zip(
            [dt.text_content() for dt in page.cssselect(".kpi-facts dt")],
            [" ".join(dd.text_content().split()) for dd in page.cssselect(".kpi-facts dd")],
            strict=True,
        )
    )
    assert (
        facts["Formula"] == "Counted members whose account was created before the end of the day."
    )
    assert facts["Direction"] == "Higher is better"
    assert facts["Kind"] == "Lagging indicator"
    assert facts["Business area"] == "Marketing"
    assert facts["Driven by"] == "New members"
    assert facts["Drives"] == "Test growth"
    assert facts["Target"] == "10 over 30 days, for “Reach more customers”"
    rows = [
        [td.text_content() for td in tr.cssselect("td")]
        for tr in page.cssselect("#values tbody tr")
    ]
    assert rows == [["2026-03-31", "12"], ["2026-03-30", "11"]]
    assert page.cssselect(".kpi-target--on")


def test_an_unknown_kpi_is_a_404_that_says_so(client_as_evan):
    for path in ("/dashboard/kpi/nope/", "/dashboard/kpi/nope.csv"):
        response = client_as_evan.get(path)
        assert response.status_code == 404
        assert "No KPI called “nope”" in text(response)


def test_a_kpi_csv_holds_its_series_for_the_range_and_window(client_as_evan):
    snap("members", DAY, 12, numerator=12)
    snap("members", DAY - timedelta(days=1), 11)
    snap("members", DAY - timedelta(days=1), 99, window=7)
    snap("members", DAY - timedelta(days=5), 8)
    response = client_as_evan.get(
        "/dashboard/kpi/members.csv?from=2026-03-30&to=2026-03-31&window=30"
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines() == [
        "key,day,window,value,numerator,denominator,shown",
        "members,2026-03-30,30,11.0,,,11",
        "members,2026-03-31,30,12.0,12.0,,12",
    ]
    bad = client_as_evan.get("/dashboard/kpi/members.csv?from=2026-02-30")
    assert bad.status_code == 400 and "“from” takes a date as YYYY-MM-DD." in bad.content.decode()


def test_the_whole_snapshot_table_streams_as_csv(client_as_evan):
    snap("members", DAY, 12)
    snap("retired_kpi", DAY, 3, window=7)
    snap("members", DAY - timedelta(days=200), 1)
    response = client_as_evan.get("/dashboard/export.csv?from=2026-03-01&to=2026-03-31")
    assert response.streaming
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "day,key,window,value,numerator,denominator,computed_at"
    assert [line.split(",")[:4] for line in lines[1:]] == [
        ["2026-03-31", "members", "30", "12.0"],
        ["2026-03-31", "retired_kpi", "7", "3.0"],
    ]
    response = client_as_evan.get("/dashboard/export.csv?from=1926-01-01&to=2026-01-01")
    assert response.status_code == 400
    assert "At most 1098 days at a time" in response.content.decode()
