from django.apps import AppConfig


class PlansConfig(AppConfig):
    """90-day plan reports: made every 90 days by Celery, edited and published by community
    managers in the admin, read by executives at /reports/ and as PDF."""

    name = "plans"
    verbose_name = "90-day plans"
