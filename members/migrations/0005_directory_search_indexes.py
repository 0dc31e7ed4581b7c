"""Indexes for the member directory's search and sorts, on PostgreSQL only.

Django turns `field__icontains=term` into `UPPER("col"::text) LIKE UPPER('%term%')` on
PostgreSQL. A btree can't serve a leading wildcard; a GIN index with pg_trgm's operator class
on exactly that expression can, so each index below is on UPPER(col::text). SQLite keeps its
plain scans (a development database is small).

pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it without
being a superuser, which is how CI and most managed databases run."""

from django.db import migrations

TRIGRAM_INDEXES = (
    ("members_user_username_trgm", "members_user", "username"),
    ("members_user_display_name_trgm", "members_user", "display_name"),
    ("members_profile_company_trgm", "members_profile", "company"),
    ("members_profile_headline_trgm", "members_profile", "headline"),
    ("members_profile_location_trgm", "members_profile", "location"),
    ("members_expertisetag_name_trgm", "members_expertisetag", "name"),
)


# The directory's two cheapest sorts walk an index instead of sorting every member. The name
# expression is exactly the one members.selectors.directory orders by.
SORT_INDEXES = (
    (
        "members_user_sort_name_idx",
        'CREATE INDEX IF NOT EXISTS "members_user_sort_name_idx" ON "members_user" '
        '(LOWER(COALESCE(NULLIF("display_name", \'\'), "username")), "id")',
    ),
    (
        "members_user_newest_idx",
        'CREATE INDEX IF NOT EXISTS "members_user_newest_idx" ON "members_user" '
        '("date_joined" DESC, "id" DESC)',
    ),
)


def create_directory_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )
    for _name, statement in SORT_INDEXES:
        schema_editor.execute(statement)


def drop_directory_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in [name for name, *_ in TRIGRAM_INDEXES] + [name for name, _ in SORT_INDEXES]:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    # The extension stays: other indexes or a later migration may use it.


class Migration(migrations.Migration):
    dependencies = [("members", "0004_profiles_and_role_permissions")]

    operations = [migrations.RunPython(create_directory_indexes, drop_directory_indexes)]
