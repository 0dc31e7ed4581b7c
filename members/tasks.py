from celery import shared_task

from community.tasks import email_task


@email_task("members.send_welcome_email")
def member_welcome_email_send_task(user_id: int) -> None:
    from members.services import member_welcome_email_send

    member_welcome_email_send(user_id=user_id)


@shared_task(name="members.recompute_trust_levels", ignore_result=True, acks_late=True)
def trust_levels_recompute_task() -> int:
    # The name stays: the beat schedule is stored in the database under it. The job now also
    # refreshes the directory's "most helpful" scores.
    from members.services.trust import member_standing_recompute

    return member_standing_recompute()


@email_task("members.send_application_decision")
def member_application_decision_send_task(user_id: int) -> None:
    from members.services.approvals import member_application_decision_send

    member_application_decision_send(user_id=user_id)


@email_task("members.notify_shout_out")
def shout_out_notify_task(shout_out_id: int) -> None:
    from members.services.reciprocity import shout_out_notify

    shout_out_notify(shout_out_id=shout_out_id)


# Links in these e-mails come from SITE_URL now. `site_url` is accepted and ignored only so
# that messages queued by the previous release still run; drop it once those have drained.
@email_task("members.send_group_invitation")
def group_invitation_email_send_task(invitation_id: int, site_url: str | None = None) -> None:
    from members.services.groups import group_invitation_email_send

    group_invitation_email_send(invitation_id=invitation_id)


@email_task("members.send_group_request_decision")
def group_request_decision_email_send_task(request_id: int, site_url: str | None = None) -> None:
    from members.services.groups import group_request_decision_email_send

    group_request_decision_email_send(request_id=request_id)


@email_task("members.notify_group_request")
def group_request_managers_notify_task(request_id: int) -> None:
    from members.services.groups import group_request_managers_notify

    group_request_managers_notify(request_id=request_id)
