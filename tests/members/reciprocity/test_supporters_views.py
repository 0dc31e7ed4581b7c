from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.models import ApprovalStatus, Follow, Profile, SupportKind
from tests.members.factories import UserFactory
from tests.members.reciprocity.conftest import act

pytestmark = pytest.mark.django_db


def _recently(days=1):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def helper():
    return UserFactory(username="hal", display_name="Hal Jordan")


def test_home_shows_a_member_who_supported_them_with_ways_to_return_it(
    client_as_member, member, helper
):
    act(helper, member, SupportKind.REPLY, _recently(3))
    act(helper, member, SupportKind.REACTION, _recently(2))
    act(helper, member, SupportKind.REACTION, _recently(1))

    html = client_as_member.get("/").content.decode()

    assert "People who supported you lately" in html
    assert "Hal Jordan" in html
    assert "Replied" in html and "Reacted to a post ×2" in html
    assert 'action="/members/hal/follow/"' in html
    assert 'href="/members/hal/shout-out/"' in html
    assert 'href="/members/hal/"' in html
    assert 'href="/members/me/supporters/"' in html


def test_home_leaves_out_people_the_member_already_supported_back(client_as_member, member, helper):
    act(helper, member, SupportKind.REPLY, _recently(3))
    act(member, helper, SupportKind.SHOUT_OUT, _recently(1))

    html = client_as_member.get("/").content.decode()

    assert "People who supported you lately" in html
    assert "Hal Jordan" not in html


def test_home_shows_following_instead_of_a_follow_button_when_already_following(
    client_as_member, member, helper
):
    act(helper, member, SupportKind.REPLY, _recently(3))
    Follow.objects.create(follower=member, followed=helper, created_at=_recently(10))

    html = client_as_member.get("/").content.decode()

    assert "Following" in html
    assert 'action="/members/hal/follow/"' not in html


def test_home_panel_is_not_shown_to_visitors(client, member, helper):
    act(helper, member, SupportKind.REPLY, _recently(3))

    html = client.get("/").content.decode()

    assert "People who supported you lately" not in html
    assert "Hal Jordan" not in html


def test_home_panel_is_not_shown_to_an_account_waiting_for_approval(client, helper):
    pending = UserFactory(approval_status=ApprovalStatus.PENDING)
    act(helper, pending, SupportKind.REPLY, _recently(3))
    client.force_login(pending)

    assert "People who supported you lately" not in client.get("/").content.decode()


def test_home_panel_invites_action_when_nobody_supported_the_member_yet(client_as_member):
    html = client_as_member.get("/").content.decode()

    assert "When someone replies to you" in html


def test_home_panel_shows_at_most_five_people(client_as_member, member):
    for _ in range(8):
        act(UserFactory(), member, SupportKind.REACTION, _recently())

    html = client_as_member.get("/").content.decode()

    assert html.count('class="supporter"') == 5


def _count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["/", "/members/me/supporters/"])
def test_supporter_pages_use_the_same_queries_for_3_or_30_supporters(
    client_as_member, member, path
):
    for _ in range(3):
        act(UserFactory(), member, SupportKind.REACTION, _recently())
    _count_queries(client_as_member, path)  # warm branding and session caches
    few = _count_queries(client_as_member, path)
    for _ in range(27):
        act(UserFactory(), member, SupportKind.REPLY, _recently(2))

    assert _count_queries(client_as_member, path) == few


def test_supporters_page_lists_everyone_with_whether_the_favour_was_returned(
    client_as_member, member, helper
):
    other = UserFactory(display_name="Olga Other")
    act(helper, member, SupportKind.REPLY, _recently(5))
    act(member, helper, SupportKind.REACTION, _recently(4))
    act(other, member, SupportKind.SHOUT_OUT, _recently(1))
    act(UserFactory(display_name="Old Friend"), member, SupportKind.REPLY, _recently(120))

    html = client_as_member.get("/members/me/supporters/").content.decode()

    assert "Hal Jordan" in html and "Olga Other" in html
    assert "Old Friend" not in html
    assert "You returned the favour" in html
    assert "Not returned yet" in html
    assert "you supported them 1 time" in html


