from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.backends.signals import connection_created
from django.db.models.query import get_related_populators


class BaseModel(models.Model):
    """Every Hearth model inherits this: creation time (indexed, for "newest" lists and
    metrics windows) and last-update time."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class KeyLookup:
    """One row by primary key, its SQL compiled once per process instead of per call.

    Compiling a queryset costs more than running it when the query is a key lookup (about
    0.3 ms for a topic with its category, against 0.2 ms for the round trip), and the pages
    that make such lookups on every request (the signed-in user, the topic page) are the
    busiest there are. The SQL comes from the queryset `build()` returns, so it follows the
    models; the instances are made by Django's own code, as the queryset would make them.
    Queries still go through the connection's cursor: logged, counted, wrapped; on
    PostgreSQL as a prepared statement (`execute_prepared`)."""

    # Stands in for the key while compiling; found again among the parameters afterwards.
    _KEY_PLACEHOLDER = -8_675_309_000_000_001

    def __init__(self, build):
        self._build = build
        self._compiled = {}

    def _compile(self, alias: str):
        queryset = self._build().filter(pk=self._KEY_PLACEHOLDER)[:1]
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        key_index = list(params).index(self._KEY_PLACEHOLDER)
        klass_info = compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        select_columns = [column[0] for column in compiler.select]
        compiled = (
            compiler,
            compiler.get_converters(select_columns),
            sql,
            list(params),
            key_index,
            (start, end),
            [column[0].target.attname for column in compiler.select[start:end]],
            get_related_populators(klass_info, compiler.select, alias),
        )
        self._compiled[alias] = compiled
        return compiled

    def _statement_name(self, model) -> str:
        return f"hearth_key_{model._meta.db_table}_{id(self):x}"

    def get(self, pk, *, using: str = "default"):
        """The instance with primary key `pk`, or None."""
        compiled = self._compiled.get(using) or self._compile(using)
        compiler, converters, sql, params, key_index, (start, end), attnames, populators = compiled
        model = compiler.klass_info["model"]
        try:
            pk = model._meta.pk.to_python(pk)
        except ValidationError:
            return None
        if not _fits_the_key_column(pk, model._meta.pk, using):
            return None  # as the ORM does: no row has it, and the database would refuse it
        params = [*params[:key_index], pk, *params[key_index + 1 :]]
        with connections[using].cursor() as cursor:
            execute_prepared(cursor, self._statement_name(model), sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if converters:
            (row,) = compiler.apply_converters([row], converters)
        instance = model.from_db(using, attnames, row[start:end])
        for populator in populators:
            populator.populate(row, instance)
        return instance


def _fits_the_key_column(value, field, using: str) -> bool:
    if not isinstance(value, int):
        return True
    low, high = connections[using].ops.integer_field_range(field.get_internal_type())
    return (low is None or value >= low) and (high is None or value <= high)


def execute_prepared(cursor, name: str, sql: str, params: list) -> None:
    """`cursor.execute(sql, params)`; on PostgreSQL the statement is prepared under `name`
    the first time a connection runs it, so the server plans it once per connection instead
    of on every request. Planning the busiest pages' statements cost PostgreSQL several
    times what running them did (0.23 ms against 0.03 for a member's state on a topic).
    `sql` must keep one text for all `params` (say `= ANY(%s)` rather than a list of
    placeholders as long as the values). DATABASE_PREPARED_STATEMENTS=false turns this off,
    for a pooler that hands each transaction another server connection (PgBouncer in
    transaction mode)."""
    connection = cursor.db
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    prepared = connection.__dict__.setdefault("hearth_prepared", set())
    if name not in prepared:
        numbered = sql % tuple(f"${number}" for number in range(1, len(params) + 1))
        cursor.execute(f"PREPARE {name} AS {numbered}")
        prepared.add(name)
    cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)


def _forget_prepared(sender, connection, **kwargs) -> None:
    # A new server connection has none of the old one's prepared statements.
    connection.hearth_prepared = set()


connection_created.connect(_forget_prepared)
