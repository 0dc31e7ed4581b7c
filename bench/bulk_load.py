"""Loading millions of rows into a migrated Hearth database quickly, for bench/large_seed.py:
COPY instead of INSERT, primary keys handed out from the table's own sequence, and the
tables' secondary indexes and constraints set aside during the load and rebuilt exactly as
they were (their definitions are read back from the catalogue, and the catalogue is compared
before and after, so a migration's index can never silently go missing).

Plain psycopg on Django's connection, inside the caller's transaction."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

# Seconds spent in each table's COPYs (generating the rows included, when `rows` is lazy).
copy_seconds: dict[str, float] = defaultdict(float)


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY `rows` (tuples in `columns` order, Python values) into `table`; returns how many."""
    started = time.perf_counter()
    names = ", ".join(f'"{name}"' for name in columns)
    count = 0
    with connection.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    copy_seconds[table] += time.perf_counter() - started
    return count


def ids_reserve(table: str, count: int) -> int:
    """The first of `count` consecutive primary keys for `table`, taken from its identity
    sequence, which then moves past them: rows the app adds later never collide."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
        (first,) = cursor.fetchone()
        if count > 1:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, first + count - 1]
            )
    return first


def _catalogue(tables: Sequence[str]) -> tuple[list[tuple[str, str, str]], list[tuple]]:
    """(indexes, constraints) of `tables` other than primary keys and checks:
    indexes as (table, name, CREATE INDEX …) not backing a constraint, constraints as
    (table, name, type, definition)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.tablename, i.indexname, i.indexdef
            FROM pg_indexes i
            JOIN pg_class c ON c.relname = i.indexname
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = i.schemaname
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)
            ORDER BY i.tablename, i.indexname
            """,
            [list(tables)],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            """
            SELECT t.relname, k.conname, k.contype, pg_get_constraintdef(k.oid)
            FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = current_schema() AND t.relname = ANY(%s)
              AND k.contype IN ('u', 'f')
            ORDER BY t.relname, k.conname
            """,
            [list(tables)],
        )
        constraints = cursor.fetchall()
    return indexes, constraints


@dataclass(frozen=True)
class SetAside:
    """What indexes_drop took away, for indexes_restore to put back."""

    tables: tuple[str, ...]
    indexes: list[tuple[str, str, str]]
    constraints: list[tuple[str, str, str, str]]


def indexes_drop(tables: Sequence[str]) -> SetAside:
    """Drop the secondary indexes, unique constraints and foreign keys of `tables` (primary
    keys and checks stay) before a bulk load into them; indexes_restore builds them again.

    Why: every row COPYed into a table with its indexes in place costs one insertion per
    index (a GIN full-text one among them for posts), and every row under a deferred foreign
    key queues a check that runs at commit, one index probe each. Building an index once
    over the loaded table sorts it instead, and adding a foreign key back validates every row
    in one join. Run both inside one transaction: an error in between rolls the drop back."""
    indexes, constraints = _catalogue(tables)
    with connection.cursor() as cursor:
        # Dropping a foreign key alters the referenced table too, which PostgreSQL refuses
        # while rows written earlier in the transaction have their checks still queued.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for wanted in ("f", "u"):  # foreign keys first: one may lean on a unique constraint
            for table, name, kind, _definition in constraints:
                if kind == wanted:
                    cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for _table, name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    return SetAside(tuple(tables), indexes, constraints)


def indexes_restore(saved: SetAside) -> str:
    """Build what indexes_drop took away, from the definitions it read, and compare the
    catalogue with what it was: any missing, extra or changed name or definition raises.
    Returns a line for the log."""
    with connection.cursor() as cursor:
        # PostgreSQL refuses CREATE INDEX on a table with deferred checks still queued
        # ("pending trigger events"): run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        spent = []
        for _table, name, definition in saved.indexes:
            started = time.perf_counter()
            cursor.execute(definition)
            spent.append((time.perf_counter() - started, name))
        for wanted in ("u", "f"):
            for table, name, kind, definition in saved.constraints:
                if kind == wanted:
                    started = time.perf_counter()
                    cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
                    spent.append((time.perf_counter() - started, name))
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    before = (saved.indexes, saved.constraints)
    after = _catalogue(saved.tables)
    if after != before:
        missing = set(before[0] + before[1]) - set(after[0] + after[1])
        extra = set(after[0] + after[1]) - set(before[0] + before[1])
        raise RuntimeError(f"indexes or constraints differ: missing {missing}, extra {extra}")
    kinds = [kind for _table, _name, kind, _definition in saved.constraints]
    slowest = ", ".join(f"{name} {seconds:.1f}s" for seconds, name in sorted(spent)[-6:][::-1])
    return (
        f"{len(saved.indexes)} indexes, {kinds.count('u')} unique constraints and "
        f"{kinds.count('f')} foreign keys on {len(saved.tables)} tables, identical to before "
        f"(slowest: {slowest})"
    )