def test_supporters_page_is_paginated(client_as_member, member):
    for _ in range(51):
        act(UserFactory(), member, SupportKind.REACTION, _recently())

    first = client_as_member.get("/members/me/supporters/").content.decode()
    second = client_as_member.get("/members/me/supporters/?page=2").content.decode()
    junk = client_as_member.get("/members/me/supporters/?page=abc")

    assert first.count('class="supporter"') == 50
    assert "Page 1 of 2" in first
    assert second.count('class="supporter"') == 1
    assert junk.status_code == 200


def test_supporters_page_needs_a_community_member(client):
    assert client.get("/members/me/supporters/")["Location"].startswith("/accounts/login/")
    client.force_login(UserFactory(approval_status=ApprovalStatus.PENDING))
    assert client.get("/members/me/supporters/").status_code == 403


def test_supporters_page_shows_only_the_signed_in_members_own_supporters(
    client_as_member, member, helper
):
    stranger = UserFactory()
    act(helper, stranger, SupportKind.REPLY, _recently())

    html = client_as_member.get("/members/me/supporters/").content.decode()

    assert "Hal Jordan" not in html
    assert "Nobody yet" in html


def test_following_back_from_the_panel_returns_the_favour_and_clears_the_panel(
    client_as_member, member, helper
):
    act(helper, member, SupportKind.REPLY, _recently(3))

    response = client_as_member.post("/members/hal/follow/", {"action": "follow"})
    client_as_member.get(response["Location"])  # shows "You now follow …"
    html = client_as_member.get("/").content.decode()

    assert response.status_code == 302
    assert Follow.objects.filter(follower=member, followed=helper).exists()
    assert "People who supported you lately" in html
    assert "Hal Jordan" not in html  # the follow is a support act: favour returned


@pytest.mark.parametrize("path", ["/", "/members/me/supporters/"])
def test_supporters_show_the_shared_avatar_with_an_uploaded_photo_or_initials(
    client_as_member, member, helper, path
):
    with_photo = UserFactory(username="ada", display_name="Ada Lovelace")
    Profile.objects.create(user=with_photo, avatar="avatars/ada.png")
    act(with_photo, member, SupportKind.REPLY, _recently(2))
    act(helper, member, SupportKind.REPLY, _recently(1))

    html = client_as_member.get(path).content.decode()

    assert '<img class="avatar avatar--sm" src="/media/avatars/ada.png"' in html
    assert '<span class="avatar avatar--sm avatar--c' in html and ">HJ</span>" in html
    assert 'class="initials"' not in html


def test_supporter_photos_cost_no_extra_query_per_person(client_as_member, member):
    def supporter():
        person = UserFactory()
        Profile.objects.create(user=person, avatar=f"avatars/{person.username}.png")
        act(person, member, SupportKind.REACTION, _recently())

    for _ in range(3):
        supporter()
    _count_queries(client_as_member, "/")  # warm branding and session caches
    few = _count_queries(client_as_member, "/")
    for _ in range(2):
        supporter()

    assert _count_queries(client_as_member, "/") == few


@pytest.mark.parametrize("path", ["/", "/members/me/supporters/?page=1"])
def test_follow_from_a_supporters_row_asks_to_come_back_to_the_same_page(
    client_as_member, member, helper, path
):
    act(helper, member, SupportKind.REPLY, _recently(3))

    html = client_as_member.get(path).content.decode()

    assert f'<input type="hidden" name="next" value="{path}">' in html


def test_following_back_from_the_home_panel_comes_back_to_the_home_page(
    client_as_member, member, helper
):
    act(helper, member, SupportKind.REPLY, _recently(3))
    assert (
        '<input type="hidden" name="next" value="/">' in client_as_member.get("/").content.decode()
    )

    response = client_as_member.post("/members/hal/follow/", {"action": "follow", "next": "/"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert Follow.objects.filter(follower=member, followed=helper).exists()
    assert "You now follow Hal Jordan." in client_as_member.get("/").content.decode()
