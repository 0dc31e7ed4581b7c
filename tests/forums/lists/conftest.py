from datetime import timedelta

import pytest
from django.utils import timezone

from forums.models import Post, Topic
from tests.forums.factories import PostFactory, TopicFactory, private_category_for
from tests.members.factories import UserFactory


def topic_with_replies(replies: int, **kwargs) -> tuple[Topic, list[Post]]:
    """A topic whose posts (opening first) are a second apart, ending a minute ago, with the
    counters a service would have kept."""
    topic = TopicFactory(**kwargs)
    PostFactory.create_batch(replies, topic=topic)
    posts = list(topic.posts.order_by("pk"))
    start = timezone.now() - timedelta(minutes=1, seconds=len(posts))
    for number, post in enumerate(posts):
        post.created_at = start + timedelta(seconds=number)
    Post.objects.bulk_update(posts, ["created_at"])
    Topic.objects.filter(pk=topic.pk).update(
        reply_count=replies,
        last_post_at=posts[-1].created_at,
        created_at=posts[0].created_at - timedelta(seconds=1),
    )
    topic.refresh_from_db()
    return topic, posts


@pytest.fixture
def outsider(db):
    return UserFactory()


@pytest.fixture
def insider(db):
    return UserFactory()


@pytest.fixture
def private_category(insider):
    return private_category_for(insider, name="Beta Program")
