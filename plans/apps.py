from django.apps import AppConfig


class PlansConfig(AppConfig):
    """90-day plan reports: made every 90 days by Celery, edited and published by community
    managers in the admin, read by executives at /reports/ and as PDF."""

    name = "plans"
    verbose_name = "90-day plans"

    def ready(self) -> None:
        from metrics.dashboard_links import DashboardLink, dashboard_link_register
        from plans.permissions import can_view_reports

        dashboard_link_register(DashboardLink("90-day plans", "plans:list", can_view_reports))
