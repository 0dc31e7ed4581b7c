import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from community.ratelimit import RateLimited
from members.models import ApprovalStatus, Follow, SupportAct, SupportKind, User
from members.services.follows import FOLLOW_LIMITS, follow_create, follow_delete
from members.services.profiles import profile_update
from tests.members.factories import UserFactory
from tests.members.profiles.helpers import branding_set

pytestmark = pytest.mark.django_db

FOLLOW_RATE_LIMIT = FOLLOW_LIMITS[0].count


@pytest.fixture
def other(db):
    return UserFactory(display_name="Omar Haddad")


def test_follow_create_records_the_follow_and_a_follow_support_act(member, other):
    follow = follow_create(follower=member, followed=other)

    assert Follow.objects.filter(follower=member, followed=other).count() == 1
    act = SupportAct.objects.get()
    assert (act.giver, act.receiver, act.kind) == (member, other, SupportKind.FOLLOW)
    # The act names the followed member, not the Follow row, so it is once per pair.
    assert act.target == other
    assert act.occurred_at == follow.created_at


def test_following_twice_keeps_one_follow_and_one_support_act(member, other):
    first = follow_create(follower=member, followed=other)
    second = follow_create(follower=member, followed=other)

    assert first.pk == second.pk
    assert Follow.objects.count() == 1
    assert SupportAct.objects.count() == 1


def test_following_yourself_is_refused_with_a_clear_message(member):
    with pytest.raises(ValidationError, match="can't follow yourself"):
        follow_create(follower=member, followed=member)

    assert not Follow.objects.exists()


@pytest.mark.parametrize(
    "state",
    [{"approval_status": ApprovalStatus.PENDING}, {"is_active": False}],
    ids=["pending", "inactive"],
)
def test_accounts_that_are_not_members_can_not_follow(other, state):
    outsider = UserFactory()
    User.objects.filter(pk=outsider.pk).update(**state)
    outsider.refresh_from_db()

    with pytest.raises(PermissionDenied):
        follow_create(follower=outsider, followed=other)

    assert not Follow.objects.exists()


def test_following_an_account_that_is_not_a_member_is_refused(member):
    pending = UserFactory()
    User.objects.filter(pk=pending.pk).update(approval_status=ApprovalStatus.PENDING)
    pending.refresh_from_db()

    with pytest.raises(ValidationError):
        follow_create(follower=member, followed=pending)


def test_unfollow_removes_the_follow_but_keeps_the_support_act_as_history(member, other):
    follow_create(follower=member, followed=other)

    assert follow_delete(follower=member, followed=other) is True
    assert follow_delete(follower=member, followed=other) is False

    assert not Follow.objects.exists()
    assert SupportAct.objects.filter(kind=SupportKind.FOLLOW).count() == 1


def test_follow_unfollow_cycles_record_one_follow_support_act_for_ever(member, other):
    first = follow_create(follower=member, followed=other)
    for _ in range(5):
        follow_delete(follower=member, followed=other)
        follow_create(follower=member, followed=other)

    act = SupportAct.objects.get(kind=SupportKind.FOLLOW)
    assert (act.giver, act.receiver) == (member, other)
    assert act.occurred_at == first.created_at  # the first follow, not the latest
    assert Follow.objects.filter(follower=member, followed=other).count() == 1


def test_follows_beyond_the_hourly_limit_are_refused_with_a_clear_message(member):
    people = UserFactory.create_batch(FOLLOW_RATE_LIMIT + 1)
    for person in people[:FOLLOW_RATE_LIMIT]:
        follow_create(follower=member, followed=person)

    with pytest.raises(RateLimited, match="60 follows an hour") as excinfo:
        follow_create(follower=member, followed=people[-1])

    assert 0 < excinfo.value.retry_after <= 3600

    assert Follow.objects.filter(follower=member).count() == FOLLOW_RATE_LIMIT
    # Re-following someone already followed costs nothing and still works.
    assert follow_create(follower=member, followed=people[0])


def test_follow_button_posts_without_javascript_and_redirects_back(client_as_member, other):
    response = client_as_member.post(f"/members/{other.username}/follow/", {"action": "follow"})

    assert response.status_code == 302
    assert response["Location"] == f"/members/{other.username}/"
    page = client_as_member.get(response["Location"]).content.decode()
    assert "You now follow Omar Haddad." in page
    assert "Following · Unfollow" in page
    assert "<strong>1</strong> follower" in page


