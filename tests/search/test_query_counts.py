"""The search page costs a fixed number of queries however much matches, for every kind."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forums.models import Tag
from library.models import LibraryAccess
from tests.forums.factories import CategoryFactory
from tests.forums.search.helpers import reply, topic_with
from tests.members.factories import UserFactory
from tests.search.conftest import article, client_for, member_with

pytestmark = pytest.mark.django_db

SEARCH = reverse("search:search")
# Member, "All" on PostgreSQL: session, user, permissions and groups; category and tag
# choices; topics (ranked titles, ranked posts, the page, snippets), resources (count, page,
# their tags, snippets), members (count, page), each kind inside its own time limit (a
# savepoint, set and reset: +4 each in a test's transaction); the log insert, the session
# save. Bounds, not exact counts: what matters is that they don't grow.
MAX_QUERIES = {"all": 40, "forums": 22, "library": 20, "members": 18}


def _add_matches(n: int, tag: Tag):
    category = CategoryFactory()
    for i in range(n):
        topic = topic_with(title=f"Zorblax topic {i}", category=category)
        reply(topic, "Another zorblax reply")
        resource = article(
            f"Zorblax guide {i}",
            slug=f"zorblax-guide-{len(Tag.objects.all())}-{n}-{i}",
            access=(LibraryAccess.PUBLIC, LibraryAccess.MEMBERS)[i % 2],
        )
        resource.tags.add(tag)
        member_with(f"zorblax{n}x{i}", bio="I like zorblax.", location="Zorblax city")


def _count(client, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(SEARCH, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("kind", "signed_in"),
    # Visitors may not search members: the directory is for members.
    [(kind, False) for kind in ("all", "forums", "library")]
    + [(kind, True) for kind in ("all", "forums", "library", "members")],
)
def test_queries_do_not_grow_with_matches(kind, signed_in, django_assert_max_num_queries):
    tag = Tag.objects.create(name="Guides", slug="guides")
    client = client_for(UserFactory() if signed_in else None)
    params = {"q": "zorblax", "kind": kind}
    _add_matches(3, tag)
    _count(client, params)  # warm content types, sessions, branding, reach
    few = _count(client, params)

    _add_matches(30, tag)
    _count(client, {"q": "warm", "kind": kind})
    with django_assert_max_num_queries(MAX_QUERIES[kind]):
        response = client.get(SEARCH, params)
    assert response.status_code == 200
    assert 'class="search-result' in response.content.decode()
    assert _count(client, params) == few
