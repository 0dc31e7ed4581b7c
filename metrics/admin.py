"""The metrics' settings in the admin: one row (created by a migration), edited, never added
or deleted; the list opens the row itself."""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from metrics.models import SETTINGS_ID, MetricsSettings


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
