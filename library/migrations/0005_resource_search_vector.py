"""Full-text search of library resources on PostgreSQL only (library.selectors
resource_search); on SQLite this migration does nothing (the search there scans with
icontains, like the forums').

A stored generated column `library_resource.search_vector`: the title (weight A), the summary
(B) and an article's Markdown body (C), as the forums keep their posts' (forums migration
0004). PostgreSQL keeps it current on every insert and edit; Django reaches it only through
forums.selectors.search.StoredSearchVector, so the Resource model is unchanged. Ranking
reads the stored vector instead of parsing every matching article again.

No GIN index: a resource also matches by its tags, and which tags count depends on the
reader (a tag made for a private category is not theirs to match), so the tags' words are
joined to the stored vector per query and the match cannot come from an index on the column
alone. Library resources are curated by managers (hundreds, a few thousand), so the scan
over the stored vectors is cheap; the search's time limit stops anything longer.

The configuration must stay equal to forums.selectors.search.SEARCH_CONFIG."""

from django.db import migrations

SEARCH_CONFIG = "english"


def create_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        'ALTER TABLE "library_resource" ADD COLUMN IF NOT EXISTS "search_vector" tsvector '
        "GENERATED ALWAYS AS ("
        f"setweight(to_tsvector('{SEARCH_CONFIG}'::regconfig, COALESCE(\"title\", '')), 'A') || "
        f"setweight(to_tsvector('{SEARCH_CONFIG}'::regconfig, COALESCE(\"summary\", '')), 'B') || "
        f"setweight(to_tsvector('{SEARCH_CONFIG}'::regconfig, COALESCE(\"body\", '')), 'C')"
        ") STORED"
    )


def drop_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('ALTER TABLE "library_resource" DROP COLUMN IF EXISTS "search_vector"')


class Migration(migrations.Migration):
    dependencies = [("library", "0004_curation_permissions")]

    operations = [migrations.RunPython(create_search_vector, drop_search_vector)]
