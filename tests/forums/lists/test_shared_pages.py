"""Topic list pages are rendered once and shared between viewers of the same kind
(forums.page_cache.lists). Whoever filled the cache, each viewer sees only the topics they
may see, their own name, watch menu, buttons and header links, and a change made by a
service shows on every list at once."""

import pytest
from django.test import Client
from guardian.shortcuts import assign_perm

from forums.models import Tag, WatchLevel
from forums.page_cache.splice import marker
from forums.selectors.lists import TOPICS_PER_PAGE
from forums.services.moderation import member_suspend, post_hide, topic_move
from forums.services.posts import post_create
from forums.services.tags import topic_tags_set
from forums.services.topics import topic_create
from forums.services.watching import watch_set
from members import roles
from members.models import TrustLevel
from tests.forums.factories import CategoryFactory, private_category_for
from tests.members.factories import UserFactory
from tests.query_counts import session_queries

pytestmark = pytest.mark.django_db

LATEST = "/forums/latest/"


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _page(user, path: str) -> str:
    response = _client(user).get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert marker() not in html  # every hole filled
    return html


@pytest.fixture
def scene():
    ann, bob = (UserFactory(trust_level=TrustLevel.MEMBER) for _ in range(2))
    insider = UserFactory(trust_level=TrustLevel.MEMBER)
    public = CategoryFactory(name="Billing")
    beta = private_category_for(insider, name="Beta Program")
    opened = topic_create(category=public, author=ann, title="Refund timing", body="How long?")
    secret = topic_create(category=beta, author=insider, title="Roadmap leak", body="Q3 plans")
    return {
        "ann": ann,
        "bob": bob,
        "insider": insider,
        "public": public,
        "beta": beta,
        "opened": opened,
        "secret": secret,
    }


@pytest.mark.parametrize("first", [None, "bob", "insider"])
def test_a_private_topic_reaches_only_those_who_may_see_it_whoever_filled_the_cache(scene, first):
    _page(scene.get(first), LATEST)
    assert "Roadmap leak" in _page(scene["insider"], LATEST)
    assert "Roadmap leak" not in _page(scene["bob"], LATEST)
    assert "Roadmap leak" not in _page(None, LATEST)
    assert "Refund timing" in _page(None, LATEST)


def test_each_member_gets_their_own_account_corner_and_header_links(scene):
    evan = UserFactory(roles=[roles.EXECUTIVES])
    ann = scene["ann"]
    ann_page = _page(ann, LATEST)  # ann fills the members' shared page
    bob_page = _page(scene["bob"], LATEST)
    evan_page = _page(evan, LATEST)
    visitor_page = _page(None, LATEST)

    assert ann.public_name in ann_page
    assert ann.public_name in bob_page  # as the author of her topic, on its row
    assert f'<summary id="whoami">{scene["bob"].public_name}</summary>' in bob_page
    assert f'<summary id="whoami">{ann.public_name}</summary>' not in bob_page
    assert 'id="whoami"' not in visitor_page and "Sign in" in visitor_page
    assert ">Dashboard</a>" in evan_page
    assert ">Dashboard</a>" not in bob_page and ">Dashboard</a>" not in visitor_page


def test_a_moderator_sees_a_hidden_topic_that_members_do_not(scene):
    moderator = UserFactory(roles=[roles.MODERATORS])
    path = scene["public"].get_absolute_url()
    _page(scene["bob"], path)
    post_hide(post=scene["opened"].posts.get(), actor=moderator, reason="Spam")

    assert "Refund timing" not in _page(scene["bob"], path)
    assert "Refund timing" not in _page(None, path)
    moderator_page = _page(moderator, path)
    assert "Refund timing" in moderator_page and ">Hidden<" in moderator_page


def test_each_member_sees_their_own_watch_menu_and_new_topic_button(scene):
    path = scene["public"].get_absolute_url()
    watch_set(user=scene["ann"], level=WatchLevel.EVERY_POST, category=scene["public"])
    ann_page = _page(scene["ann"], path)
    bob_page = _page(scene["bob"], path)

    def state(html: str) -> str:
        start = html.index('class="watch-controls__state"')
        return html[start : html.index("</p>", start)]

    assert "Use the default" in ann_page and "Use the default" not in bob_page
    assert state(ann_page) != state(bob_page)
    assert ">New topic</a>" in bob_page

    moderator = UserFactory(roles=[roles.MODERATORS])
    member_suspend(member=scene["bob"], actor=moderator, until=_tomorrow(), reason="Cooling off")
    assert ">New topic</a>" not in _page(scene["bob"], path)
    assert ">New topic</a>" in _page(scene["ann"], path)
    assert ">New topic</a>" not in _page(None, path)


