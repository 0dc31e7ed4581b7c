import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.models import Notification
from community.notifications import (
    UNREAD_COUNT_CAP,
    notification_create,
    notification_list_for,
    notifications_mark_read,
    unread_count_for,
)
from members import roles
from members.models import JoinPolicy
from members.services.data import member_erase
from members.services.groups import (
    group_create,
    group_invite,
    group_manager_add,
    group_request_create,
    group_request_decide,
    invitation_accept,
    invitation_token_make,
)
from members.services.reciprocity import shout_out_create
from tests.community.factories import NotificationFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/notifications/"
READ_URL = "/notifications/read/"


def _open_url(notification) -> str:
    return f"/notifications/{notification.pk}/open/"


def _bell(html: str) -> str | None:
    match = re.search(r'<a id="notification-bell"[^>]*>.*?</a>', html, re.S)
    return match.group(0) if match else None


def _table_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "community_notification" in q["sql"]]


@pytest.fixture
def author(db):
    return UserFactory(display_name="Maya Lin")


@pytest.fixture
def recipient(db):
    return UserFactory(display_name="Rosa Park")


@pytest.fixture
def community_manager(db):
    return UserFactory(roles=[roles.COMMUNITY_MANAGERS])


@pytest.fixture
def request_group(community_manager):
    return group_create(
        actor=community_manager, name="Beta Program", slug="beta", join_policy=JoinPolicy.REQUEST
    )


def _manager_of(group_profile, community_manager, user=None):
    user = user or UserFactory()
    group_manager_add(actor=community_manager, group_profile=group_profile, user=user)
    return user


# --- Services -----------------------------------------------------------------------------


def test_shout_out_notifies_the_recipient_once_and_not_the_author(
    author, recipient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        shout_out_create(author=author, recipient=recipient, message="Fixed our SSO.")

    notification = Notification.objects.get()
    assert notification.recipient == recipient
    assert notification.actor == author
    assert notification.kind == "shout_out"
    assert notification.verb == "Maya Lin gave you a shout-out"
    assert notification.url == f"/members/{recipient.username}/#shout-outs-title"
    assert not Notification.objects.filter(recipient=author).exists()


def test_shout_out_notification_waits_for_the_commit(
    author, recipient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        shout_out_create(author=author, recipient=recipient, message="Thanks!")

    assert not Notification.objects.exists()  # a rollback here would notify nobody


def test_nobody_is_notified_of_their_own_act(member):
    assert notification_create(recipient=member, actor=member, kind="x", verb="v", url="/") is None
    assert not Notification.objects.exists()


def test_inactive_recipients_are_not_notified(author):
    inactive = UserFactory(is_active=False)
    assert (
        notification_create(recipient=inactive, actor=author, kind="x", verb="v", url="/") is None
    )
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "members/", ""]
)
def test_a_notification_must_link_to_a_path_on_this_site(member, author, url):
    with pytest.raises(ValueError, match="path on this site"):
        notification_create(recipient=member, actor=author, kind="x", verb="v", url=url)
    assert not Notification.objects.exists()


def test_a_long_sentence_is_cut_to_fit_on_one_line(member):
    notification = notification_create(
        recipient=member, kind="x", verb="Someone\nsaid " + "a" * 300, url="/"
    )
    notification.refresh_from_db()
    assert len(notification.verb) == 200
    assert "\n" not in notification.verb


def test_marking_read_with_another_members_ids_changes_nothing(member):
    theirs = NotificationFactory.create_batch(2)
    mine = NotificationFactory(recipient=member)

    assert notifications_mark_read(recipient=member, ids=[n.pk for n in theirs]) == 0
    assert Notification.objects.filter(read_at__isnull=True).count() == 3

    assert notifications_mark_read(recipient=member, ids=[mine.pk, *[n.pk for n in theirs]]) == 1
    assert set(Notification.objects.filter(read_at__isnull=True)) == set(theirs)


def test_marking_all_read_leaves_other_members_alone(member):
    NotificationFactory.create_batch(2, recipient=member)
    other = NotificationFactory()

    assert notifications_mark_read(recipient=member) == 2
    assert notifications_mark_read(recipient=member) == 0  # nothing left: no write at all
    other.refresh_from_db()
    assert other.read_at is None


def test_the_list_is_newest_first_with_the_actor_joined(member, django_assert_num_queries):
    older = NotificationFactory(recipient=member)
    newer = NotificationFactory(recipient=member)
    with django_assert_num_queries(1):
        rows = list(notification_list_for(recipient=member))
        assert [r.actor.public_name for r in rows]
    assert rows == [newer, older]


def test_the_unread_count_is_cached_and_refreshed_by_each_write(
    member, django_assert_num_queries, django_capture_on_commit_callbacks
):
    NotificationFactory.create_batch(2, recipient=member)
    with django_assert_num_queries(1):
        assert unread_count_for(user_id=member.pk) == 2
    with django_assert_num_queries(0):
        assert unread_count_for(user_id=member.pk) == 2

    with django_capture_on_commit_callbacks(execute=True):
        notification_create(recipient=member, kind="x", verb="v", url="/")
    assert unread_count_for(user_id=member.pk) == 3

    with django_capture_on_commit_callbacks(execute=True):
        notifications_mark_read(recipient=member)
    assert unread_count_for(user_id=member.pk) == 0