def test_follow_button_with_htmx_returns_only_the_updated_panel(client_as_member, member, other):
    response = client_as_member.post(
        f"/members/{other.username}/follow/", {"action": "follow"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="follow-panel"' in html
    assert "<html" not in html
    assert "Following · Unfollow" in html
    assert Follow.objects.filter(follower=member, followed=other).exists()

    response = client_as_member.post(
        f"/members/{other.username}/follow/", {"action": "unfollow"}, HTTP_HX_REQUEST="true"
    )
    assert ">Follow</button>" in response.content.decode()
    assert not Follow.objects.exists()


def test_following_yourself_through_the_page_shows_the_message_and_changes_nothing(
    client_as_member, member
):
    response = client_as_member.post(f"/members/{member.username}/follow/", {"action": "follow"})

    assert response.status_code == 302
    assert "You can&#x27;t follow yourself." in client_as_member.get("/").content.decode()
    assert not Follow.objects.exists()


def _use_up_follow_allowance(member) -> User:
    """Follow as many members as the hourly limit allows; returns one more to try."""
    people = UserFactory.create_batch(FOLLOW_RATE_LIMIT + 1)
    for person in people[:FOLLOW_RATE_LIMIT]:
        follow_create(follower=member, followed=person)
    return people[-1]


def test_rate_limited_follow_through_htmx_answers_429_with_the_message_in_the_panel(
    client_as_member, member
):
    one_more = _use_up_follow_allowance(member)

    response = client_as_member.post(
        f"/members/{one_more.username}/follow/", {"action": "follow"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert 'id="follow-panel"' in html and "<html" not in html
    assert "You have reached the limit of 60 follows an hour." in html
    assert not Follow.objects.filter(followed=one_more).exists()


def test_rate_limited_plain_follow_answers_429_with_the_message_on_the_profile(
    client_as_member, member
):
    one_more = _use_up_follow_allowance(member)

    response = client_as_member.post(
        f"/members/{one_more.username}/follow/", {"action": "follow", "next": "/"}
    )

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "You have reached the limit of 60 follows an hour." in response.content.decode()
    assert not Follow.objects.filter(followed=one_more).exists()


def test_follow_endpoint_refuses_get_and_sends_visitors_to_sign_in(client, other):
    assert client.get(f"/members/{other.username}/follow/").status_code in (302, 405)
    response = client.post(f"/members/{other.username}/follow/", {"action": "follow"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Follow.objects.exists()


def test_signed_out_follow_comes_back_to_the_profile_after_signing_in(client, other):
    response = client.post(f"/members/{other.username}/follow/", {"action": "follow"})

    # Not next=/members/<name>/follow/: after signing in that GET would be a 405.
    assert response["Location"] == f"/accounts/login/?next=/members/{other.username}/"


def test_plain_follow_returns_to_a_local_next_url(client_as_member, member, other):
    response = client_as_member.post(
        f"/members/{other.username}/follow/", {"action": "follow", "next": "/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert Follow.objects.filter(follower=member, followed=other).exists()
    assert "You now follow Omar Haddad." in client_as_member.get("/").content.decode()


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "https:///evil.example", "javascript:alert(1)"],
)
def test_follow_ignores_a_next_url_off_this_site(client_as_member, other, next_url):
    response = client_as_member.post(
        f"/members/{other.username}/follow/", {"action": "unfollow", "next": next_url}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/members/{other.username}/"


def test_following_a_hidden_account_through_the_page_is_not_found(client_as_member):
    pending = UserFactory()
    User.objects.filter(pk=pending.pk).update(approval_status=ApprovalStatus.PENDING)

    response = client_as_member.post(f"/members/{pending.username}/follow/", {"action": "follow"})

    assert response.status_code == 404
    assert not Follow.objects.exists()


def test_follower_and_following_lists_show_listed_members_newest_first(client_as_member, other):
    fans = UserFactory.create_batch(3)
    for fan in fans:
        follow_create(follower=fan, followed=other)
    User.objects.filter(pk=fans[1].pk).update(approval_status=ApprovalStatus.PENDING)
    follow_create(follower=other, followed=fans[0])

    followers = client_as_member.get(f"/members/{other.username}/followers/")
    following = client_as_member.get(f"/members/{other.username}/following/")

    names = [card.user.username for card in followers.context["cards"]]
    assert names == [fans[2].username, fans[0].username]
    assert [card.user for card in following.context["cards"]] == [fans[0]]
    assert "People who follow Omar Haddad" in followers.content.decode()


def test_follower_list_respects_field_visibility_on_each_card(client, other):
    fan = UserFactory()
    profile_update(
        user=fan,
        actor=fan,
        company="Hiddenco",
        headline="Shown headline",
        company_visibility="members",
    )
    follow_create(follower=fan, followed=other)
    branding_set(directory_public=True)

    page = client.get(f"/members/{other.username}/followers/").content.decode()

    assert "Shown headline" in page
    assert "Hiddenco" not in page


def test_follower_lists_follow_the_directory_rule_for_visitors(client, other):
    response = client.get(f"/members/{other.username}/followers/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

    branding_set(directory_public=True)
    assert client.get(f"/members/{other.username}/followers/").status_code == 200


def test_follower_list_query_count_does_not_grow_with_followers(client_as_member, other):
    client_as_member.get("/")  # the day's visit is recorded on the first request

    def run() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client_as_member.get(f"/members/{other.username}/followers/").status_code == 200
        return len(ctx.captured_queries)

    for fan in UserFactory.create_batch(3):
        follow_create(follower=fan, followed=other)
        profile_update(user=fan, actor=fan, expertise=["Alpha", "Beta"])
    run()  # warm the member's cached permission to browse members
    few = run()
    for fan in UserFactory.create_batch(30):
        follow_create(follower=fan, followed=other)
        profile_update(user=fan, actor=fan, expertise=["Alpha", "Gamma"])
    assert run() == few


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_follow_makes_one_follow_and_no_server_error(migration_data):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writes and hides the race; CI runs this on PostgreSQL")
    follower, followed = UserFactory(), UserFactory()
    barrier = threading.Barrier(2)

    def follow(_):
        client = Client(raise_request_exception=False)
        client.force_login(follower)
        barrier.wait()  # both requests reach the view together
        try:
            return client.post(
                f"/members/{followed.username}/follow/", {"action": "follow"}
            ).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        codes = list(pool.map(follow, range(2)))

    assert Follow.objects.filter(follower=follower, followed=followed).count() == 1
    assert SupportAct.objects.filter(giver=follower, kind=SupportKind.FOLLOW).count() == 1
    assert 500 not in codes
