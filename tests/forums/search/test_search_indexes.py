"""On PostgreSQL the search reads the GIN indexes of forums/migrations/0004. The title
index is an expression index, used only while the query says exactly the indexed
expression, so this fails the day the two drift apart (a changed config, a different
COALESCE); the body index is on the stored search_vector column."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forums.selectors.search import SearchCriteria, topic_search
from tests.forums.search.helpers import reply, topic_with
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the full-text indexes exist on PostgreSQL only")


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        # A test database is tiny, where a sequential scan is cheapest; forbidding it asks
        # whether an index *can* answer, which is what the expression must guarantee. Plain
        # index scans and nested loops are forbidden too: with them the planner may walk
        # another index (the posts' topic index, say) and filter, depending on statistics
        # that earlier tests left, so the test failed now and then. A bitmap scan, which a
        # GIN index needs, stays allowed.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_indexes_exist(postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname IN "
            "('forums_topic_title_fts', 'forums_post_search_vector_fts')"
        )
        assert {row[0] for row in cursor.fetchall()} == {
            "forums_topic_title_fts",
            "forums_post_search_vector_fts",
        }


def test_the_ranking_queries_use_the_indexes(postgres, category):
    topic = topic_with(title="Zorblax", category=category)
    reply(topic, "zorblax")

    # Someone who sees every category: a visitor's filter is a short list of category ids
    # here, whose own index the planner rightly prefers in a near-empty table.
    manager = UserFactory(is_superuser=True)
    with CaptureQueriesContext(connection) as ctx:
        results = topic_search(viewer=manager, criteria=SearchCriteria(text="zorblax"), page=1)
    assert [hit.topic for hit in results.hits] == [topic]
    searches = [q["sql"] for q in ctx.captured_queries if "websearch_to_tsquery" in q["sql"]]
    # One statement ranks the candidates: titles and posts, each through its own index.
    plan = _plan(searches[0])

    assert "forums_topic_title_fts" in plan
    assert "forums_post_search_vector_fts" in plan
