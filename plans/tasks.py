"""The Celery side of 90-day plans: making a report (retried on a transient failure, safe
to run again after a worker died), the schedule's daily check for a period that just
ended, the announcement e-mail, and the community team's e-mails to an outreach list."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db import OperationalError

from community.tasks import email_task


@shared_task(
    name="plans.generate_report",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def plan_report_generate(report_id: int) -> str:
    from plans.services import report_generate

    return report_generate(report_id=report_id).status


@shared_task(name="plans.report_due", ignore_result=True)
def plan_report_due() -> int | None:
    """Run daily by the beat schedule: when a 90-day period from the configured first
    period ended yesterday, make its report (nothing when it exists already)."""
    from community.timezones import community_today
    from plans.models import PERIOD_DAYS, PlanSettings
    from plans.services import report_claim

    first = PlanSettings.current().first_period_start
    if first is None:
        return None
    yesterday = community_today() - timedelta(days=1)
    days = (yesterday - first).days + 1
    if days <= 0 or days % PERIOD_DAYS:
        return None
    claim = report_claim(start=yesterday - timedelta(days=PERIOD_DAYS - 1))
    if claim.report.is_complete:
        return claim.report.pk
    plan_report_generate.delay(claim.report.pk)
    return claim.report.pk


@email_task("plans.send_published_report")
def plan_report_announce(report_id: int) -> None:
    from plans.services import report_announce

    report_announce(report_id=report_id)


@email_task("plans.send_outreach")
def outreach_campaign_send(campaign_id: int) -> None:
    from plans.outreach import campaign_send

    campaign_send(campaign_id=campaign_id)
