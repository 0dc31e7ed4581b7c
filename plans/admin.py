"""90-day plan reports in the admin: a community manager makes one for any 90 days that are
over ("Add": the Celery worker computes it), edits a draft's narrative, targets and
checklist, and publishes it. A published report is read-only. From a draft or a published
report, a manager e-mails one of its outreach lists (plans.outreach)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from community.selectors import branding_get
from metrics.catalogue import CATALOGUE
from metrics.formatting import format_value
from plans.models import (
    OUTREACH_BODY_MAX,
    PERIOD_DAYS,
    OutreachList,
    PlanAction,
    PlanReport,
    PlanSettings,
    ProposedTarget,
    ReportStatus,
)
from plans.outreach import SUBJECT_MAX, campaign_create, campaign_draft, list_ids
from plans.services import (
    period_end_check,
    report_claim,
    report_publish,
    report_render,
    report_update,
)
from plans.tasks import plan_report_generate


class GenerateForm(forms.Form):
    period_start = forms.DateField(
        label="First day",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The period's first day.",
    )
    period_end = forms.DateField(
        label="Last day",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=f"Optional: {PERIOD_DAYS} days after the first, counting both.",
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end:
            period_end_check(start, end)
        return cleaned


class OutreachForm(forms.Form):
    subject = forms.CharField(max_length=SUBJECT_MAX, widget=forms.TextInput(attrs={"size": 70}))
    body = forms.CharField(
        label="Text",
        max_length=OUTREACH_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 80}),
        help_text="Plain text. {name} becomes each member's name. The unsubscribe link is "
        "added below it.",
    )


# Managers e-mail lists of published reports too, which the admin otherwise shows read-only.
CHANGE_REPORTS = "plans.change_planreport"


class _ReportPartInline:
    """A report's targets and checklist are part of the report: whoever may change a draft
    report may change them (the roles grant report permissions only)."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("plans.view_planreport")

    def has_change_permission(self, request, obj=None):
        draft = obj is None or obj.status == ReportStatus.DRAFT
        return draft and request.user.has_perm("plans.change_planreport")

    def has_add_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


class TargetInline(_ReportPartInline, admin.TabularInline):
    model = ProposedTarget
    fields = [
        *("kpi_name", "current_shown", "proposed_shown"),
        *("value", "is_objective", "business_goal"),
    ]
    readonly_fields = ["kpi_name", "current_shown", "proposed_shown"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="KPI")
    def kpi_name(self, target: ProposedTarget) -> str:
        kpi = CATALOGUE.get(target.key)
        return kpi.name if kpi else target.key

    @admin.display(description="now")
    def current_shown(self, target: ProposedTarget) -> str:
        return self._shown(target, target.current)

    @admin.display(description="proposed")
    def proposed_shown(self, target: ProposedTarget) -> str:
        return self._shown(target, target.proposed)

    def _shown(self, target: ProposedTarget, value: float | None) -> str:
        kpi = CATALOGUE.get(target.key)
        return format_value(kpi.unit, value) if kpi else f"{value}"


class ActionInline(_ReportPartInline, admin.TabularInline):
    model = PlanAction
    fields = ["position", "text"]
    extra = 1


