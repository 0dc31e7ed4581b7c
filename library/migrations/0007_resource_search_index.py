"""The library's search served by indexes (library.selectors.resource_search).

A GIN index on the stored `search_vector` (migration 0005), PostgreSQL only: a search now
matches the stored vector alone, which the index serves, or the resources carrying a tag the
reader may see whose name holds a searched word (found first, in a small query of the tags),
and only those candidates are joined with the reader's visible tags and ranked. Before, every
resource's vector was joined with its tags per query, which no index can serve: 30 ms for
each search of 5,000 resources.

A b-tree index on `updated_at`: the library's version (the newest change to any resource), a
key part of its cached searches, read with one index lookup.

Both indexes are built CONCURRENTLY on PostgreSQL (writes go on meanwhile), so this migration
is not atomic."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

GIN_INDEX = "library_resource_search_vector_fts"


class _AddIndex(AddIndexConcurrently):
    """CONCURRENTLY on PostgreSQL, a plain index elsewhere (SQLite in development)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(
            self, app_label, schema_editor, from_state, to_state
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(
            self, app_label, schema_editor, from_state, to_state
        )


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{GIN_INDEX}" '
        'ON "library_resource" USING gin ("search_vector")'
    )


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{GIN_INDEX}"')


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("library", "0006_resource_view_days")]

    operations = [
        _AddIndex(
            model_name="resource",
            index=models.Index(fields=["updated_at"], name="library_res_updated"),
        ),
        migrations.RunPython(create_search_index, drop_search_index),
    ]
