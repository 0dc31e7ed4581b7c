"""Forum tasks: e-mail (mentions and replies at once, digests of watched activity)."""

from celery import shared_task

from community.tasks import email_task


@email_task("forums.send_post_email")
def post_email_send_task(post_id: int, user_id: int, kind: str, path: str) -> None:
    from forums.services.notify import post_email_send

    post_email_send(post_id=post_id, user_id=user_id, kind=kind, path=path)


@shared_task(name="forums.send_digests", ignore_result=True, acks_late=True)
def digests_send_task() -> int:
    """Beat, 07:00 daily: queue a digest for each member due today (daily members every
    day, weekly members on Mondays). Each digest is its own task, retried on its own."""
    from forums.services.notify import digests_send

    return digests_send()


@email_task("forums.send_digest")
def digest_send_task(user_id: int, until: str) -> None:
    from datetime import datetime

    from forums.services.notify import digest_send

    digest_send(user_id=user_id, until=datetime.fromisoformat(until))
