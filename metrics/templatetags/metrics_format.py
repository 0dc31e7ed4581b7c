"""`{{ value|kpi_value:"percent" }}`: a number as the dashboard writes a KPI of that unit
(metrics.formatting), for the breakdowns the templates lay out themselves."""

from django import template

from metrics.formatting import format_value

register = template.Library()


@register.filter
def kpi_value(value, unit: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        value = None
    return format_value(unit, value)
