"""The home page shows the community alive: the latest topics and those waiting for a first
reply that the viewer may see, pinned topics in the featured area, and a member's groups;
all in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from forums.models import ReactionKind, Topic
from forums.services.categories import category_access_grant
from forums.services.reactions import reaction_add
from forums.services.topics import topic_create
from members import roles
from members.models import JoinPolicy
from members.services.groups import group_create, group_leave, group_member_add
from tests.forums.factories import CategoryFactory, TopicFactory
from tests.members.factories import UserFactory
from tests.query_counts import session_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def carmen(db):
    return UserFactory(username="carmen", roles=[roles.COMMUNITY_MANAGERS])


def _created(topic: Topic, at) -> Topic:
    Topic.objects.filter(pk=topic.pk).update(created_at=at)  # auto_now_add ignores a value
    topic.created_at = at
    return topic


@pytest.fixture
def forum(carmen):
    """A public category, a members-only one, and a private one opened to the Beta Program
    group, each with a topic; a pinned public topic."""
    public = CategoryFactory(name="Product Q&A", slug="product-qa")
    lounge = CategoryFactory(members=True, name="Members lounge", slug="lounge")
    private = CategoryFactory(private=True, name="Beta corner", slug="beta-corner")
    beta = group_create(
        actor=carmen, name="Beta Program", slug="beta-program", join_policy=JoinPolicy.OPEN
    )
    category_access_grant(category=private, group=beta.group)
    now = timezone.now()
    return {
        "beta": beta,
        "public": TopicFactory(category=public, title="How do I export to CSV?", reply_count=2),
        "lounge": TopicFactory(category=lounge, title="Weekend plans thread", reply_count=1),
        "private": TopicFactory(
            category=private, title="Build 42 freezes on long lists", reply_count=1
        ),
        "pinned": TopicFactory(category=public, title="Read this first", pinned=True),
        "waiting": _created(
            TopicFactory(category=public, title="Can I restrict sharing to one group?"),
            now - timedelta(hours=3),
        ),
        "old_waiting": _created(
            TopicFactory(category=public, title="A question from last year"),
            now - timedelta(days=200),
        ),
        "hidden": TopicFactory(category=public, title="Buy cheap watches", hidden=True),
    }


@pytest.fixture
def beta_member(forum, carmen):
    member = UserFactory(username="maya", display_name="Maya Patel")
    group_member_add(actor=carmen, group_profile=forum["beta"], user=member)
    return member


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, title_id: str) -> str:
    start = html.index(f'id="{title_id}"')
    return html[start : html.index("</section>", start)]


def test_a_visitor_sees_recent_public_topics_and_not_members_only_or_private_ones(client, forum):
    recent = _section(_home(client), "recent-title")

    assert "How do I export to CSV?" in recent
    assert forum["public"].get_absolute_url() in recent
    assert "Weekend plans thread" not in recent
    assert "Build 42 freezes" not in recent
    assert "Buy cheap watches" not in recent


def test_a_beta_member_sees_the_private_topic_and_a_member_outside_the_group_does_not(
    client, forum, beta_member
):
    client.force_login(beta_member)
    recent = _section(_home(client), "recent-title")
    assert "Build 42 freezes on long lists" in recent
    assert "Weekend plans thread" in recent

    client.force_login(UserFactory())
    recent = _section(_home(client), "recent-title")
    assert "Weekend plans thread" in recent
    assert "Build 42 freezes" not in recent


def test_leaving_the_group_takes_the_private_topic_off_the_home_page_at_once(
    client, forum, beta_member
):
    client.force_login(beta_member)
    assert "Build 42 freezes" in _home(client)

    group_leave(user=beta_member, group_profile=forum["beta"])

    assert "Build 42 freezes" not in _home(client)


def test_waiting_for_a_first_reply_lists_only_recent_topics_without_replies(client, forum):
    waiting = _section(_home(client), "awaiting-title")

    assert "Can I restrict sharing to one group?" in waiting
    assert "How do I export to CSV?" not in waiting  # has replies
    assert "A question from last year" not in waiting  # too old to be news
    assert "Buy cheap watches" not in waiting
    assert 'href="/forums/unanswered/"' in waiting


def test_pinned_topics_are_featured_and_not_repeated_in_the_latest_list(client, forum):
    html = _home(client)

    featured = _section(html, "featured-title")
    assert "Read this first" in featured and "Pinned topic" in featured
    assert "Read this first" not in _section(html, "recent-title")


def test_the_featured_area_is_left_out_when_there_is_nothing_to_feature(client, forum):
    forum["pinned"].delete()

    assert 'id="featured-title"' not in _home(client)


def test_a_member_sees_their_groups_and_a_visitor_sees_no_groups_panel(client, forum, beta_member):
    assert 'id="groups-title"' not in _home(client)

    client.force_login(beta_member)
    groups = _section(_home(client), "groups-title")
    assert "Beta Program" in groups
    assert 'href="/groups/beta-program/"' in groups


def test_a_member_without_groups_is_pointed_to_the_group_list(client_as_member):
    groups = _section(_home(client_as_member), "groups-title")

    assert "You have not joined a group yet." in groups
    assert 'href="/groups/"' in groups


def test_the_home_page_keeps_the_welcome_and_the_supporters_panel(client, forum, beta_member):
    client.force_login(beta_member)
    html = _home(client)

    assert "People who supported you lately" in html
    assert 'class="hero' in html


def test_the_home_page_query_count_is_bounded_for_a_visitor_and_a_beta_member(
    forum, beta_member, carmen, django_assert_max_num_queries
):
    other = group_create(actor=carmen, name="Customer advisory board", slug="cab")
    group_member_add(actor=carmen, group_profile=other, user=beta_member)
    visitor, member = Client(), Client()
    member.force_login(beta_member)
    for client in (visitor, member):
        client.get("/")  # branding, reach and the day's visit are settled by the first request
    earlier = timezone.now() - timedelta(days=1)
    for _ in range(20):  # more rows cost no more queries
        TopicFactory(category=forum["public"].category, last_post_at=earlier)
        TopicFactory(category=forum["private"].category, reply_count=3, last_post_at=earlier)

    # The topics changed: the pages are made again. The version (the newest topic change),
    # latest, waiting, pinned, the library's featured collections.
    with django_assert_max_num_queries(5):
        html = _home(visitor)
    assert "Build 42 freezes" not in html
    # The member, the version, latest, waiting, pinned, supporters (one or two), groups,
    # the library's featured collections.
    with django_assert_max_num_queries(9):
        html = _home(member)
    assert "Build 42 freezes on long lists" in html and "Customer advisory board" in html
    # Shared pages kept: the version alone for a visitor.
    with django_assert_max_num_queries(1):
        again = _home(visitor)
    assert "Build 42 freezes" not in again and "Latest conversations" in again
    # The member's row and the version: their own parts are kept for them too.
    with django_assert_max_num_queries(2 + session_queries()):
        html = _home(member)
    assert "Build 42 freezes on long lists" in html and "Customer advisory board" in html


@pytest.mark.parametrize("first", ["visitor", "maya", "omar"])
def test_each_viewer_gets_their_own_home_whoever_filled_the_shared_page(forum, beta_member, first):
    """maya and omar see the same forum categories but for Beta corner: the shared page is
    kept per kind of viewer, and each gets their own greeting and groups."""
    omar = UserFactory(username="omar", display_name="Omar Haddad")
    clients = {"visitor": Client(), "maya": Client(), "omar": Client()}
    clients["maya"].force_login(beta_member)
    clients["omar"].force_login(omar)
    _home(clients[first])

    maya, omar_page, visitor = (_home(clients[name]) for name in ("maya", "omar", "visitor"))
    assert "Welcome back, Maya Patel." in maya and "Omar" not in maya
    assert "Welcome back, Omar Haddad." in omar_page and "Maya Patel" not in omar_page
    assert "Beta Program" in _section(maya, "groups-title")
    assert "You have not joined a group yet." in _section(omar_page, "groups-title")
    assert "Build 42 freezes" in maya and "Build 42 freezes" not in omar_page
    assert "Welcome back" not in visitor and "Join the community" in visitor
    assert 'id="groups-title"' not in visitor and "Weekend plans thread" not in visitor


def test_a_new_supporter_shows_at_once_and_leaves_once_supported_back(forum, beta_member):
    """The member's supporters are kept with their home page until they give or receive
    support (a reaction here, through the forum's service)."""
    omar = UserFactory(username="omar", display_name="Omar Haddad")
    maya_client = Client()
    maya_client.force_login(beta_member)
    topic = topic_create(
        category=forum["public"].category, author=beta_member, title="Dark mode?", body="Please"
    )
    omars = topic_create(
        category=forum["public"].category, author=omar, title="Exports", body="CSV or XLSX?"
    )
    assert "Omar Haddad" not in _section(_home(maya_client), "supporters-title")

    reaction_add(post=topic.posts.get(), user=omar, kind=ReactionKind.THANKS)

    assert "Omar Haddad" in _section(_home(maya_client), "supporters-title")

    reaction_add(post=omars.posts.get(), user=beta_member, kind=ReactionKind.THANKS)

    assert "Omar Haddad" not in _section(_home(maya_client), "supporters-title")


def test_joining_a_group_shows_in_your_groups_at_once(client, forum, carmen):
    member = UserFactory()
    client.force_login(member)
    assert "You have not joined a group yet." in _section(_home(client), "groups-title")

    group_member_add(actor=carmen, group_profile=forum["beta"], user=member)

    groups = _section(_home(client), "groups-title")
    assert "Beta Program" in groups
    assert "Build 42 freezes" in _home(client)
