"""Visitors' post lists come from the cache, and every change they should see shows at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forums.models import ReactionKind
from forums.services.editing import post_edit
from forums.services.moderation import post_hide
from forums.services.posts import post_create
from forums.services.reactions import reaction_add
from forums.services.topics import topic_create
from members import roles
from members.models import TrustLevel
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic():
    author = UserFactory(trust_level=TrustLevel.MEMBER)
    topic = topic_create(
        category=CategoryFactory(), author=author, title="Cached", body="First words"
    )
    return topic


def _page(client, topic) -> str:
    response = client.get(topic.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_a_repeat_visit_costs_only_the_topic_and_its_tags(client, topic):
    _page(client, topic)
    with CaptureQueriesContext(connection) as ctx:
        html = _page(client, topic)
    assert "First words" in html
    assert len(ctx.captured_queries) == 2, [q["sql"][:80] for q in ctx.captured_queries]


def test_the_cached_post_list_carries_no_forms_or_tokens(client, topic):
    html = _page(client, topic)
    assert "csrfmiddlewaretoken" not in html


def test_replies_edits_reactions_and_hiding_show_to_visitors_at_once(client, topic):
    replier = UserFactory(trust_level=TrustLevel.MEMBER)
    _page(client, topic)

    reply = post_create(topic=topic, author=replier, body="A fresh reply")
    assert "A fresh reply" in _page(client, topic)

    post_edit(post=reply, editor=replier, body="An edited reply")
    assert "An edited reply" in _page(client, topic)

    reaction_add(post=reply, user=topic.author, kind=ReactionKind.THANKS)
    assert 'class="reaction__count">1<' in _page(client, topic)

    post_hide(post=reply, actor=UserFactory(roles=[roles.MODERATORS]), reason="Spam")
    assert "An edited reply" not in _page(client, topic)
