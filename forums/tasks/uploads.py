"""Forum tasks: uploaded images."""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="forums.purge_unused_images",
    ignore_result=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def unused_images_purge_task() -> int:
    """Nightly (beat): delete images uploaded and never posted. A batch per run; a second
    run only finds what the first left."""
    from forums.services.uploads import unused_images_purge

    return unused_images_purge()
