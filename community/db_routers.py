"""Reads from a streaming replica of the primary, when one is configured
(DATABASE_REPLICA_URL, docs/deployment.md, "Beyond one machine").

Only reporting reads go there: the KPI dashboard and its exports, and the sections of a
90-day plan report. They read stored snapshots and long aggregates, where a replica a few
seconds behind changes nothing and the primary is spared the heaviest scans. They say so
explicitly, by running inside `reporting_reads()` (the selectors are decorated with it) or
by `.using(reporting_db())` for a queryset that is read after its selector returned (a
streamed export). Everything else reads the primary, and every write goes there, so
whoever has just posted, voted or saved sees it on the next page: nothing a member does
ever reads from the replica."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, router

REPLICA = "replica"

_reporting = ContextVar("hearth_reporting_reads", default=False)


class ReplicaRouter:
    """Installed by the settings only when a replica is configured; without it Django
    reads and writes the one database as usual."""

    def db_for_read(self, model, **hints) -> str:
        # Not the instance's own database: an object read for a report and touched later
        # (a related row, a refresh) is read from the primary again outside the report.
        return REPLICA if _reporting.get() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        # Always the primary, even for an instance that was read from the replica (Django
        # would otherwise save it back where it came from).
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the same rows on both

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS  # the replica follows the primary's schema


def replica_in_use() -> bool:
    return any(isinstance(r, ReplicaRouter) for r in router.routers)


def reporting_db() -> str:
    """The alias for reporting reads: the replica when one is in use, else the primary."""
    return REPLICA if replica_in_use() else DEFAULT_DB_ALIAS


@contextmanager
def reporting_reads() -> Iterator[None]:
    """Within it, reads go to the replica (when one is in use); writes still go to the
    primary. Use it (or it as a decorator) only around reads whose result may lag the
    primary by a few seconds: never around a read of something just written."""
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)
