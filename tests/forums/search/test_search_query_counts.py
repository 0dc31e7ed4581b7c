"""The results page costs a fixed number of queries for 3 matching topics or 30, for a
visitor and for a member whose group opens a private category."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forums.models import Tag
from tests.forums.factories import CategoryFactory, private_category_for
from tests.forums.search.helpers import reply, topic_with
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("search:search")
# Visitor: session, the category and tag choices, the topic count, the page of topics, the
# snippets, the search log insert and the session save (10 on SQLite). On PostgreSQL the
# search runs in a savepoint with its time limit set and reset (+4 here, inside the test's
# transaction; +1 in production, where the search's transaction is the outermost). A member
# adds their user, permissions and groups. Bounds: what matters is that they don't grow.
MAX_QUERIES = {"visitor": 14, "group member": 17}


@pytest.fixture(params=["visitor", "group member"])
def viewer(request):
    client = Client()
    user = None
    if request.param == "group member":
        user = UserFactory()
        client.force_login(user)
    return request.param, client, user


def _add_matching_topics(n: int, *, user, tag: Tag):
    public, parent = CategoryFactory(), CategoryFactory()
    child = CategoryFactory(parent=parent)
    private = private_category_for(user) if user is not None else CategoryFactory()
    for i in range(n):
        category = (public, child, private)[i % 3]
        topic = topic_with(title=f"Zorblax topic {i}", category=category)
        topic.tags.add(tag)
        reply(topic, "Another zorblax reply")
        reply(topic, "A reply that does not match")


def _count(client, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(SEARCH, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "forums", "q": "zorblax"},
        {"kind": "forums", "q": "zorblax", "tag": "billing", "solved": "no", "after": "2000-01-01"},
        {"kind": "forums", "q": "zorblax reply", "page": "2"},
    ],
    ids=["plain", "filtered", "page 2"],
)
def test_results_page_queries_do_not_grow_with_matches(
    viewer, params, django_assert_max_num_queries
):
    kind, client, user = viewer
    tag = Tag.objects.create(name="Billing", slug="billing")
    _add_matching_topics(3, user=user, tag=tag)
    _count(client, params)  # warm content types, sessions, branding
    few = _count(client, params)

    _add_matching_topics(27, user=user, tag=tag)
    # New grants replace the member's cached reach (forums.permissions.member_reach): one
    # recomputation per change of permissions, not per result, so warm again first.
    _count(client, {"kind": "forums", "q": "warm"})
    with django_assert_max_num_queries(MAX_QUERIES[kind]):
        response = client.get(SEARCH, params)
    assert response.status_code == 200
    assert _count(client, params) == few
    if params.get("page") != "2":
        assert response.content.decode().count('class="search-result"') == 20
