from django.apps import AppConfig


class MetricsConfig(AppConfig):
    """KPIs against business goals, the executive dashboard and 90-day plan reports."""

    name = "metrics"
    verbose_name = "Metrics"
