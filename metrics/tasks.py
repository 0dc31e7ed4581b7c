from celery import shared_task
from django.db import OperationalError

from metrics.snapshots import snapshot_day


@shared_task(
    name="metrics.snapshot_yesterday",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def snapshot_yesterday() -> int:
    """The nightly snapshot of the day that just ended (idempotent: a retry or a second run
    writes only what is missing)."""
    return snapshot_day().written
