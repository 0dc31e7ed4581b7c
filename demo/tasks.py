from celery import shared_task
from django.db import OperationalError

from demo.metrics import demo_metrics_backfill
from demo.plans import demo_plans_create


@shared_task(name="demo.metrics_history", autoretry_for=(OperationalError,), max_retries=3)
def demo_metrics_history() -> int:
    """The demo's KPI history, computed by the worker after `seed_demo` so the web server
    starts at once; snapshots_recompute rewrites a day whole, so a retry is harmless. Then
    the two 90-day plans, which read that history (a retry finds them made)."""
    written = demo_metrics_backfill(progress=False).snapshots
    demo_plans_create()
    return written