def test_the_unread_count_stops_counting_past_the_cap(member):
    NotificationFactory.create_batch(UNREAD_COUNT_CAP + 5, recipient=member)
    assert unread_count_for(user_id=member.pk) == UNREAD_COUNT_CAP + 1


def test_erasing_an_account_removes_its_notifications_and_the_ones_naming_it(
    author, recipient, django_capture_on_commit_callbacks
):
    received = NotificationFactory(recipient=author)
    caused = NotificationFactory(recipient=recipient, actor=author)
    unrelated = NotificationFactory(recipient=recipient)
    assert unread_count_for(user_id=recipient.pk) == 2

    with django_capture_on_commit_callbacks(execute=True):
        member_erase(member=author, actor=author)

    assert list(Notification.objects.all()) == [unrelated]
    assert not Notification.objects.filter(pk__in=[received.pk, caused.pk]).exists()
    assert unread_count_for(user_id=recipient.pk) == 1


# --- Groups -------------------------------------------------------------------------------


def test_a_join_request_notifies_each_group_manager_and_nobody_else(
    member, community_manager, request_group, django_capture_on_commit_callbacks
):
    first = _manager_of(request_group, community_manager)
    second = _manager_of(request_group, community_manager)
    other_group = group_create(actor=community_manager, name="Other", slug="other")
    _manager_of(other_group, community_manager)

    with django_capture_on_commit_callbacks(execute=True):
        group_request_create(user=member, group_profile=request_group, message="Let me in")

    notifications = Notification.objects.filter(kind="group_request")
    assert {n.recipient_id for n in notifications} == {first.pk, second.pk}
    notification = notifications.first()
    assert notification.actor == member
    assert notification.verb == f"{member.public_name} asks to join Beta Program"
    assert notification.url == "/groups/beta/#group-requests-title"


def test_asking_again_while_pending_notifies_nobody_twice(
    member, community_manager, request_group, django_capture_on_commit_callbacks
):
    _manager_of(request_group, community_manager)
    with django_capture_on_commit_callbacks(execute=True):
        group_request_create(user=member, group_profile=request_group)
        group_request_create(user=member, group_profile=request_group)

    assert Notification.objects.filter(kind="group_request").count() == 1


@pytest.mark.parametrize(
    ("approve", "outcome"),
    [(True, "was approved: you are now a member"), (False, "was not approved this time")],
)
def test_a_decision_notifies_the_requester(
    member, community_manager, request_group, django_capture_on_commit_callbacks, approve, outcome
):
    manager = _manager_of(request_group, community_manager)
    membership_request, _ = group_request_create(user=member, group_profile=request_group)
    Notification.objects.all().delete()  # the managers' notice of the request

    with django_capture_on_commit_callbacks(execute=True):
        group_request_decide(actor=manager, membership_request=membership_request, approve=approve)

    notification = Notification.objects.get()
    assert notification.recipient == member
    assert notification.actor == manager
    assert notification.kind == "group_request_decided"
    assert notification.verb == f"Your request to join Beta Program {outcome}"
    assert notification.url == "/groups/beta/"


def test_an_accepted_invitation_notifies_the_inviter(
    community_manager, request_group, django_capture_on_commit_callbacks
):
    inviter = _manager_of(request_group, community_manager)
    guest = UserFactory(display_name="Guest Star")
    invitation = group_invite(actor=inviter, group_profile=request_group, email=guest.email)

    with django_capture_on_commit_callbacks(execute=True):
        invitation_accept(user=guest, token=invitation_token_make(invitation=invitation))

    notification = Notification.objects.get()
    assert notification.recipient == inviter
    assert notification.actor == guest
    assert notification.kind == "group_invitation_accepted"
    assert notification.verb == "Guest Star accepted your invitation to join Beta Program"
    assert notification.url == "/groups/beta/#group-members-title"


# --- Pages --------------------------------------------------------------------------------


def test_a_shout_out_through_the_page_lights_up_the_recipients_bell(
    client, author, recipient, django_capture_on_commit_callbacks
):
    client.force_login(author)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/members/{recipient.username}/shout-out/", {"message": "Great help"}
        )
    assert response.status_code == 302

    assert 'aria-label="Notifications"' in _bell(client.get("/").content.decode())
    client.force_login(recipient)
    bell = _bell(client.get("/").content.decode())
    assert 'aria-label="Notifications, 1 unread"' in bell
    assert 'href="/notifications/"' in bell


