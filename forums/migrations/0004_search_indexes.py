"""Full-text search on PostgreSQL only (forums.selectors.search); on SQLite this migration
does nothing (the search there is a plain icontains scan).

Topic titles: a GIN index on the expression the search filters with. Building it from the
same SearchVector the selector uses keeps the two identical, which the planner needs to
match an expression index: to_tsvector('english'::regconfig, COALESCE(title, '')).

Post bodies: a stored generated column `forums_post.search_vector` with a GIN index on it.
An expression index finds matching posts just as fast, but ranking (ts_rank) and the
per-topic "best post" need the tsvector itself, and recomputing to_tsvector for every
matching post at query time cost 6 s for a word in 1 % of 200,000 posts (docs/search.md has
the measurements). PostgreSQL keeps the column up to date on every insert and edit; Django
never reads or writes it except through forums.selectors.search.StoredSearchVector, so the
Post model is unchanged. Titles are short: recomputing them is cheap.

The text search configuration must stay equal to forums.selectors.search.SEARCH_CONFIG; a
change of language needs a migration that recreates the column and both indexes.

Adding a generated column rewrites forums_post under an exclusive lock (about 2 minutes per
200,000 posts on the benchmark machine); the indexes are then built CONCURRENTLY, so this
migration is not atomic."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

SEARCH_CONFIG = "english"


def _title_index(apps):
    return apps.get_model("forums", "Topic"), GinIndex(
        SearchVector("title", config=SEARCH_CONFIG), name="forums_topic_title_fts"
    )


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model, index = _title_index(apps)
    schema_editor.add_index(model, index, concurrently=True)
    schema_editor.execute(
        'ALTER TABLE "forums_post" ADD COLUMN IF NOT EXISTS "search_vector" tsvector '
        "GENERATED ALWAYS AS "
        f"(to_tsvector('{SEARCH_CONFIG}'::regconfig, COALESCE(\"body\", ''))) STORED"
    )
    schema_editor.execute(
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "forums_post_search_vector_fts" '
        'ON "forums_post" USING gin ("search_vector")'
    )


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model, index = _title_index(apps)
    schema_editor.remove_index(model, index, concurrently=True)
    schema_editor.execute('DROP INDEX CONCURRENTLY IF EXISTS "forums_post_search_vector_fts"')
    schema_editor.execute('ALTER TABLE "forums_post" DROP COLUMN IF EXISTS "search_vector"')


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("forums", "0003_reactions_tags_watches_moderation_search")]

    operations = [migrations.RunPython(create_search_indexes, drop_search_indexes)]
