"""Targets, API tokens and the deflection settings in the admin, for community managers.

A target names a registered KPI (chosen from a list, so a typo cannot make a target nobody
meets), the business goal it serves, the value, the window it is measured over, its owner
and its dates; the dashboard compares each KPI with the target in force.

A token is created for a person who may read the dashboard; its key is shown on the page
that follows "Save", once, and only a hash is kept. Tokens are revoked, not deleted, so the
list keeps who had access and when it was last used.

The settings are one row (created by a migration), edited, never added or deleted; the list
opens the row itself."""

from django.contrib import admin
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from metrics.catalogue import CATALOGUE
from metrics.formatting import format_value
from metrics.forms import ApiTokenForm, KpiTargetForm
from metrics.models import SETTINGS_ID, ApiToken, KpiTarget, MetricsSettings
from metrics.tokens import api_token_create, api_token_revoke


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    form = KpiTargetForm
    list_display = [
        "kpi_name",
        "business_goal",
        "target",
        "window",
        "owner",
        "starts_on",
        "ends_on",
    ]
    list_filter = ["window"]
    search_fields = ["key", "business_goal"]
    autocomplete_fields = ["owner"]
    list_select_related = ["owner"]

    @admin.display(description="KPI", ordering="key")
    def kpi_name(self, target: KpiTarget) -> str:
        kpi = CATALOGUE.get(target.key)
        return kpi.name if kpi else f"{target.key} (not registered)"

    @admin.display(description="target", ordering="value")
    def target(self, target: KpiTarget) -> str:
        kpi = CATALOGUE.get(target.key)
        return format_value(kpi.unit, target.value) if kpi else f"{target.value:g}"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["name", "owner", "prefix", "created_at", "last_used_at", "status"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "owner__username", "prefix"]
    autocomplete_fields = ["owner"]
    list_select_related = ["owner"]
    actions = ["revoke"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]

    @admin.display(description="status")
    def status(self, token: ApiToken) -> str:
        return "active" if token.is_active else "revoked"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["owner", "name"]
        return ["owner", "name", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        # A token's owner never changes: the key was handed to that person.
        return [*self.readonly_fields, "owner"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_form(self, request, form, change):
        token = super().save_form(request, form, change)
        if change:
            return token
        # ApiTokenForm already checked what api_token_create refuses.
        created, key = api_token_create(owner=token.owner, name=token.name)
        request._api_token_key = key
        return created

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        # A new token was stored by api_token_create in save_form.

    def response_add(self, request, obj, post_url_continue=None):
        # The key is put on this one page and nowhere else: not in a message (stored in the
        # session) and not in the database.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "token": obj,
            "key": request._api_token_key,
            "title": "Copy the new API key",
        }
        return TemplateResponse(request, "admin/metrics/apitoken/created.html", context)

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token)
            count += 1
        self.message_user(request, f"{count} token(s) revoked; they stop working at once.")


def _settings_url() -> str:
    return reverse("admin:metrics_metricssettings_change", args=[SETTINGS_ID])


@admin.register(MetricsSettings)
class MetricsSettingsAdmin(admin.ModelAdmin):
    fieldsets = [
        (
            "Support deflection estimate",
            {
                "fields": ["deflection_rate", "cost_per_case", "currency"],
                "description": "Estimated support cost avoided = views of solved topics × "
                "deflection rate × cost per case. Once readers give enough answers to “Did "
                "this answer your question?” in a period, their share of Yes replaces the "
                "rate set here.",
            },
        )
    ]

    def has_add_permission(self, request):
        # Only to create the one row on a database whose data migration did not run.
        exists = MetricsSettings.objects.filter(pk=SETTINGS_ID).exists()
        return not exists and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        """A list of one row is a detour: open the row itself."""
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)  # Django's 403
        if not MetricsSettings.objects.filter(pk=SETTINGS_ID).exists():
            return redirect("admin:metrics_metricssettings_add")
        return redirect(_settings_url())

    def save_model(self, request, obj, form, change):
        obj.pk = SETTINGS_ID
        super().save_model(request, obj, form, change)


def _settings_home_row(row: dict) -> None:
    row["admin_url"] = _settings_url()
    row["add_url"] = None


admin.site.rewrite_home_row("metrics.MetricsSettings", _settings_home_row)
