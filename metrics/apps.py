from importlib import import_module

from django.apps import AppConfig


class MetricsConfig(AppConfig):
    """KPIs against business goals, the executive dashboard and 90-day plan reports."""

    name = "metrics"
    verbose_name = "Metrics"

    def ready(self) -> None:
        from metrics.kpis import KPI_MODULES

        for module in KPI_MODULES:
            import_module(module)

        from members.landing import login_landing_register
        from metrics.permissions import dashboard_landing

        login_landing_register(dashboard_landing)
