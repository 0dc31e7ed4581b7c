import logging

from django.contrib.auth.models import Group
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from community.links import absolute_url
from community.selectors import branding_get
from members import roles
from members.access import access_changed, member_pages_changed
from members.models import ApprovalStatus, MemberApplication, Profile, User
from members.tasks import member_welcome_email_send_task

logger = logging.getLogger(__name__)


@transaction.atomic
def member_onboard(*, user: User, application: dict | None = None) -> None:
    """Everything a new account needs: its profile; then, once approved, the Members role
    and the welcome e-mail, queued after commit (the worker must be able to load the row).

    A sign-up that waits for approval keeps its answers (`application`) for the community
    manager; this runs again when they approve it."""
    Profile.objects.get_or_create(user=user)
    if application is not None:
        MemberApplication.objects.update_or_create(user=user, defaults=application)
    if user.approval_status != ApprovalStatus.APPROVED:
        return
    user.groups.add(Group.objects.get(name=roles.MEMBERS))
    member_pages_changed(user_ids=[user.pk])  # listed from now on
    transaction.on_commit(lambda: member_welcome_email_send_task.delay(user_id=user.pk))


@transaction.atomic
def member_roles_set(*, user: User, role_names: list[str]) -> None:
    """Put `user` in exactly these role groups. Community managers work in the admin, so
    their accounts become staff; leaving that role takes staff away again."""
    unknown = set(role_names) - set(roles.ALL_ROLES)
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")
    role_groups = Group.objects.filter(name__in=roles.ALL_ROLES)
    user.groups.remove(*role_groups.exclude(name__in=role_names))
    user.groups.add(*role_groups.filter(name__in=role_names))
    access_changed(user_ids=[user.pk])
    is_staff = user.is_superuser or bool(roles.STAFF_ROLES & set(role_names))
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff", "updated_at"])


def member_welcome_email_send(*, user_id: int) -> bool:
    """Send the welcome e-mail once. Returns False when there is nothing to send (the
    account is gone or inactive, or it was already welcomed)."""
    claimed = User.objects.filter(
        pk=user_id, is_active=True, welcome_email_sent_at__isnull=True
    ).update(welcome_email_sent_at=timezone.now())
    if not claimed:
        return False
    user = User.objects.get(pk=user_id)
    try:
        context = {
            "user": user,
            "branding": branding_get(),
            "approved_by_hand": MemberApplication.objects.filter(
                user=user, decided_at__isnull=False
            ).exists(),
            "sign_in_url": absolute_url(reverse("account_login")),
            "profile_url": absolute_url(reverse("members:profile-edit")),
        }
        message = EmailMultiAlternatives(
            subject=render_to_string("email/welcome_subject.txt", context).strip(),
            body=render_to_string("email/welcome_message.txt", context),
            to=[user.email],
        )
        message.attach_alternative(
            render_to_string("email/welcome_message.html", context), "text/html"
        )
        message.send()
    except Exception:
        # Give the claim back so the task's retry can try again.
        User.objects.filter(pk=user_id).update(welcome_email_sent_at=None)
        raise
    return True
