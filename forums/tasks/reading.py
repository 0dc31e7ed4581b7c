"""Forum tasks: reading (topic views and read positions)."""

from celery import shared_task


@shared_task(name="forums.flush_views_and_reads", ignore_result=True, acks_late=True)
def views_and_reads_flush_task() -> int:
    """Every 60 s (beat): counted views and read positions from the cache to the database.
    Returns the number of views written."""
    from forums.services.reading import views_and_reads_flush

    return views_and_reads_flush().views
