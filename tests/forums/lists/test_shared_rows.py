"""Topic list rows are rendered once and shared (forums.page_cache.rows): whoever filled the
cache, each viewer sees their own reading state, and what services change shows at once."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forums.models import Tag
from forums.page_cache.splice import marker
from forums.selectors.lists import TOPICS_PER_PAGE
from forums.services.moderation import topic_pin_set
from forums.services.posts import post_create
from forums.services.reading import topic_viewed
from forums.services.tags import topic_tags_set
from forums.services.topics import topic_create
from members import roles
from members.models import TrustLevel
from tests.forums.factories import CategoryFactory, TopicFactory, private_category_for
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

LATEST = "/forums/latest/"


@pytest.fixture
def scene():
    """Ann started a topic that Bob read before Cy replied; Dee has read nothing."""
    ann, bob, cy, dee = (UserFactory(trust_level=TrustLevel.MEMBER) for _ in range(4))
    category = CategoryFactory(name="Billing")
    topic = topic_create(category=category, author=ann, title="Refund timing", body="How long?")
    topic_viewed(bob, topic, list(topic.posts.all()))
    post_create(topic=topic, author=cy, body="About five days.")
    topic.refresh_from_db()
    return {"topic": topic, "ann": ann, "bob": bob, "dee": dee, "category": category}


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _row(html: str, topic) -> str:
    start = html.rindex('<li class="topic-row', 0, html.index(topic.get_absolute_url()))
    return html[start : html.index("</li>", start)]


@pytest.mark.parametrize("first", [None, "bob", "dee"])
def test_each_viewer_sees_their_own_reading_state_whoever_filled_the_cache(scene, first):
    _client(scene.get(first)).get(LATEST)  # fills the shared rows as `first` sees them
    topic = scene["topic"]
    bob_row = _row(_client(scene["bob"]).get(LATEST).content.decode(), topic)
    dee_row = _row(_client(scene["dee"]).get(LATEST).content.decode(), topic)
    visitor_row = _row(_client().get(LATEST).content.decode(), topic)

    assert "topic-row--unread" in bob_row and "1 unread" in bob_row
    assert "topic-row--new" in dee_row and ">New<" in dee_row and "unread" not in dee_row
    assert "topic-row--" not in visitor_row and "badge--new" not in visitor_row
    for row in (bob_row, dee_row, visitor_row):
        assert marker() not in row
        assert "Refund timing" in row and "<strong>1</strong> reply" in row


def test_replies_pins_and_tags_show_in_the_row_at_once(scene):
    client, topic = _client(), scene["topic"]
    client.get(LATEST)

    post_create(topic=topic, author=scene["dee"], body="Mine took three.")
    assert "<strong>2</strong> replies" in _row(client.get(LATEST).content.decode(), topic)

    topic_pin_set(topic=topic, actor=UserFactory(roles=[roles.MODERATORS]), pinned=True)
    assert ">Pinned<" in _row(client.get(LATEST).content.decode(), topic)

    tag = Tag.objects.create(name="Refunds", slug="refunds")
    topic_tags_set(topic=topic, tags=[tag], actor=scene["ann"])
    assert "#Refunds" in _row(client.get(LATEST).content.decode(), topic)


def test_a_repeat_visit_renders_no_rows_and_reads_no_tags(scene):
    client = _client(scene["dee"])
    client.get(LATEST)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(LATEST).content.decode()
    assert "Refund timing" in html
    assert not [q for q in ctx.captured_queries if "forums_tag" in q["sql"]]


def _pages(html: str) -> str:
    match = re.search(r"Page \d+ of (\d+)", html)
    return match.group(1) if match else "1"


@pytest.mark.parametrize("first", ["visitor", "insider"])
def test_the_list_length_is_counted_per_reach_whoever_counted_first(first):
    insider = UserFactory(trust_level=TrustLevel.MEMBER)
    TopicFactory(category=CategoryFactory())
    TopicFactory.create_batch(TOPICS_PER_PAGE, category=private_category_for(insider))
    clients = {"visitor": _client(), "insider": _client(insider)}
    clients[first].get(LATEST)
    assert _pages(clients["visitor"].get(LATEST).content.decode()) == "1"
    assert _pages(clients["insider"].get(LATEST).content.decode()) == "2"


def test_an_unknown_tag_filter_lists_nothing_after_the_full_list_was_counted(scene):
    client = _client()
    client.get(LATEST)
    html = client.get(LATEST + "?tag=nope").content.decode()
    assert "There is no tag by that name." in html
    assert "Refund timing" not in html and "Load more" not in html