@admin.register(PlanReport)
class PlanReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "generated_at", "published_at", "links"]
    list_filter = ["status"]
    fields = ["period", "status", "narrative", "links"]
    readonly_fields = ["period", "status", "links"]
    inlines = [TargetInline, ActionInline]

    @admin.display(description="Period")
    def period(self, report: PlanReport) -> str:
        return f"{report.period_start:%d %b %Y} – {report.period_end:%d %b %Y}"

    @admin.display(description="Read")
    def links(self, report: PlanReport) -> str:
        if not report.is_complete:
            return "Being generated…"
        return format_html(
            '<a href="{}">Report</a> · <a href="{}">PDF</a>',
            reverse("plans:detail", args=[report.pk]),
            reverse("plans:pdf", args=[report.pk]),
        )

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != ReportStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status == ReportStatus.PUBLISHED:
            return False
        return super().has_delete_permission(request, obj)

    def get_urls(self):
        return [
            path(
                "<int:pk>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="plans_planreport_publish",
            ),
            path(
                "<int:pk>/outreach/<str:list_key>/",
                self.admin_site.admin_view(self.outreach_view),
                name="plans_planreport_outreach",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """ "Add" makes a report for a period: the worker computes it."""
        if not self.has_add_permission(request):
            return super().add_view(request, form_url, extra_context)  # Django's 403
        form = GenerateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                claim = report_claim(
                    start=form.cleaned_data["period_start"], requested_by=request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if claim.report.is_complete:
                    self.message_user(
                        request, "A report for that period exists already.", messages.WARNING
                    )
                else:
                    report_id = claim.report.pk
                    transaction.on_commit(lambda: plan_report_generate.delay(report_id))
                    self.message_user(
                        request,
                        "The report is being generated; it appears here as a draft when "
                        "the worker has finished.",
                    )
                return redirect("admin:plans_planreport_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": "Generate a 90-day plan report",
            "days": PERIOD_DAYS,
        }
        return TemplateResponse(request, "admin/plans/planreport/generate.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        report = self.get_object(request, object_id)
        if report is not None:
            extra_context = {**(extra_context or {}), **self._outreach_context(request, report)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _outreach_context(self, request, report: PlanReport) -> dict:
        can_send = report.is_complete and request.user.has_perm(CHANGE_REPORTS)
        outreach = report.data.get("outreach", {})
        return {
            "outreach_lists": [
                {
                    "key": key,
                    "label": label,
                    "count": len(list_ids(report, key)),
                    "total": outreach.get(key, {}).get("total", 0),
                }
                for key, label in OutreachList.choices
            ]
            if can_send
            else [],
            "outreach_campaigns": list(report.campaigns.select_related("created_by")),
        }

    def outreach_view(self, request, pk: int, list_key: str):
        """E-mail one of the report's outreach lists: a draft to edit, then Send."""
        if not request.user.has_perm(CHANGE_REPORTS):
            raise PermissionDenied
        report = get_object_or_404(PlanReport, pk=pk)
        if list_key not in OutreachList.values:
            raise Http404("No such outreach list.")
        subject, body = campaign_draft(list_key, community_name=branding_get().community_name)
        form = OutreachForm(request.POST or None, initial={"subject": subject, "body": body})
        if request.method == "POST" and form.is_valid():
            try:
                campaign = campaign_create(
                    report=report, list_key=list_key, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(
                    request,
                    f"The e-mail to “{campaign.get_list_key_display()}” is being sent to "
                    f"up to {campaign.listed} members.",
                )
                return redirect("admin:plans_planreport_change", report.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": report,
            "form": form,
            "title": f"E-mail “{OutreachList(list_key).label}”",
            "list_label": OutreachList(list_key).label,
            "count": len(list_ids(report, list_key)),
            "total": report.data.get("outreach", {}).get(list_key, {}).get("total", 0),
            "campaigns": report.campaigns.filter(list_key=list_key),
        }
        return TemplateResponse(request, "admin/plans/planreport/outreach.html", context)

    def save_model(self, request, obj, form, change):
        report_update(report=obj, narrative=form.cleaned_data["narrative"])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        report_render(report=form.instance)

    def publish_view(self, request, pk: int):
        report = PlanReport.objects.filter(pk=pk).first()
        if report is None or not self.has_change_permission(request, report):
            self.message_user(request, "Only a draft can be published.", messages.ERROR)
            return redirect("admin:plans_planreport_changelist")
        if request.method != "POST":
            return redirect("admin:plans_planreport_change", pk)
        report_publish(report=report, actor=request.user)
        self.message_user(
            request, "Published: executives and community managers are being e-mailed the PDF."
        )
        return HttpResponseRedirect(reverse("admin:plans_planreport_changelist"))


@admin.register(PlanSettings)
class PlanSettingsAdmin(admin.ModelAdmin):
    fields = ["first_period_start"]

    def has_add_permission(self, request):
        return not PlanSettings.objects.filter(pk=1).exists() and super().has_add_permission(
            request
        )

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        """A list of one row is a detour: open the row itself."""
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)  # Django's 403
        if not PlanSettings.objects.filter(pk=1).exists():
            return redirect("admin:plans_plansettings_add")
        return redirect("admin:plans_plansettings_change", 1)

    def save_model(self, request, obj, form, change):
        obj.pk = 1
        super().save_model(request, obj, form, change)
