from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, connections, models, transaction
from django.db.models.query import get_related_populators


class BaseModel(models.Model):
    """Every Hearth model inherits this: creation time (indexed, for "newest" lists and
    metrics windows) and last-update time."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class KeyLookup:
    """One row by primary key (or another unique field), its SQL compiled once per process
    instead of per call.

    Compiling a queryset costs more than running it when the query is a key lookup (about
    0.3 ms for a topic with its category, against 0.2 ms for the round trip), and the pages
    that make such lookups on every request (the signed-in user, the topic page) are the
    busiest there are. The SQL comes from the queryset `build()` returns, so it follows the
    models; the instances are made by Django's own code, as the queryset would make them.
    Queries still go through the connection's cursor: logged, counted, wrapped.

    It uses the ORM's compiler and Django's row populators, which are not public API: it
    is kept because it measurably pays (docs/performance.md, "Fast paths on private
    internals": the topic page lost 28-45 % of its throughput without it), and
    tests/community/test_fast_paths.py checks it against the ORM on every run.
    `BENCH_KEY_LOOKUPS_ORM` (bench/forums_settings.py) sends it through the ORM instead, to
    measure it again."""

    # Stands in for the key while compiling; found again among the parameters afterwards.
    _KEY_PLACEHOLDER = -8_675_309_000_000_001
    _TEXT_KEY_PLACEHOLDER = "hearth:key-lookup:placeholder:8675309"

    def __init__(self, build, *, field: str = "pk"):
        """`field`: the primary key, or another unique field (a slug)."""
        self._build = build
        self._field = field
        self._compiled = {}

    def _placeholder(self, model):
        field = self._key_field(model)
        if field.get_internal_type() in ("CharField", "SlugField", "TextField"):
            return self._TEXT_KEY_PLACEHOLDER
        return self._KEY_PLACEHOLDER

    def _key_field(self, model):
        return model._meta.pk if self._field == "pk" else model._meta.get_field(self._field)

    def _compile(self, alias: str) -> _Compiled:
        built = self._build()
        placeholder = self._placeholder(built.model)
        queryset = built.filter(**{self._field: placeholder})[:1]
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        klass_info = compiler.klass_info
        fields = klass_info["select_fields"]
        compiled = _Compiled(
            compiler=compiler,
            converters=compiler.get_converters([column[0] for column in compiler.select]),
            sql=sql,
            params=list(params),
            key_index=list(params).index(placeholder),
            fields=slice(fields[0], fields[-1] + 1),
            attnames=[
                column[0].target.attname for column in compiler.select[fields[0] : fields[-1] + 1]
            ],
            populators=get_related_populators(klass_info, compiler.select, alias),
            model=klass_info["model"],
            annotations=list(compiler.annotation_col_map.items()),
        )
        self._compiled[alias] = compiled
        return compiled

    def _ready(self, pk, using: str):
        """(the compiled lookup, its parameters for `pk`), or None for a key no row has."""
        compiled = self._compiled.get(using) or self._compile(using)
        key_field = self._key_field(compiled.model)
        try:
            pk = key_field.to_python(pk)
        except ValidationError:
            return None
        if not _fits_the_key_column(pk, key_field, using):
            return None  # as the ORM does: no row has it, and the database would refuse it
        params = compiled.params
        return compiled, [*params[: compiled.key_index], pk, *params[compiled.key_index + 1 :]]

    @staticmethod
    def _instance(compiled: _Compiled, row, using: str):
        if compiled.converters:
            (row,) = compiled.compiler.apply_converters([row], compiled.converters)
        instance = compiled.model.from_db(using, compiled.attnames, row[compiled.fields])
        for populator in compiled.populators:
            populator.populate(row, instance)
        for name, index in compiled.annotations:  # as the queryset sets its annotations
            setattr(instance, name, row[index])
        return instance

    def get(self, pk, *, using: str = "default"):
        """The instance whose key (`field`) is `pk`, or None."""
        ready = self._ready(pk, using)
        if ready is None:
            return None
        compiled, params = ready
        if getattr(settings, "BENCH_KEY_LOOKUPS_ORM", False):  # measuring it against the ORM
            key = params[compiled.key_index]
            return self._build().using(using).filter(**{self._field: key}).first()
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        return None if row is None else self._instance(compiled, row, using)


class _Compiled(NamedTuple):
    compiler: object
    converters: dict
    sql: str
    params: list
    key_index: int
    fields: slice  # the model's own columns among them
    attnames: list
    populators: list
    model: type
    annotations: list  # (name, column index) of the queryset's annotations


def _fits_the_key_column(value, field, using: str) -> bool:
    if not isinstance(value, int):
        return True
    low, high = connections[using].ops.integer_field_range(field.get_internal_type())
    return (low is None or value >= low) and (high is None or value <= high)


# --- Statement time limits ------------------------------------------------------------------

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement_timeout
_T = TypeVar("_T")


class QueryTimedOut(Exception):
    """A time-limited read (time_limited) ran past its limit and was cancelled."""


def time_limited(function: Callable[[], _T], *, milliseconds: int) -> _T:
    """`function()`, with each of its statements stopped after `milliseconds` on PostgreSQL
    (QueryTimedOut then). Searches use it: a word found nearly everywhere must not hold a
    worker and a connection for as long as ranking takes. SQLite has no statement timeout,
    so there it simply runs."""
    if connection.vendor != "postgresql":
        return function()
    nested = connection.in_atomic_block
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                # SET LOCAL: it ends with this transaction, so only `function` is bounded.
                cursor.execute(f"SET LOCAL statement_timeout = {int(milliseconds)}")
            result = function()
            if nested:  # an outer transaction (ATOMIC_REQUESTS, tests) goes on: put it back
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL statement_timeout TO DEFAULT")
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == QUERY_CANCELED:
            raise QueryTimedOut from exc
        raise
    return result
