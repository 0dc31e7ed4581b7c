"""On PostgreSQL the library's search reads the GIN index of
library/migrations/0007_resource_search_index.py: the candidates are the resources whose
stored vector matches (the index) or that carry a visible tag holding a searched word, and
only they are joined with the reader's tags and ranked. This fails the day the match goes
back to an expression no index can serve."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forums.models import Tag
from library.models import LibraryAccess
from library.selectors import resource_search
from tests.library.factories import ResourceFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the full-text index exists on PostgreSQL only")


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        # A tiny table is cheapest to scan; forbidding that (and plain index scans, see
        # tests/forums/search/test_search_indexes.py) asks whether the index *can* answer.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _ranking(viewer, text: str) -> tuple[list, str]:
    with CaptureQueriesContext(connection) as ctx:
        results = resource_search(viewer=viewer, text=text, page=1)
    ranking = [q["sql"] for q in ctx.captured_queries if "ts_rank" in q["sql"]]
    assert len(ranking) == 1
    return [hit.resource for hit in results.hits], _plan(ranking[0])


def test_the_match_reads_the_index(postgres):
    found = ResourceFactory(title="Zorblax handbook", access=LibraryAccess.PUBLIC)
    ResourceFactory(title="Pump guide", access=LibraryAccess.PUBLIC)

    hits, plan = _ranking(UserFactory(), "zorblax")

    assert hits == [found]
    assert "library_resource_search_vector_fts" in plan


def test_a_visible_tag_adds_its_resources_to_the_indexed_candidates(postgres):
    tagged = ResourceFactory(title="Valve guide", access=LibraryAccess.PUBLIC)
    tagged.tags.add(Tag.objects.create(name="Zorblax", slug="zorblax"))
    titled = ResourceFactory(title="Zorblax handbook", access=LibraryAccess.PUBLIC)

    hits, plan = _ranking(UserFactory(), "zorblax")

    assert set(hits) == {tagged, titled}
    assert "library_resource_search_vector_fts" in plan
    assert "BitmapOr" in plan
