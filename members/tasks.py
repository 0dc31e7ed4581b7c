from smtplib import SMTPException

from celery import shared_task


@shared_task(
    name="members.send_welcome_email",
    ignore_result=True,
    acks_late=True,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def member_welcome_email_send_task(user_id: int) -> None:
    from members.services import member_welcome_email_send

    member_welcome_email_send(user_id=user_id)