def test_a_watch_set_from_the_menu_shows_on_the_next_page_at_once(scene):
    """The member's watch menu is kept with their list page until they change a watch."""
    bob, public = scene["bob"], scene["public"]
    client = _client(bob)
    path = public.get_absolute_url()
    assert "Use the default" not in client.get(path).content.decode()

    response = client.post(
        "/forums/watch/",
        {"target": "category", "id": public.pk, "level": WatchLevel.EVERY_POST, "next": path},
    )
    assert response.status_code == 302

    page = client.get(path).content.decode()
    assert "Use the default" in page  # the choice to clear the watch just set
    assert "Use the default" not in _page(scene["ann"], path)


def _tomorrow():
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() + timedelta(days=1)


def test_replies_and_moves_show_on_every_list_at_once(scene):
    moderator = UserFactory(roles=[roles.MODERATORS])
    public_path, other = scene["public"].get_absolute_url(), CategoryFactory(name="Shipping")
    for path in (LATEST, public_path, other.get_absolute_url()):
        _page(None, path)

    post_create(topic=scene["opened"], author=scene["bob"], body="About five days.")
    assert "<strong>1</strong> reply" in _page(None, LATEST)
    assert "<strong>1</strong> reply" in _page(None, public_path)

    topic_move(topic=scene["opened"], actor=moderator, category=other)
    assert "Refund timing" not in _page(None, public_path)
    assert "Refund timing" in _page(None, other.get_absolute_url())


def test_a_tag_filter_keeps_its_tag_from_page_to_page(scene):
    tag = Tag.objects.create(name="Refunds", slug="refunds")
    for number in range(TOPICS_PER_PAGE + 1):
        topic = topic_create(
            category=scene["public"], author=scene["ann"], title=f"Refund {number}", body="?"
        )
        topic_tags_set(topic=topic, tags=[tag], actor=scene["ann"])
    html = _page(scene["bob"], f"{LATEST}?tag=refunds")
    assert "?tag=refunds&amp;page=2" in html
    assert "Showing topics tagged" in html


def test_a_cached_list_costs_a_visitor_one_query_and_a_member_a_few(
    scene, django_assert_max_num_queries
):
    path = scene["public"].get_absolute_url()
    visitor, member = _client(), _client(scene["bob"])
    for client in (visitor, member):
        client.get(path)
        client.get(LATEST)
    with django_assert_max_num_queries(1):  # the category with its list's version
        visitor.get(path)
    with django_assert_max_num_queries(1):  # the list's version
        visitor.get(LATEST)
    # Their row, the category with its version: their reading state of the rows and their
    # watch menu are kept until the list, their reading or their watches change.
    with django_assert_max_num_queries(2 + session_queries()):
        member.get(path)
    with django_assert_max_num_queries(2 + session_queries()):  # their row, the version
        member.get(LATEST)


def _row(html: str, title: str) -> str:
    start = html.index(title)
    return html[html.rfind("<li", 0, start) : html.index("</li>", start)]


def test_a_members_new_and_unread_markers_follow_their_own_reading_at_once(scene):
    bob, opened = scene["bob"], scene["opened"]
    assert "badge--new" in _row(_page(bob, LATEST), "Refund timing")
    assert "badge--new" in _row(_page(scene["insider"], LATEST), "Refund timing")

    _page(bob, opened.get_absolute_url())  # bob reads the topic

    assert "badge--new" not in _row(_page(bob, LATEST), "Refund timing")
    assert "badge--new" in _row(_page(scene["insider"], LATEST), "Refund timing")

    post_create(topic=opened, author=scene["ann"], body="About ten days, in my experience.")

    assert "1 unread" in _row(_page(bob, LATEST), "Refund timing")
    assert "1 unread" in _row(_page(bob, scene["public"].get_absolute_url()), "Refund timing")


def test_a_volunteer_moderator_of_one_category_gets_the_moderation_queue_link(scene):
    volunteer = UserFactory(trust_level=TrustLevel.REGULAR)
    # How the admin's object permissions appoint a category's volunteer moderator.
    assign_perm("forums.moderate_category", volunteer, scene["public"])
    _page(scene["bob"], LATEST)
    assert ">Moderation queue</a>" in _page(volunteer, LATEST)
    assert ">Moderation queue</a>" not in _page(scene["bob"], LATEST)
    assert _client(volunteer).get("/forums/moderation/").status_code == 200


@pytest.mark.parametrize("first", ["bob", "evan"])
def test_the_dashboard_link_follows_the_reader_on_topic_pages_too(scene, first):
    evan = UserFactory(roles=[roles.EXECUTIVES])
    readers = {"bob": scene["bob"], "evan": evan}
    path = scene["opened"].get_absolute_url() + "?page=1"
    _page(readers[first], path)  # fills the shared topic frame
    assert ">Dashboard</a>" in _page(evan, path)
    assert ">Dashboard</a>" not in _page(scene["bob"], path)
    assert ">Dashboard</a>" not in _page(None, path)
