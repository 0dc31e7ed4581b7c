"""The community's time zone, chosen with its branding in the admin. Requests run in it
(community.middleware), so pages show local times and a member's visit falls on their
community's day; work outside a request (the metrics' daily snapshots) asks for it here."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

from community.selectors import branding_get


def community_timezone() -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(branding_get().time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # A zone removed from the system's database since it was chosen.
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def community_today(now: datetime | None = None) -> date:
    return timezone.localdate(now or timezone.now(), community_timezone())
