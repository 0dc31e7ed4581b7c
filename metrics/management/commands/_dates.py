"""Dates as the metrics commands take them: YYYY-MM-DD, with a clear error otherwise."""

from datetime import date

from django.core.management.base import CommandError


def parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CommandError(f"{option} takes a date as YYYY-MM-DD, not {value!r}.") from None
