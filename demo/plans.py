"""The demo's 90-day plans: the period before last published by the community manager, with
her narrative, and the last period as a draft she has not finished. Made by the worker after
the KPI history (demo.tasks), so the reports read stored snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from community.timezones import community_today
from demo.groups import DEMO_MANAGER_USERNAME
from members.models import User
from plans.models import PERIOD_DAYS, PlanReport, PlanSettings
from plans.services import report_claim, report_generate, report_publish, report_update

PUBLISHED_NARRATIVE = (
    "A steady quarter. The **Beta Program** carried the product conversation, and members "
    "answered more of each other's questions than the team did. The weak spot is the first "
    "response at weekends: the volunteer moderator cadre is the plan for it."
)


@dataclass(frozen=True)
class DemoPlans:
    published: PlanReport | None
    draft: PlanReport | None


def demo_plans_create() -> DemoPlans:
    """Two reports: [T−180, T−91] published, [T−90, T−1] a draft, T being today; the
    schedule counts its periods from the first one. Nothing without the demo's manager."""
    manager = User.objects.filter(username=DEMO_MANAGER_USERNAME).first()
    if manager is None:
        return DemoPlans(published=None, draft=None)
    yesterday = community_today() - timedelta(days=1)
    latest_start = yesterday - timedelta(days=PERIOD_DAYS - 1)
    earlier_start = latest_start - timedelta(days=PERIOD_DAYS)
    PlanSettings.objects.update_or_create(pk=1, defaults={"first_period_start": earlier_start})
    earlier = report_generate(
        report_id=report_claim(start=earlier_start, requested_by=manager).report.pk
    )
    if not earlier.is_published:
        earlier = report_update(report=earlier, narrative=PUBLISHED_NARRATIVE)
        earlier = report_publish(report=earlier, actor=manager)
    draft = report_generate(
        report_id=report_claim(start=latest_start, requested_by=manager).report.pk
    )
    return DemoPlans(published=earlier, draft=draft)
