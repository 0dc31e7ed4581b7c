"""Growth: how many members the community has and how many join."""

from __future__ import annotations

from metrics.catalogue import Area, Direction, Measure, Period, Timing, Unit, kpi
from metrics.kpis.base import counted_members


@kpi(
    key="members",
    name="Members",
    definition="Members at the end of the day.",
    formula="Counted members whose account was created before the end of the day.",
    unit=Unit.COUNT,
    direction=Direction.HIGHER,
    timing=Timing.LAGGING,
    area=Area.MARKETING,
    drivers=("new_members",),
    is_stock=True,
)
def members(period: Period) -> Measure:
    return Measure(float(counted_members().filter(date_joined__lt=period.end).count()))


@kpi(
    key="new_members",
    name="New members",
    definition="Members who joined in the window.",
    formula="Counted members whose account was created in [start, end).",
    unit=Unit.COUNT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.MARKETING,
)
def new_members(period: Period) -> Measure:
    joined = counted_members().filter(date_joined__gte=period.start, date_joined__lt=period.end)
    return Measure(float(joined.count()))
