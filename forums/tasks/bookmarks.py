"""Forum tasks: bookmarks."""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="forums.send_bookmark_reminders",
    ignore_result=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def bookmark_reminders_send_task() -> int:
    """Every 5 minutes (beat): in-app reminders for bookmarks that are due. A retry or a
    second run never reminds twice (the service claims each bookmark first)."""
    from forums.services.bookmarks import bookmark_reminders_send

    return bookmark_reminders_send()
