import logging

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from community.selectors import branding_get
from members.access import access_changed
from members.models import ApprovalStatus, MemberApplication, Profile, User

logger = logging.getLogger(__name__)


def _decide(*, user: User, actor: User, status: str, note: str) -> bool:
    from members.tasks import member_application_decision_send_task

    if not actor.has_perm("members.change_memberapplication"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Only community managers decide on new accounts.")
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.approval_status != ApprovalStatus.PENDING:
        return False  # already decided: a double click or a second manager changes nothing
    locked.approval_status = status
    locked.save(update_fields=["approval_status", "updated_at"])
    access_changed(user_ids=[locked.pk])
    MemberApplication.objects.update_or_create(
        user=locked,
        defaults={"decided_by": actor, "decided_at": timezone.now(), "decision_note": note},
    )
    logger.info("member %s %s by %s", locked.pk, status, actor.pk)
    if status == ApprovalStatus.DECLINED:
        # An approved member hears it from the welcome e-mail, which says so; one e-mail.
        transaction.on_commit(
            lambda: member_application_decision_send_task.delay(user_id=locked.pk)
        )
    return True


@transaction.atomic
def member_application_approve(*, user: User, actor: User) -> bool:
    """Let a waiting sign-up in: they become a Member and get the welcome e-mail (which says
    they were approved), and the open group invitations sent to their verified addresses
    are accepted for them (the approval queue shows them). Returns False when someone had
    already decided."""
    from members.services.accounts import member_onboard
    from members.services.groups import invitations_accept_on_approval

    if not _decide(user=user, actor=actor, status=ApprovalStatus.APPROVED, note=""):
        return False
    user.refresh_from_db()
    _profile_fill_from_application(user=user)
    member_onboard(user=user)
    invitations_accept_on_approval(user=user)
    return True


def _profile_fill_from_application(*, user: User) -> None:
    """What they told us at sign-up starts their profile (members-only, as usual)."""
    application = MemberApplication.objects.filter(user=user).first()
    if application is None:
        return
    Profile.objects.filter(user=user, company="").update(company=application.company)
    Profile.objects.filter(user=user, headline="").update(headline=application.headline)


@transaction.atomic
def member_application_decline(*, user: User, actor: User, note: str = "") -> bool:
    return _decide(user=user, actor=actor, status=ApprovalStatus.DECLINED, note=note)


def member_application_decision_send(*, user_id: int) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is None or user.approval_status == ApprovalStatus.PENDING or not user.email:
        return
    context = {
        "user": user,
        "branding": branding_get(),
        "approved": user.approval_status == ApprovalStatus.APPROVED,
    }
    send_mail(
        subject=render_to_string("email/application_decision_subject.txt", context).strip(),
        message=render_to_string("email/application_decision_message.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