def test_the_bell_counts_unread_and_clears_after_mark_all_read(
    client_as_member, member, django_capture_on_commit_callbacks
):
    NotificationFactory.create_batch(3, recipient=member)
    NotificationFactory(recipient=member, read_at=timezone.now())

    bell = _bell(client_as_member.get("/").content.decode())
    assert 'aria-label="Notifications, 3 unread"' in bell
    assert '<span class="bell__count" aria-hidden="true">3</span>' in bell

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as_member.post(READ_URL)
    assert response.status_code == 302
    assert response["Location"] == LIST_URL

    bell = _bell(client_as_member.get("/").content.decode())
    assert 'aria-label="Notifications"' in bell
    assert "bell__count" not in bell
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_mark_all_read_over_htmx_returns_the_list_and_the_bell_out_of_band(
    client_as_member, member, django_capture_on_commit_callbacks
):
    NotificationFactory.create_batch(2, recipient=member)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as_member.post(READ_URL, {"page": "1"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="notification-list"' in html
    assert "<html" not in html
    assert "notification--unread" not in html
    bell = _bell(html)
    assert 'hx-swap-oob="true"' in bell
    assert 'aria-label="Notifications"' in bell


def test_a_big_backlog_shows_as_99_plus(client_as_member, member):
    NotificationFactory.create_batch(UNREAD_COUNT_CAP + 1, recipient=member, actor=None)
    bell = _bell(client_as_member.get("/").content.decode())
    assert 'aria-label="Notifications, 99+ unread"' in bell


def test_marking_read_through_the_page_ignores_other_members_ids(
    client_as_member, member, django_capture_on_commit_callbacks
):
    mine = NotificationFactory(recipient=member)
    theirs = NotificationFactory()

    with django_capture_on_commit_callbacks(execute=True):
        client_as_member.post(READ_URL, {"id": [str(theirs.pk), "x", "²", "9" * 40]})

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is None  # ids were given, so this is not "mark all"
    assert theirs.read_at is None


def test_the_read_endpoint_is_post_only(client_as_member, member):
    NotificationFactory(recipient=member)
    assert client_as_member.get(READ_URL).status_code == 405
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_visitors_posting_to_the_read_endpoint_are_sent_to_sign_in(client):
    response = client.post(READ_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/notifications/")


def test_opening_a_notification_marks_it_read_and_follows_its_link(
    client_as_member, member, django_capture_on_commit_callbacks
):
    notification = NotificationFactory(recipient=member, url="/groups/beta/#group-members-title")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as_member.get(_open_url(notification))

    assert response.status_code == 302
    assert response["Location"] == "/groups/beta/#group-members-title"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert unread_count_for(user_id=member.pk) == 0


def test_opening_someone_elses_notification_is_a_404_and_changes_nothing(client_as_member):
    theirs = NotificationFactory()

    assert client_as_member.get(_open_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_stored_link_to_another_site_goes_to_the_list_instead(client_as_member, member):
    # Written around the service (which refuses it), as a bad row or an old bug might be.
    notification = NotificationFactory(recipient=member, url="https://evil.example/")

    response = client_as_member.get(_open_url(notification))

    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_the_list_highlights_unread_and_links_through_the_open_view(client_as_member, member):
    read = NotificationFactory(recipient=member, read_at=timezone.now())
    unread = NotificationFactory(recipient=member)

    html = client_as_member.get(LIST_URL).content.decode()

    assert html.count("notification--unread") == 1
    assert f'href="{_open_url(unread)}"><span class="visually-hidden">Unread: </span>' in html
    assert f'href="{_open_url(read)}">{read.verb}</a>' in html
    assert "Mark all as read" in html


def test_the_list_is_paginated_by_30(client_as_member, member):
    NotificationFactory.create_batch(31, recipient=member, actor=None)

    first = client_as_member.get(LIST_URL).content.decode()
    second = client_as_member.get(LIST_URL, {"page": 2}).content.decode()

    assert first.count('<li class="notification') == 30
    assert second.count('<li class="notification') == 1
    assert "Page 2 of 2" in second


def test_visitors_are_sent_to_sign_in_from_the_list(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_list_page_uses_the_same_queries_for_3_or_30_notifications(client_as_member, member):
    def run() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client_as_member.get(LIST_URL).status_code == 200
        return len(ctx.captured_queries)

    NotificationFactory.create_batch(3, recipient=member)
    run()  # the day's visit and the unread count are written/cached on the first request
    few = run()
    NotificationFactory.create_batch(27, recipient=member)
    cache.clear()  # as a new notification would: the badge counts again
    run()
    assert run() == few
    assert few <= 5  # session, user, page count, page rows (actors joined), nothing per row


def test_visitors_see_no_bell_and_cause_no_notification_queries(client, member):
    NotificationFactory(recipient=member)
    client.get("/")  # the branding snapshot is cached after the first request
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/").content.decode()

    assert _bell(html) is None
    assert "/notifications/" not in html
    assert _table_queries(ctx) == []


def test_a_signed_in_page_reads_the_count_from_the_cache(client_as_member, member):
    NotificationFactory(recipient=member)
    client_as_member.get("/")
    with CaptureQueriesContext(connection) as ctx:
        client_as_member.get("/")
    assert _table_queries(ctx) == []
