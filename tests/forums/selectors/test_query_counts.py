"""Each page costs the same number of queries for 3 rows or 30 (warm-then-compare)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.selectors import branding_get
from forums.models import Tag, Topic
from forums.permissions import visible_category_ids
from forums.selectors.lists import (
    category_list_for,
    latest_topics_for,
    topic_list_for_category,
    with_reading_state,
)
from forums.services.bookmarks import bookmark_save
from forums.services.reading import topic_viewed, views_and_reads_flush
from tests.forums.factories import CategoryFactory, PostFactory, TopicFactory, private_category_for
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.fixture(params=["visitor", "group member"])
def viewer_client(request):
    client = Client()
    user = None
    if request.param == "group member":
        user = UserFactory()
        client.force_login(user)
    return client, user


def _grow(add, client, url) -> tuple[int, int]:
    add(3)
    _count(client, url)  # warm content types, sessions, branding
    few = _count(client, url)
    add(27)
    # New grants replace the member's cached reach (forums.permissions.member_reach): one
    # recomputation per change of permissions, not per row, so warm again before comparing.
    _count(client, url)
    return few, _count(client, url)


def test_category_list_queries_do_not_grow_with_categories(viewer_client):
    client, user = viewer_client

    def add(n):
        for _ in range(n):
            parent = CategoryFactory()
            CategoryFactory(parent=parent)
            if user is not None:
                private_category_for(user)

    few, many = _grow(add, client, "/forums/")
    assert few == many


def test_topic_list_queries_do_not_grow_with_topics(viewer_client):
    client, user = viewer_client
    category = private_category_for(user) if user is not None else CategoryFactory()
    few, many = _grow(
        lambda n: TopicFactory.create_batch(n, category=category),
        client,
        category.get_absolute_url(),
    )
    assert few == many


def test_latest_queries_do_not_grow_with_topics(viewer_client):
    client, user = viewer_client

    def add(n):
        for _ in range(n):
            TopicFactory(category=CategoryFactory())
            if user is not None:
                TopicFactory(category=private_category_for(user))

    few, many = _grow(add, client, "/forums/latest/")
    assert few == many


def test_topic_page_queries_do_not_grow_with_posts(viewer_client):
    client, user = viewer_client
    category = private_category_for(user) if user is not None else CategoryFactory()
    topic = TopicFactory(category=category)
    few, many = _grow(
        lambda n: PostFactory.create_batch(n, topic=topic), client, topic.get_absolute_url()
    )
    assert few == many


def test_selectors_are_single_queries_for_a_visitor(django_assert_num_queries):
    category = CategoryFactory()
    TopicFactory.create_batch(3, category=category)
    visitor = AnonymousUser()
    branding_get()  # cached per process in production; not what is measured here
    visible_category_ids(visitor)  # visitors' reach: cached like a member's
    with django_assert_num_queries(1):
        category_list_for(viewer=visitor)
    # The rows; their tags come with the rendering, for the rows not cached
    # (forums.page_cache.rows).
    with django_assert_num_queries(1):
        list(topic_list_for_category(category=category, viewer=visitor))
    with django_assert_num_queries(1):
        list(latest_topics_for(viewer=visitor))


def _tagged_topics(user, n):
    """n topics (half in the viewer's private category), tagged, some read by `user`."""
    tag = Tag.objects.get_or_create(name="Billing", slug="billing")[0]
    public = CategoryFactory()
    private = private_category_for(user) if user is not None else CategoryFactory()
    for number in range(n):
        topic = TopicFactory(category=private if number % 2 else public)
        topic.tags.add(tag)
        if user is not None and number % 3 == 0:
            topic_viewed(user, topic, list(topic.posts.all()))
            reply = PostFactory(topic=topic)
            Topic.objects.filter(pk=topic.pk).update(last_post_at=reply.created_at)
            if number % 2:
                views_and_reads_flush(now=timezone.now() + timedelta(minutes=3))


@pytest.mark.parametrize(
    "url",
    [
        "/forums/latest/",
        "/forums/latest/?tag=billing",
        "/forums/unanswered/",
        "/forums/tags/",
        "/forums/tags/billing/",
    ],
)
def test_topic_lists_cost_the_same_for_3_or_30_topics(viewer_client, url):
    client, user = viewer_client
    few, many = _grow(lambda n: _tagged_topics(user, n), client, url)
    assert few == many


def test_unread_markers_add_at_most_two_queries(django_assert_max_num_queries):
    user = UserFactory()
    _tagged_topics(user, 30)
    rows = list(latest_topics_for(viewer=user))
    assert any(row.pk for row in rows)
    with django_assert_max_num_queries(2):
        marked = with_reading_state(rows, viewer=user)
    assert {row.reading for row in marked} >= {"new", "unread"}


def test_bookmark_list_costs_the_same_for_3_or_30_bookmarks():
    client = Client()
    user = UserFactory()
    client.force_login(user)
    category = private_category_for(user)

    def add(n):
        for _ in range(n):
            bookmark_save(user=user, post=PostFactory(topic=TopicFactory(category=category)))

    few, many = _grow(add, client, "/forums/bookmarks/")
    assert few == many
