"""The topic page costs the same queries for 3 posts with reactions or 30 (a full page)."""

from uuid import uuid4

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forums.models import Post, Reaction, ReactionKind
from forums.page_cache import frame, posts
from forums.services.answers import answer_accept
from forums.services.posts import topic_touch
from tests.forums.factories import CategoryFactory, PostFactory, TopicFactory, private_category_for
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def _reacted_posts(topic, count: int, reactors, viewer=None):
    for post in PostFactory.create_batch(count, topic=topic):
        kinds = list(ReactionKind.values)
        people = [*reactors, viewer] if viewer is not None else reactors
        rows = [
            Reaction(post=post, user=person, kind=kinds[(post.pk + n) % len(kinds)])
            for n, person in enumerate(people)
        ]
        Reaction.objects.bulk_create(rows)
        Post.objects.filter(pk=post.pk).update(reaction_count=len(rows), edit_count=1)


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("viewer_kind", ["visitor", "group member", "moderator"])
def test_topic_page_queries_do_not_grow_with_reacted_posts(
    viewer_kind, django_assert_max_num_queries, monkeypatch
):
    # Measure the page as rendered, never posts or a page served from the cache.
    for module, key in [
        (posts, "posts_cache_key"),
        (posts, "facts_cache_key"),
        (frame, "visitor_page_key"),
        (frame, "frame_cache_key"),
    ]:
        monkeypatch.setattr(module, key, lambda *args: uuid4().hex)
    client, viewer = Client(), None
    if viewer_kind == "visitor":
        category = CategoryFactory(qa=True)
    else:
        viewer = UserFactory(roles=["Moderators"] if viewer_kind == "moderator" else [])
        client.force_login(viewer)
        category = private_category_for(viewer, qa=True)
    asker = viewer if viewer_kind == "group member" else UserFactory()
    topic = TopicFactory(category=category, author=asker)
    reactors = UserFactory.create_batch(3)
    _reacted_posts(topic, 3, reactors, viewer)
    if viewer is not None:
        PostFactory.create_batch(2, topic=topic, author=viewer)  # their own: edit, delete
    accepter = viewer if viewer_kind == "moderator" else asker
    answer_accept(post=topic.posts.filter(is_opening=False).first(), actor=accepter)
    topic.refresh_from_db()
    url = topic.get_absolute_url() + "?page=1"

    _count(client, url)  # warm sessions, content types, branding
    few = _count(client, url)
    _reacted_posts(topic, 27, reactors, viewer)
    topic_touch(topic.pk)  # as the posting services do; the factories do not
    with django_assert_max_num_queries(few):
        response = client.get(url)
    content = response.content.decode()
    assert content.count('class="reactions"') == 20  # a full page, each post with its bar
    assert "✔ Solved" in content
