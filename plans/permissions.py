"""Who reads 90-day plan reports: community members whose roles grant
`plans.view_planreport` (Executives and Community managers, by migration) and superusers.
Every plans view asks `check_view_reports`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from members.permissions import is_community_member

VIEW_REPORTS = "plans.view_planreport"
REPORTS_REFUSED = "90-day plan reports are for executives and community managers."


def can_view_reports(user) -> bool:
    return is_community_member(user) and user.has_perm(VIEW_REPORTS)


def check_view_reports(user) -> None:
    if not can_view_reports(user):
        raise PermissionDenied(REPORTS_REFUSED)
