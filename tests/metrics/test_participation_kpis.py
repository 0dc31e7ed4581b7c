"""Participation KPIs on small hand-built communities: every expected number is worked out
by hand in a comment, and each community holds the rows a KPI must leave out (staff, an
erased member, a hidden post, a day outside the window) so dropping an exclusion fails."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from community.models import SiteBranding
from community.services import branding_update
from forums.models import Post
from forums.services import limits
from forums.services.categories import category_access_grant
from forums.services.moderation import post_hide
from forums.services.posts import post_create
from forums.services.reading import views_and_reads_flush
from forums.services.topics import topic_create
from library.models import Download, LibraryAccess, ResourceKind, ResourceViewDay
from library.services import file_download_record, resource_create, resource_view_count
from members import roles
from members.models import SupportKind, User
from members.services.data import member_erase
from members.services.groups import group_create, group_member_add
from members.services.reciprocity import support_act_record
from members.services.visits import member_visit_record
from metrics.catalogue import Period, kpi_get
from polls.models import Poll
from polls.services import poll_close, poll_create, vote_cast
from tests.forums.factories import CategoryFactory
from tests.library.conftest import client_for
from tests.library.factories import pdf_upload
from tests.members.factories import UserFactory
from tests.metrics.helpers import stored_and_alone

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 3, 10)  # windows end with 10 March: 7 days = 4–10 March


def at(day: int, hour: int = 12, month: int = 3, tz=UTC) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=tz)


def compute(key: str, window: int = 7, tz=UTC):
    return kpi_get(key).compute(Period(DAY, window, tz))


@pytest.fixture(autouse=True)
def _no_post_spacing(monkeypatch):
    monkeypatch.setattr(limits, "POST_SPACING_LIMITS", ())


@pytest.fixture
def manager(db):
    return UserFactory(username="carmen", roles=[roles.COMMUNITY_MANAGERS], is_staff=True)


# --- reciprocity_rate ------------------------------------------------------------------------


def test_reciprocity_rate_is_the_share_of_member_pairs_returned_within_30_days(manager):
    ann, bob, cat, dan = (UserFactory(username=name) for name in ("ann", "bob", "cat", "dan"))
    eve = UserFactory(username="eve")

    def support(giver, receiver, when, kind=SupportKind.SHOUT_OUT):
        assert support_act_record(giver=giver, receiver=receiver, kind=kind, occurred_at=when)

    support(ann, bob, at(5))  # (ann, bob) opens on 5 March …
    support(bob, ann, at(8), SupportKind.FOLLOW)  # … and bob returns it 3 days later
    support(ann, cat, at(6))  # (ann, cat): cat never returns it
    support(dan, ann, at(6))  # (dan, ann): ann returns it on 20 April, 45 days later
    support(ann, dan, at(20, month=4), SupportKind.FOLLOW)
    # (bob, ann) opened on 8 March: ann's support of 5 March came before it, not after.
    # Left out: the community team (staff) and an erased member, each returned in time …
    support(manager, ann, at(5))
    support(ann, manager, at(6), SupportKind.FOLLOW)
    support(eve, bob, at(5))
    support(bob, eve, at(7), SupportKind.FOLLOW)
    member_erase(member=eve, actor=manager)
    # … and a pair that opened before the window (3 March), returned inside it.
    support(cat, dan, at(3))
    support(dan, cat, at(5), SupportKind.FOLLOW)

    measure = compute("reciprocity_rate")
    # Pairs opened 4–10 March between counted members: (ann, bob), (ann, cat), (dan, ann),
    # (bob, ann), (dan, cat) — dan → cat on 5 March opens its own pair and cat never
    # returns after it. Returned within 30 days: (ann, bob) only. 1 / 5.
    assert (measure.numerator, measure.denominator) == (1, 5)
    assert measure.value == 1 / 5
    assert measure.detail == {"reply_window_days": 30}

    # A night computes the three windows in one query; each must match the window alone.
    # The 30-day window (9 February to 10 March) also holds (cat, dan), opened on 3 March
    # and returned on the 5th: 2 of 6.
    stored, alone = stored_and_alone(DAY, ("reciprocity_rate",))
    assert stored == alone
    assert stored["reciprocity_rate", 30][1:3] == (2, 6)


def test_reciprocity_rate_is_undefined_without_support():
    assert compute("reciprocity_rate").value is None


# --- library_views and library_downloads ----------------------------------------------------


@pytest.fixture
def berlin(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        branding_update(branding=SiteBranding.objects.get(pk=1), time_zone="Europe/Berlin")


def _resource(manager, slug: str, access: str):
    return resource_create(
        actor=manager,
        kind=ResourceKind.FILE,
        title=slug.title(),
        slug=slug,
        access=access,
        upload=pdf_upload(f"{slug}.pdf"),
    )


def test_library_views_sum_the_days_of_the_window_in_the_community_time_zone(berlin, manager):
    guide = _resource(manager, "guide", LibraryAccess.PUBLIC)
    beta = _resource(manager, "beta-notes", LibraryAccess.PRIVATE)
    member = UserFactory()

    resource_view_count(resource=guide, viewer=member, views=5, now=at(3))  # 3 March: outside
    views_and_reads_flush(now=at(3) + timedelta(minutes=10))
    resource_view_count(resource=guide, viewer=member, views=2, now=at(9))  # 9 March
    resource_view_count(resource=guide, viewer=manager, now=at(9))  # staff: never counted
    assert views_and_reads_flush(now=at(9) + timedelta(minutes=10)).counted == {"library": 2}
    # 22:00 UTC on 10 March is 23:00 in Berlin: still 10 March there.
    resource_view_count(resource=beta, viewer=member, now=at(10, 22))
    # 23:30 UTC on 10 March is 00:30 on 11 March in Berlin: after the window.
    resource_view_count(resource=guide, viewer=None, now=datetime(2026, 3, 10, 23, 30, tzinfo=UTC))
    flushed = views_and_reads_flush(now=at(11, 0))
    assert flushed.counted == {"library": 1 + 1}

    days = dict(ResourceViewDay.objects.values_list("day", "views").filter(resource=guide))
    assert days == {date(2026, 3, 3): 5, date(2026, 3, 9): 2, date(2026, 3, 11): 1}
    guide.refresh_from_db()
    assert guide.view_count == 5 + 2 + 1

    week = compute("library_views", tz=BERLIN)
    assert week.value == 3  # 2 (guide, 9 March) + 1 (beta notes, 10 March)
    assert week.detail["by_access"] == {"public": 2, "members": 0, "private": 1}
    assert compute("library_views", window=30, tz=BERLIN).value == 8  # + 5 on 3 March


def test_a_resource_page_view_writes_nothing_until_the_flush_and_staff_views_never(
    manager, django_assert_max_num_queries
):
    guide = _resource(manager, "guide", LibraryAccess.MEMBERS)
    member = UserFactory()
    client_for(member).get(guide.get_absolute_url())
    client_for(manager).get(guide.get_absolute_url())
    assert not ResourceViewDay.objects.exists()
    views_and_reads_flush(now=timezone.now() + timedelta(minutes=3))
    guide.refresh_from_db()
    assert guide.view_count == 1  # the member's; the community manager's is not readership
    assert ResourceViewDay.objects.get().views == 1


def test_library_downloads_count_the_window_without_staff(manager):
    guide = _resource(manager, "guide", LibraryAccess.PUBLIC)
    beta = _resource(manager, "beta-notes", LibraryAccess.PRIVATE)
    ann, gone = UserFactory(username="ann"), UserFactory(username="gone")
    version, beta_version = guide.versions.get(), beta.versions.get()

    def download(version, user, when):
        record = file_download_record(version=version, user=user)
        Download.objects.filter(pk=record.pk).update(created_at=when)

    download(version, ann, at(4, 0))  # the window's first hour
    download(version, None, at(9))  # a visitor
    download(beta_version, ann, at(10))
    download(version, gone, at(6))  # then erased: the download stays counted
    member_erase(member=gone, actor=manager)
    download(version, manager, at(6))  # staff: left out
    download(version, ann, at(3, 23))  # 3 March: before the window
    download(version, ann, at(11, 0))  # 11 March 00:00: the window's end is excluded

    measure = compute("library_downloads")
    assert measure.value == 4  # ann 4 March, visitor, ann's beta notes, the erased member
    assert measure.detail["by_access"] == {"public": 3, "members": 0, "private": 1}


# --- poll_participation ---------------------------------------------------------------------


def _poll(author, category, question: str, **kwargs) -> Poll:
    topic = topic_create(category=category, author=author, title=question, body="Vote, please")
    return poll_create(
        topic=topic, author=author, question=question, options=["Yes", "No"], **kwargs
    )


def _close(poll: Poll, actor, when: datetime) -> None:
    poll_close(poll=poll, actor=actor)
    Poll.objects.filter(pk=poll.pk).update(closed_at=when)


def _join(*users, when: datetime) -> None:
    User.objects.filter(pk__in=[u.pk for u in users]).update(date_joined=when)


def test_poll_participation_is_the_mean_share_over_polls_that_ended_in_the_window(manager):
    category = CategoryFactory()
    ann, bob, cat, dan = (UserFactory(username=name) for name in ("ann", "bob", "cat", "dan"))
    _join(ann, bob, cat, dan, manager, when=at(1, month=1))

    first = _poll(ann, category, "Ship the new dashboard?")
    for voter in (ann, bob, manager):
        vote_cast(poll=first, voter=voter, selection=[first.options.first().pk])
    _close(first, manager, at(6))

    second = _poll(bob, category, "Meet in Lisbon?")
    vote_cast(poll=second, voter=cat, selection=[second.options.first().pk])
    _close(second, manager, at(9))

    old = _poll(cat, category, "Last month's question")
    vote_cast(poll=old, voter=ann, selection=[old.options.first().pk])
    _close(old, manager, at(1))  # ended 1 March: before the window

    _poll(dan, category, "Still open")  # not ended: not counted

    measure = compute("poll_participation")
    # Eligible: ann, bob, cat, dan (4; the staff community manager is neither eligible nor
    # a voter). First poll: ann and bob voted, 2/4; second: cat, 1/4. Mean: (1/2 + 1/4) / 2.
    assert measure.value == (2 / 4 + 1 / 4) / 2
    assert [(p["poll_id"], p["participants"], p["eligible"]) for p in measure.detail["polls"]] == [
        (first.pk, 2, 4),
        (second.pk, 1, 4),
    ]
    assert "question" not in measure.detail["polls"][0]  # content stays off the dashboard

    # A night reads the 90 days' polls once: in 30 days the March 1 poll counts too (1/4).
    stored, alone = stored_and_alone(DAY, ("poll_participation", "private_group_participation"))
    assert stored == alone
    assert stored["poll_participation", 30][0] == pytest.approx((2 / 4 + 1 / 4 + 1 / 4) / 3)


def test_poll_participation_is_undefined_when_no_poll_ended():
    assert compute("poll_participation").value is None


# --- private_group_participation ------------------------------------------------------------


def test_private_group_participation_is_the_mean_active_share_across_groups(manager):
    beta = group_create(actor=manager, name="Beta Program", slug="beta")
    council = group_create(actor=manager, name="Customer Council", slug="council")
    group_create(actor=manager, name="Empty", slug="empty")  # no members: left out of the mean
    ann, bob, cat, dan, eve, fay = (
        UserFactory(username=name) for name in ("ann", "bob", "cat", "dan", "eve", "fay")
    )
    for member in (ann, bob, cat, manager):
        group_member_add(actor=manager, group_profile=beta, user=member)
    for member in (dan, eve, fay):
        group_member_add(actor=manager, group_profile=council, user=member)
    beta_room = CategoryFactory(private=True, slug="beta-room")
    category_access_grant(category=beta_room, group=beta.group)
    lounge = CategoryFactory(slug="lounge")

    # ann visited on 9 March; bob only posted in the Beta room; cat's post there was hidden
    # and cat's visit was on 2 March, before the window; the manager (staff) visited too.
    for member, day in ((ann, 9), (cat, 2), (manager, 9), (eve, 10), (fay, 10)):
        member_visit_record(user_id=member.pk, now=at(day))
    topic = topic_create(category=beta_room, author=ann, title="Beta feedback", body="Go")
    post_create(topic=topic, author=bob, body="Works for me")
    hidden = post_create(topic=topic, author=cat, body="Spam")
    post_hide(post=hidden, actor=manager, reason="Spam")
    # dan posted, but in a public category, not one of the council's.
    topic_create(category=lounge, author=dan, title="Hello", body="Hi all")
    Post.objects.update(created_at=at(8))
    member_erase(member=fay, actor=manager)  # visited, then erased: no longer a member

    measure = compute("private_group_participation")
    # Beta: members ann, bob, cat (carmen is staff); active ann (visit) and bob (post):
    # 2/3; posts 2 (ann's opening post and bob's reply; cat's is hidden).
    # Council: dan and eve (fay erased); active eve: 1/2. Empty: no members, no share.
    # Mean over the two groups with members: (2/3 + 1/2) / 2.
    assert measure.value == pytest.approx((2 / 3 + 1 / 2) / 2)
    rows = {row["slug"]: row for row in measure.detail["groups"]}
    assert (rows["beta"]["members"], rows["beta"]["active"], rows["beta"]["posts"]) == (3, 2, 2)
    assert (rows["council"]["members"], rows["council"]["active"]) == (2, 1)
    assert rows["council"]["posts"] == 0
    assert rows["empty"]["active_share"] is None


def test_private_group_participation_reports_each_group_polls(manager):
    beta = group_create(actor=manager, name="Beta Program", slug="beta")
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    for member in (ann, bob):
        group_member_add(actor=manager, group_profile=beta, user=member)
    _join(ann, bob, when=at(1, month=1))
    beta_room = CategoryFactory(private=True, slug="beta-room")
    category_access_grant(category=beta_room, group=beta.group)
    poll = _poll(ann, beta_room, "Which build?")
    vote_cast(poll=poll, voter=bob, selection=[poll.options.first().pk])
    _close(poll, manager, at(7))
    _poll(ann, CategoryFactory(), "Public question")  # open, and not the group's

    row = compute("private_group_participation").detail["groups"][0]
    assert (row["polls"], row["poll_participation"]) == (1, 1 / 2)  # bob of ann and bob


def test_private_group_participation_costs_the_same_queries_for_many_groups(
    manager, django_assert_max_num_queries
):
    for number in range(6):
        group = group_create(actor=manager, name=f"Group {number}", slug=f"group-{number}")
        member = UserFactory(username=f"member{number}")
        group_member_add(actor=manager, group_profile=group, user=member)
        _join(member, when=at(1, month=1))
        room = CategoryFactory(private=True, slug=f"room-{number}")
        category_access_grant(category=room, group=group.group)
        poll = _poll(member, room, f"Question {number}?")
        vote_cast(poll=poll, voter=member, selection=[poll.options.first().pk])
        _close(poll, manager, at(7))
    # The groups with their counts, the polls that ended, and their groups (two queries).
    with django_assert_max_num_queries(4):
        rows = compute("private_group_participation").detail["groups"]
    assert [row["poll_participation"] for row in rows] == [1.0] * 6
