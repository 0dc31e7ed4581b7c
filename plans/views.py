"""/reports/: the published 90-day plans (and drafts, for community managers), each as a
page and as its PDF. Executives and community managers only."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from plans.models import PlanReport, ReportStatus
from plans.permissions import check_view_reports

CHANGE_REPORTS = "plans.change_planreport"


def _reports_for(user):
    """Published reports for every reader; drafts also for those who may edit them."""
    reports = PlanReport.objects.exclude(status=ReportStatus.GENERATING).defer(
        "pdf", "html", "data"
    )
    if not user.has_perm(CHANGE_REPORTS):
        reports = reports.filter(status=ReportStatus.PUBLISHED)
    return reports


def _report(request, pk: int) -> PlanReport:
    check_view_reports(request.user)
    report = _reports_for(request.user).filter(pk=pk).first()
    if report is None:
        raise Http404("No such report.")
    return report


@require_GET
def report_list(request):
    check_view_reports(request.user)
    reports = list(_reports_for(request.user).order_by("-period_start"))
    return render(request, "plans/report_list.html", {"reports": reports})


@require_GET
def report_detail(request, pk: int):
    report = _report(request, pk)
    body = PlanReport.objects.values_list("html", flat=True).get(pk=report.pk)
    return render(
        request,
        "plans/report_detail.html",
        # The stored body was rendered from a template with autoescape, the narrative
        # through the Markdown sanitiser (plans.rendering).
        {"report": report, "body": mark_safe(body)},  # noqa: S308
    )


@require_GET
def report_pdf(request, pk: int):
    report = _report(request, pk)
    pdf = PlanReport.objects.values_list("pdf", flat=True).get(pk=report.pk)
    response = HttpResponse(bytes(pdf), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="90-day-plan-{report.period_start:%Y-%m-%d}.pdf"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
