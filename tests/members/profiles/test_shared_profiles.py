"""Profile pages are rendered once per member version and kind of viewer and shared
(members.page_cache), with the follow panel and the local time filled in per request. Whoever
filled the cache, each viewer sees only what they may see, and a change made by a service
shows on the next request."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client

from community.page_cache.splice import marker
from forums.services.topics import topic_create
from members.models import GroupProfile, GroupVisibility, TrustLevel, User, Visibility
from members.services.data import member_erase
from members.services.follows import follow_create
from members.services.profiles import profile_update
from members.services.reciprocity import shout_out_create
from members.services.trust import trust_level_change_record
from tests.forums.factories import CategoryFactory, private_category_for
from tests.members.factories import UserFactory
from tests.members.profiles.helpers import MARKERS, SEES, VIEWERS, client_for, filled_member

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _page(client: Client, owner: User) -> str:
    response = client.get(f"/members/{owner.username}/")
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert marker() not in html  # every hole filled
    return html


@pytest.mark.parametrize("first", VIEWERS)
@pytest.mark.parametrize("level", [Visibility.MEMBERS, Visibility.PRIVATE])
def test_fields_reach_only_the_viewers_who_may_see_them_whoever_filled_the_page(first, level):
    owner = filled_member(level=level)
    clients = {viewer: client_for(viewer, owner=owner) for viewer in VIEWERS}

    _page(clients[first], owner)
    for viewer in VIEWERS:
        page = _page(clients[viewer], owner)
        for field in ("bio", "company", "links", "last_seen"):
            shown = MARKERS[field] in page
            assert shown == (viewer in SEES[level]), f"{field} at {level} seen by {viewer}"


def test_each_viewer_gets_their_own_follow_button_and_the_counts_move_at_once():
    owner = UserFactory()
    fan, other = UserFactory(), UserFactory()
    follow_create(follower=fan, followed=owner)

    fan_page = _page(_client(fan), owner)
    other_page = _page(_client(other), owner)
    visitor_page = _page(Client(), owner)

    assert "Following · Unfollow" in fan_page
    assert "Following · Unfollow" not in other_page and ">Follow</button>" in other_page
    assert (
        "Sign in to follow" in visitor_page
        and "<form" not in visitor_page.split('id="follow-panel"')[1].split("</div>")[0]
    )
    for page in (fan_page, other_page, visitor_page):
        assert "<strong>1</strong> follower" in page

    follow_create(follower=other, followed=owner)

    assert "<strong>2</strong> followers" in _page(Client(), owner)
    assert "Following · Unfollow" in _page(_client(other), owner)


def test_a_members_own_profile_is_theirs_alone():
    owner = filled_member(level=Visibility.PRIVATE)
    member = UserFactory()

    own = _page(_client(owner), owner)
    seen = _page(_client(member), owner)

    edit_button = 'button--small" href="/members/me/edit/">Edit profile</a>'
    assert MARKERS["company"] in own and edit_button in own
    assert MARKERS["company"] not in seen and edit_button not in seen


def test_the_local_time_is_the_time_now_not_when_the_page_was_kept():
    owner = filled_member(level=Visibility.PUBLIC)
    _page(Client(), owner)

    page = _page(Client(), owner)

    assert re.search(r"\(local time \d\d:\d\d\)", page)


def test_a_hidden_groups_members_see_it_on_a_profile_and_nobody_else_whoever_came_first():
    owner, insider, outsider = UserFactory(), UserFactory(), UserFactory()
    group = Group.objects.create(name="Advisory Board")
    GroupProfile.objects.create(
        group=group, slug="advisory-board", visibility=GroupVisibility.HIDDEN
    )
    owner.groups.add(group)
    insider.groups.add(group)

    assert "Advisory Board" not in _page(_client(outsider), owner)
    assert "Advisory Board" in _page(_client(insider), owner)
    assert "Advisory Board" not in _page(_client(outsider), owner)
    assert "Advisory Board" not in _page(Client(), owner)


def test_a_private_categorys_topic_shows_on_a_profile_only_to_those_who_may_see_it():
    owner, insider, outsider = UserFactory(), UserFactory(), UserFactory()
    beta = private_category_for(owner, insider, name="Beta Program")
    topic_create(category=CategoryFactory(), author=owner, title="Refund timing", body="How?")
    cache.clear()  # the posting limit: one post every 5 seconds

    assert "Roadmap leak" not in _page(_client(outsider), owner)  # before it exists
    topic_create(category=beta, author=owner, title="Roadmap leak", body="Q3 plans")

    assert "Roadmap leak" in _page(_client(insider), owner)
    assert "Roadmap leak" not in _page(_client(outsider), owner)
    assert "Roadmap leak" not in _page(Client(), owner)
    assert "Refund timing" in _page(Client(), owner)


def test_a_profile_edit_shows_on_the_next_request():
    owner = filled_member(level=Visibility.PUBLIC)
    member = UserFactory()
    _page(_client(member), owner)
    _page(Client(), owner)

    profile_update(user=owner, actor=owner, headline="Now a Zqxnewheadline")

    assert "Zqxnewheadline" in _page(_client(member), owner)
    assert "Zqxnewheadline" in _page(Client(), owner)


def test_a_visibility_change_shows_on_the_next_request():
    owner = filled_member(level=Visibility.PUBLIC)
    assert MARKERS["bio"] in _page(Client(), owner)

    profile_update(user=owner, actor=owner, bio_visibility=Visibility.MEMBERS)

    assert MARKERS["bio"] not in _page(Client(), owner)
    assert MARKERS["bio"] in _page(_client(UserFactory()), owner)


def test_a_trust_level_set_by_a_manager_shows_on_the_next_request():
    owner = UserFactory(trust_level=TrustLevel.NEW)
    assert "Leader" not in _page(Client(), owner)

    User.objects.filter(pk=owner.pk).update(trust_level=TrustLevel.LEADER)  # the admin's save
    owner.refresh_from_db()
    trust_level_change_record(user=owner, from_level=TrustLevel.NEW, actor=None)

    assert "Leader" in _page(Client(), owner)


def test_a_shout_out_shows_on_the_next_request():
    owner, fan = UserFactory(), UserFactory()
    assert "No shout-outs yet." in _page(Client(), owner)

    shout_out_create(author=fan, recipient=owner, message="Zqx knows billing inside out")

    assert "Zqx knows billing inside out" in _page(Client(), owner)


def test_an_erased_member_is_a_former_member_at_once():
    owner = filled_member(level=Visibility.PUBLIC, display_name="Maya Patel")
    member = UserFactory()
    _page(Client(), owner)
    _page(_client(member), owner)
    old_url = f"/members/{owner.username}/"

    member_erase(member=owner, actor=owner)

    assert Client().get(old_url).status_code == 404
    assert _client(member).get(old_url).status_code == 404
    owner.refresh_from_db()
    page = _page(Client(), owner)
    assert "Former member" in page and "Maya Patel" not in page
    assert MARKERS["headline"] not in page


def test_a_shared_profile_costs_a_visitor_one_query_and_a_member_a_few(
    django_assert_max_num_queries,
):
    owner = filled_member(level=Visibility.PUBLIC)
    member = _client(UserFactory())
    _page(Client(), owner)
    _page(member, owner)  # the day's visit is recorded on the first request
    _page(_client(UserFactory()), owner)

    with django_assert_max_num_queries(1):  # the topics' version (the forum activity)
        _page(Client(), owner)
    # + their session and account, and whether they follow the member
    with django_assert_max_num_queries(4):
        _page(member, owner)
