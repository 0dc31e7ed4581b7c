from smtplib import SMTPException

from celery import shared_task

# Transient failures worth a retry; anything else is a bug and should surface at once.
EMAIL_RETRY_ERRORS = (SMTPException, ConnectionError, TimeoutError)


def email_task(name: str):
    """The house decorator for tasks that send e-mail: retried with backoff on transient SMTP
    and network errors, acknowledged only after the work, no result stored. Tasks take ids,
    not objects, and call one service. Name them `<app>.send_…` or `<app>.notify_…`: those
    names are routed to the `email` queue (settings/integrations/celery.py)."""
    return shared_task(
        name=name,
        ignore_result=True,
        acks_late=True,
        autoretry_for=EMAIL_RETRY_ERRORS,
        retry_backoff=True,
        max_retries=5,
    )


@shared_task(name="community.clean_orphan_permissions", ignore_result=True, acks_late=True)
def clean_orphan_permissions_task() -> int:
    """Remove guardian object permissions whose object no longer exists (generic grants
    only; models with direct-FK permission tables cascade on delete)."""
    from guardian.utils import clean_orphan_obj_perms

    return clean_orphan_obj_perms()
