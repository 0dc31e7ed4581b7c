"""Making, editing and publishing 90-day plan reports. Every write to a report goes through
here; the Celery tasks (plans.tasks) and the admin call these functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from community.timezones import community_today
from members.models import User
from metrics.catalogue import CATALOGUE, Area
from metrics.models import KpiTarget
from plans import sections
from plans.models import PERIOD_DAYS, PlanAction, PlanReport, ProposedTarget, ReportStatus
from plans.outreach import campaign_outcomes
from plans.rendering import report_html, report_pdf


class ReportLocked(ValidationError):
    """A published report is read-only."""


def period_check(start: date) -> None:
    """A report covers 90 whole days that are over, on or after the community began."""
    end = start + timedelta(days=PERIOD_DAYS - 1)
    if end >= community_today():
        raise ValidationError(
            f"The period {start:%d %b %Y} – {end:%d %b %Y} is not over yet: a report covers "
            "90 days that have ended (the last one yesterday at the latest)."
        )
    first_member = User.objects.order_by("date_joined").values_list("date_joined", flat=True)
    began = first_member.first()
    if began is None or end < timezone.localtime(began).date():
        raise ValidationError("The community did not exist yet in that period.")


def period_end_check(start: date, end: date) -> None:
    if (end - start).days + 1 != PERIOD_DAYS:
        raise ValidationError(
            f"A plan covers exactly {PERIOD_DAYS} days; {start:%d %b %Y} – {end:%d %b %Y} "
            f"is {(end - start).days + 1}."
        )


@dataclass(frozen=True)
class Claim:
    report: PlanReport
    created: bool


def report_claim(*, start: date, requested_by: User | None = None) -> Claim:
    """The period's report, created in the "being generated" state when there is none. Two
    requests for one period get the same row (the period's first day is unique)."""
    period_check(start)
    report, created = PlanReport.objects.get_or_create(
        period_start=start, defaults={"requested_by": requested_by}
    )
    return Claim(report=report, created=created)


def _proposed_targets(report: PlanReport, review: list[dict], objective_keys: list[str]):
    rows = []
    for row in review:
        kpi = CATALOGUE.get(row["key"])
        if kpi is None or row["value"] is None:
            continue
        proposed = sections.proposed_value(kpi.unit, kpi.direction, row["value"], row["previous"])
        rows.append(
            ProposedTarget(
                report=report,
                key=row["key"],
                current=row["value"],
                proposed=proposed,
                value=proposed,
                is_objective=row["key"] in objective_keys,
                business_goal=row.get("business_goal", ""),
            )
        )
    return rows


def report_generate(*, report_id: int) -> PlanReport:
    """Compute the report's sections and render it. Idempotent: a report already complete
    is returned as it is; one left half-made by a worker that died is made again from the
    start, in one transaction, so it is either complete or still "being generated"."""
    with transaction.atomic():
        report = PlanReport.objects.select_for_update().get(pk=report_id)
        if report.is_complete:
            return report
        report.attempts += 1
        report.save(update_fields=["attempts", "updated_at"])
    start, end = report.period_start, report.period_end
    data = sections.report_data(start, end)
    previous = (
        PlanReport.objects.filter(
            period_start=start - timedelta(days=PERIOD_DAYS), status=ReportStatus.PUBLISHED
        )
        .prefetch_related("targets")
        .first()
    )
    previous_objectives = sections.previous_objectives_of(previous) if previous else []
    data["last_quarter"] = sections.last_quarter(start, data["review"], previous_objectives)
    data["situation"] = sections.situation(data)
    # E-mails go out from a draft as well as a published report: any status counts.
    before = PlanReport.objects.filter(period_start=start - timedelta(days=PERIOD_DAYS)).first()
    data["outreach_outcomes"] = campaign_outcomes(before) if before else []
    with transaction.atomic():
        report = PlanReport.objects.select_for_update().get(pk=report_id)
        if report.is_complete:  # another worker finished it meanwhile
            return report
        report.data = data
        report.targets.all().delete()
        report.actions.all().delete()
        ProposedTarget.objects.bulk_create(
            _proposed_targets(report, data["review"], data["objectives"])
        )
        PlanAction.objects.bulk_create(
            [
                PlanAction(report=report, text=text, position=n)
                for n, text in enumerate(data["actions"])
            ]
        )
        _render(report)
        report.status = ReportStatus.DRAFT
        report.generated_at = timezone.now()
        report.save()
    return report


def _render(report: PlanReport) -> None:
    report.html = str(report_html(report))
    report.pdf = report_pdf(report, report.html)


def _check_draft(report: PlanReport) -> None:
    if report.status == ReportStatus.PUBLISHED:
        raise ReportLocked("This report is published: it is read-only.")
    if report.status == ReportStatus.GENERATING:
        raise ValidationError("This report is still being generated.")


@transaction.atomic
def report_update(
    *,
    report: PlanReport,
    narrative: str,
    targets: dict[str, float | None] | None = None,
    actions: list[str] | None = None,
) -> PlanReport:
    """The manager's edits of a draft: the narrative, target values by KPI key and the
    checklist. The computed numbers never change. The HTML and PDF are rendered again."""
    report = PlanReport.objects.select_for_update().get(pk=report.pk)
    _check_draft(report)
    report.narrative = narrative
    for key, value in (targets or {}).items():
        report.targets.filter(key=key).update(value=value)
    if actions is not None:
        report.actions.all().delete()
        PlanAction.objects.bulk_create(
            [
                PlanAction(report=report, text=text.strip(), position=n)
                for n, text in enumerate(actions)
                if text.strip()
            ]
        )
    report.full_clean(exclude=["data", "html", "pdf"])
    _render(report)
    report.save()
    return report


def report_render(*, report: PlanReport) -> PlanReport:
    """Render a draft again after edits made in the admin's forms."""
    with transaction.atomic():
        report = PlanReport.objects.select_for_update().get(pk=report.pk)
        _check_draft(report)
        _render(report)
        report.save(update_fields=["html", "pdf", "updated_at"])
    return report


def _area_of(key: str) -> str:
    kpi = CATALOGUE.get(key)
    return Area(kpi.area).label if kpi else key


def report_publish(*, report: PlanReport, actor: User) -> PlanReport:
    """Publish a draft: read-only from now on; its targets become the KPI targets of the
    next 90 days; executives and community managers are e-mailed once, after commit."""
    from plans.tasks import plan_report_announce

    with transaction.atomic():
        report = PlanReport.objects.select_for_update().get(pk=report.pk)
        _check_draft(report)
        _render(report)
        report.status = ReportStatus.PUBLISHED
        report.published_at = timezone.now()
        report.published_by = actor
        report.save()
        next_start = report.period_end + timedelta(days=1)
        next_end = next_start + timedelta(days=PERIOD_DAYS - 1)
        KpiTarget.objects.bulk_create(
            [
                KpiTarget(
                    key=target.key,
                    business_goal=target.business_goal or _area_of(target.key),
                    value=target.value,
                    window=PERIOD_DAYS,
                    owner=actor,
                    starts_on=next_start,
                    ends_on=next_end,
                )
                for target in report.targets.filter(is_objective=True)
                if target.value is not None
            ]
        )
        transaction.on_commit(lambda: plan_report_announce.delay(report.pk))
    return report


def report_readers():
    """Who reads plan reports: community members whose roles grant plans.view_planreport
    (Executives and Community managers), and superusers."""
    from django.db.models import Q

    from members.permissions import community_member_q

    grant = Q(groups__permissions__codename="view_planreport") & Q(
        groups__permissions__content_type__app_label="plans"
    )
    return (
        User.objects.filter(community_member_q())
        .filter(grant | Q(is_superuser=True))
        .exclude(email="")
        .distinct()
    )


def report_announce(*, report_id: int) -> int:
    """E-mail a published report to its readers, with the summary and the PDF attached:
    once (claimed first, given back if sending fails so the retry sends it). Returns how
    many were sent."""
    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string
    from django.urls import reverse

    from community.links import absolute_url
    from community.selectors import branding_get

    claimed = PlanReport.objects.filter(
        pk=report_id, status=ReportStatus.PUBLISHED, announced_at__isnull=True
    ).update(announced_at=timezone.now())
    if not claimed:
        return 0
    report = PlanReport.objects.get(pk=report_id)
    try:
        context = {
            "report": report,
            "branding": branding_get(),
            "situation": report.data.get("situation", []),
            "objectives": [
                {"name": CATALOGUE[t.key].name if t.key in CATALOGUE else t.key, "target": t}
                for t in report.targets.filter(is_objective=True)
            ],
            "url": absolute_url(reverse("plans:detail", args=[report.pk])),
        }
        subject = render_to_string("plans/email/published_subject.txt", context).strip()
        body = render_to_string("plans/email/published_message.txt", context)
        filename = f"90-day-plan-{report.period_start:%Y-%m-%d}.pdf"
        sent = 0
        for reader in report_readers():
            message = EmailMultiAlternatives(subject=subject, body=body, to=[reader.email])
            message.attach(filename, bytes(report.pdf), "application/pdf")
            message.send()
            sent += 1
    except Exception:
        PlanReport.objects.filter(pk=report_id).update(announced_at=None)
        raise
    return sent
