"""The KPI catalogue: each KPI is a small registered calculator.

A KPI states what it is (key, name, one-line definition, formula, unit, whether higher or
lower is better, leading or lagging, the business area it serves, the leading KPIs that
drive it) and computes a `Measure` for a `Period`: the `window` days ending with a day,
in the community's time zone, as the half-open interval [start, end) of aware datetimes.
Computations are SQL aggregates that run the same on PostgreSQL and SQLite; docs/kpis.md
states every formula precisely enough to compute it again from the database alone.

Modules under metrics/kpis/ register their KPIs with `@kpi(...)` when the app is ready."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models

from metrics.models import WINDOWS


class Unit(models.TextChoices):
    COUNT = "count", "count"
    PERCENT = "percent", "%"  # stored as a share between 0 and 1
    RATIO = "ratio", "ratio"
    HOURS = "hours", "hours"
    MONTHS = "months", "months"
    MONEY = "money", "money"  # in MetricsSettings.currency


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Timing(models.TextChoices):
    LEADING = "leading", "Leading"
    LAGGING = "lagging", "Lagging"


class Area(models.TextChoices):
    COMMUNITY = "community", "Community health"
    SUPPORT = "support", "Support"
    MARKETING = "marketing", "Marketing"
    PRODUCT = "product", "Product and R&D"
    CUSTOMER_SUCCESS = "customer_success", "Customer success"


@dataclass(frozen=True)
class Period:
    """The `window` days ending with `day` (inclusive), in `tz`."""

    day: date
    window: int
    tz: ZoneInfo

    @property
    def first_day(self) -> date:
        return self.day - timedelta(days=self.window - 1)

    @property
    def start(self) -> datetime:
        """Midnight at the start of the first day, in the community's time zone."""
        return datetime.combine(self.first_day, time.min, tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        """Midnight after the last day: the end is excluded."""
        return datetime.combine(self.day + timedelta(days=1), time.min, tzinfo=self.tz)

    def previous(self) -> Period:
        """The window of the same length just before this one."""
        return Period(self.day - timedelta(days=self.window), self.window, self.tz)


@dataclass(frozen=True)
class Measure:
    """A KPI's value for a period. `value` None means undefined (a division by zero), which
    the dashboard shows as "—", never as 0."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    detail: dict = field(default_factory=dict)


def ratio(numerator: float, denominator: float, detail: dict | None = None) -> Measure:
    """numerator ÷ denominator, undefined when the denominator is 0."""
    value = numerator / denominator if denominator else None
    return Measure(value, numerator, denominator, detail or {})


@dataclass(frozen=True)
class Kpi:
    key: str
    name: str
    definition: str
    formula: str
    unit: str
    direction: str
    timing: str
    area: str
    compute: Callable[[Period], Measure]
    drivers: tuple[str, ...] = ()  # the leading KPIs that drive this one
    # A stock (members on a day) ignores the window; a flow (new members) sums over it.
    is_stock: bool = False

    @property
    def higher_is_better(self) -> bool:
        return self.direction == Direction.HIGHER


CATALOGUE: dict[str, Kpi] = {}


def kpi(
    *,
    key: str,
    name: str,
    definition: str,
    formula: str,
    unit: str,
    direction: str,
    timing: str,
    area: str,
    drivers: tuple[str, ...] = (),
    is_stock: bool = False,
):
    """Register the decorated function as KPI `key`'s calculator (one key, one KPI)."""

    def register(compute: Callable[[Period], Measure]) -> Callable[[Period], Measure]:
        if key in CATALOGUE and CATALOGUE[key].compute is not compute:
            raise ValueError(f"KPI {key!r} is registered twice")
        CATALOGUE[key] = Kpi(
            key=key,
            name=name,
            definition=definition,
            formula=formula,
            unit=unit,
            direction=direction,
            timing=timing,
            area=area,
            compute=compute,
            drivers=drivers,
            is_stock=is_stock,
        )
        return compute

    return register


def kpi_get(key: str) -> Kpi:
    """The KPI registered under `key`; KeyError for an unknown key."""
    return CATALOGUE[key]


def kpis_in_order() -> list[Kpi]:
    """Every KPI, by area, then leading before lagging, then name."""
    areas = list(Area.values)
    return sorted(
        CATALOGUE.values(),
        key=lambda k: (areas.index(k.area), k.timing != Timing.LEADING, k.name.casefold()),
    )


# What KPIs computed together have fetched, by key; None outside computing_together().
_shared_rows: ContextVar[dict[tuple, Any] | None] = ContextVar("kpi_shared_rows", default=None)


@contextmanager
def computing_together() -> Iterator[None]:
    """Within this block KPIs may share what they fetch (`shared`): several KPIs and
    windows of one day read the same rows once. Snapshots open one block per day, so
    nothing is shared across days and nothing outlives the computation."""
    token = _shared_rows.set({})
    try:
        yield
    finally:
        _shared_rows.reset(token)


def shared(key: tuple, fetch: Callable[[], Any]) -> Any | None:
    """`fetch()`, called once per `key` inside computing_together(); None outside it, where
    the caller reads just what it needs."""
    rows = _shared_rows.get()
    if rows is None:
        return None
    if key not in rows:
        rows[key] = fetch()
    return rows[key]


def by_window(period: Period, name: str, compute: Callable[[list[Period]], dict[int, Any]]) -> Any:
    """`compute(periods)` returns a value per window length for windows that share their
    last day. Computed together, it runs once for every window of `period`'s day (one
    query with a count per window instead of one query per window); otherwise for
    `period` alone."""
    if period.window in WINDOWS:
        windows = [Period(period.day, window, period.tz) for window in WINDOWS]
        found = shared((name, period.day, period.tz), lambda: compute(windows))
        if found is not None:
            return found[period.window]
    return compute([period])[period.window]
