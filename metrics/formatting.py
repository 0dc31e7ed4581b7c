"""How a KPI's number reads on the dashboard, in exports' "shown" columns and in reports:
by its unit. Undefined (None) reads "—", never 0."""

from __future__ import annotations

from collections.abc import Callable

from metrics.catalogue import Unit

UNDEFINED = "—"


def _count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def format_value(unit: str, value: float | None, currency: str = "USD") -> str:
    if value is None:
        return UNDEFINED
    if unit == Unit.PERCENT:
        return f"{value * 100:.1f} %"
    if unit == Unit.HOURS:
        return f"{value:,.1f} h"
    if unit == Unit.MONTHS:
        return f"{value:,.1f} months"
    if unit == Unit.MONEY:
        return f"{currency} {value:,.0f}"
    if unit == Unit.RATIO:
        return f"{value:.2f}"
    return _count(value)


def format_change(unit: str, change: float | None, currency: str = "USD") -> str:
    """A difference between two values of the unit, signed. Shares change in percentage
    points: 40 % → 50 % is "+10.0 pts", not "+25 %"."""
    if change is None:
        return UNDEFINED
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    size = abs(change)
    if unit == Unit.PERCENT:
        return f"{sign}{size * 100:.1f} pts"
    return sign + format_value(unit, size, currency)


def formatter(unit: str, currency: str = "USD") -> Callable[[float], str]:
    return lambda value: format_value(unit, value, currency)
