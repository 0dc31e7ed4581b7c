"""Groups (private spaces): create, manage, join, leave, ask, decide, invite, accept, remove.

Membership *is* the Django auth Group's user set (`user.groups`). Access that other apps
grant to the group (a private category, a library collection) is a guardian grant to the
auth Group, so it reaches every member without per-member rows; joining or leaving is one
row in the User–Group table. `GroupProfile.member_count` follows that table: it moves only
here, with F() updates in the same transaction as the membership row, and only when a row
was really inserted or deleted, so a double click or a race never counts twice.
`group_member_counts_synchronize` rebuilds it from scratch.

Every service checks permissions itself; e-mails go out through Celery after commit, and
in-app notifications (community.notifications) are written after commit too."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from guardian.shortcuts import assign_perm, get_users_with_perms, remove_perm

from community.exceptions import ApplicationError
from community.images import image_normalize
from community.links import absolute_url
from community.markdown import render_markdown
from community.notifications import notification_create, notifications_create
from community.selectors import branding_get
from members.access import access_changed, access_changed_for_everyone
from members.models import (
    ApprovalStatus,
    GroupInvitation,
    GroupMembershipRequest,
    GroupProfile,
    GroupProfileUserObjectPermission,
    GroupVisibility,
    JoinPolicy,
    RequestStatus,
    User,
)
from members.permissions import (
    MANAGE_GROUP,
    VIEW_GROUP,
    can_appoint_group_managers,
    check_appoint_group_managers,
    check_manage_group,
    check_view_group,
    has_perm,
    is_community_member,
)
from members.selectors.groups import invitations_open_for_user
from members.tasks import (
    group_invitation_email_send_task,
    group_request_decision_email_send_task,
    group_request_managers_notify_task,
)

logger = logging.getLogger(__name__)

Membership = User.groups.through

INVITATION_VALIDITY = timedelta(days=14)
INVITATION_SALT = "members.group-invitation"
# A manager's account that is taken over must not become a spam cannon. A rolling 24 hours
# counted from the invitation rows themselves: they are kept anyway, and the count survives
# a cache flush.
INVITATIONS_PER_ACTOR_PER_DAY = 50
INVITATIONS_WINDOW = timedelta(days=1)
# After a denial the managers have answered; asking again the next minute is pestering.
REQUEST_AGAIN_AFTER_DENIAL = timedelta(days=7)
COVER_MAX_BYTES = 5 * 1024 * 1024
COVER_MAX_SIZE = (1600, 600)

POLICY_REFUSALS = {
    JoinPolicy.REQUEST: "This group's managers approve new members: ask to join instead.",
    JoinPolicy.INVITATION: (
        "This group is invitation only: one of its managers has to invite you by e-mail."
    ),
}


class InvitationError(ApplicationError):
    """An invitation link that cannot be used, with the HTTP status the page answers with
    (400 forged, 410 gone: used/expired/withdrawn, 403 not for this account)."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status: int,
        invitation: GroupInvitation | None = None,
    ):
        super().__init__(message, extra={"code": code})
        self.code = code
        self.status = status
        self.invitation = invitation


# --- Creating and configuring groups (the admin path) ------------------------------------


DESCRIPTION_MAX_LENGTH = GroupProfile._meta.get_field("description").max_length


def _text_check(field: str, value: str, *, max_length: int | None = None) -> str:
    """What forms check but models do not: a TextField's max_length is only a widget hint,
    and PostgreSQL refuses NUL characters with a DataError (a 500) instead of a message."""
    if "\x00" in value:
        raise ValidationError({field: "Null characters are not allowed."})
    if max_length is not None and len(value) > max_length:
        raise ValidationError(
            {field: f"Keep it to {max_length:,} characters (it has {len(value):,})."}
        )
    return value


def group_name_check(*, name: str, exclude_group_id: int | None = None) -> str:
    """The group's name, stripped, if it is free; ValidationError({"name": …}) otherwise.
    The admin form calls this too, so the rule lives in one place."""
    name = _text_check("name", name.strip())
    if not name:
        raise ValidationError({"name": "Give the group a name."})
    clash = Group.objects.filter(name__iexact=name)
    if exclude_group_id is not None:
        clash = clash.exclude(pk=exclude_group_id)
    if clash.exists():
        # Roles (Members, Moderators…) are auth groups too, so they share the namespace.
        raise ValidationError({"name": "A group or role with this name already exists."})
    return name


def _cover_image_normalize(upload: UploadedFile):
    try:
        return image_normalize(
            upload, max_bytes=COVER_MAX_BYTES, max_size=COVER_MAX_SIZE, name_prefix="group-cover"
        )
    except ValidationError as exc:
        raise ValidationError({"cover_image": exc.messages}) from exc


@transaction.atomic
def group_create(
    *,
    actor: User,
    name: str,
    slug: str,
    description: str = "",
    visibility: str = GroupVisibility.LISTED,
    join_policy: str = JoinPolicy.REQUEST,
    cover_image: UploadedFile | None = None,
) -> GroupProfile:
    """Create the auth Group and its profile (community managers, in the admin or the seed).

    The group's own auth Group is granted `view_groupprofile` on its profile: that grant is
    what lets members of a hidden group see it, and it needs no upkeep when members change."""
    if not actor.has_perm("members.add_groupprofile"):
        raise PermissionDenied("Only community managers can create groups.")
    name = group_name_check(name=name)
    _text_check("slug", slug)
    _text_check("description", description, max_length=DESCRIPTION_MAX_LENGTH)
    group = Group(name=name)
    group_profile = GroupProfile(
        slug=slug,
        description=description,
        description_html=render_markdown(description),
        visibility=visibility,
        join_policy=join_policy,
    )
    group.full_clean()
    group_profile.full_clean(exclude=["group"])
    if cover_image:
        group_profile.cover_image = _cover_image_normalize(cover_image)
    group.save()
    group_profile.group = group
    group_profile.save()
    assign_perm(VIEW_GROUP.split(".")[1], group, group_profile)
    return group_profile


@transaction.atomic
def group_update(
    *,
    actor: User,
    group_profile: GroupProfile,
    name: str | None = None,
    slug: str | None = None,
    description: str | None = None,
    visibility: str | None = None,
    join_policy: str | None = None,
    cover_image: UploadedFile | None = None,
    cover_image_clear: bool = False,
) -> GroupProfile:
    """Change a group's settings (its managers, or community managers). Arguments left as
    None keep their value."""
    if not (
        has_perm(actor, "members.change_groupprofile", group_profile)
        or has_perm(actor, MANAGE_GROUP, group_profile)
    ):
        raise PermissionDenied("Only this group's managers can change it.")
    group = group_profile.group
    if name is not None:
        group.name = group_name_check(name=name, exclude_group_id=group.pk)
        group.full_clean(validate_unique=False)
    if slug is not None:
        group_profile.slug = _text_check("slug", slug)
    if description is not None:
        _text_check("description", description, max_length=DESCRIPTION_MAX_LENGTH)
        group_profile.description = description
        group_profile.description_html = render_markdown(description)
    visibility_changed = visibility is not None and visibility != group_profile.visibility
    if visibility is not None:
        group_profile.visibility = visibility
    if join_policy is not None:
        group_profile.join_policy = join_policy
    group_profile.full_clean(exclude=["group", "member_count"])
    if cover_image:
        group_profile.cover_image = _cover_image_normalize(cover_image)
    elif cover_image_clear:
        group_profile.cover_image = None
    group.save()
    group_profile.save()
    if visibility_changed:
        # A group made hidden leaves the lists of everyone outside it at once.
        access_changed_for_everyone()
    return group_profile


@transaction.atomic
def group_delete(*, actor: User, group_profile: GroupProfile) -> None:
    """Delete a group: its auth Group goes, and with it (by cascade) the profile, the
    memberships, the requests, the invitations and every guardian grant on the profile.
    Deleting only the profile would leave an auth Group whose members keep whatever access
    was granted to it."""
    if not actor.has_perm("members.delete_groupprofile"):
        raise PermissionDenied("Only community managers who may delete groups can do that.")
    Group.objects.filter(pk=group_profile.group_id).delete()
    # Its members lose whatever was granted to the group, and the group leaves every list.
    access_changed_for_everyone()


@transaction.atomic
def group_manager_add(*, actor: User, group_profile: GroupProfile, user: User) -> None:
    """Make `user` a manager of this group: a guardian grant to the person, on the object.
    Idempotent. Managers need not be members (a community manager may run a group from
    outside it)."""
    check_appoint_group_managers(actor)
    if not is_community_member(user):
        raise ValidationError(f"{user.public_name} is not an active community member.")
    assign_perm(MANAGE_GROUP.split(".")[1], user, group_profile)
    access_changed(user_ids=[user.pk])


@transaction.atomic
def group_manager_remove(*, actor: User, group_profile: GroupProfile, user: User) -> None:
    check_appoint_group_managers(actor)
    remove_perm(MANAGE_GROUP.split(".")[1], user, group_profile)
    access_changed(user_ids=[user.pk])


# --- Membership ---------------------------------------------------------------------------


def _membership_add(*, group_profile: GroupProfile, user_id: int) -> bool:
    """Insert the membership row; False when it already existed. The unique (user, group)
    constraint decides races: the loser's INSERT fails inside its own savepoint, and only a
    real insert moves the counter."""
    try:
        with transaction.atomic():
            Membership.objects.create(user_id=user_id, group_id=group_profile.pk)
    except IntegrityError:
        return False
    GroupProfile.objects.filter(pk=group_profile.pk).update(
        member_count=F("member_count") + 1, updated_at=timezone.now()
    )
    access_changed(user_ids=[user_id])
    return True


def _membership_remove(*, group_profile: GroupProfile, user_id: int) -> bool:
    deleted, _ = Membership.objects.filter(user_id=user_id, group_id=group_profile.pk).delete()
    if not deleted:
        return False
    GroupProfile.objects.filter(pk=group_profile.pk, member_count__gt=0).update(
        member_count=F("member_count") - 1, updated_at=timezone.now()
    )
    access_changed(user_ids=[user_id])
    return True


def _pending_requests_close(
    *, group_profile: GroupProfile, user_id: int, decided_by: User | None
) -> None:
    # Someone who got in another way (an invitation, an admin) no longer waits for a decision.
    GroupMembershipRequest.objects.filter(
        group_profile=group_profile, user_id=user_id, status=RequestStatus.PENDING
    ).update(status=RequestStatus.APPROVED, decided_by=decided_by, decided_at=timezone.now())


def _check_community_member(user: User) -> None:
    if not is_community_member(user):
        raise PermissionDenied("Only community members can join groups.")


def _is_member(*, group_profile: GroupProfile, user_id: int) -> bool:
    return Membership.objects.filter(user_id=user_id, group_id=group_profile.pk).exists()


@transaction.atomic
def group_join(*, user: User, group_profile: GroupProfile) -> bool:
    """Join an open group. Returns False when `user` already was a member (a double click
    is not an error). Raises Http404 for a group `user` may not see, so a hidden group's
    slug cannot be probed through this service either."""
    _check_community_member(user)
    check_view_group(user, group_profile)
    if group_profile.join_policy != JoinPolicy.OPEN:
        raise ValidationError(POLICY_REFUSALS[group_profile.join_policy])
    joined = _membership_add(group_profile=group_profile, user_id=user.pk)
    _pending_requests_close(group_profile=group_profile, user_id=user.pk, decided_by=None)
    return joined


@transaction.atomic
def group_leave(*, user: User, group_profile: GroupProfile) -> None:
    check_view_group(user, group_profile)
    if not _membership_remove(group_profile=group_profile, user_id=user.pk):
        raise ValidationError("You are not a member of this group.")


@transaction.atomic
def group_member_add(*, actor: User, group_profile: GroupProfile, user: User) -> bool:
    """Put someone in a group directly, whatever its join policy. Adding a person without
    asking them is an administrative act, so it is for community managers (the admin), not
    for group managers, who invite instead. Returns False when already a member."""
    check_appoint_group_managers(actor)
    if not is_community_member(user):
        raise ValidationError(f"{user.public_name} is not an active community member.")
    added = _membership_add(group_profile=group_profile, user_id=user.pk)
    _pending_requests_close(group_profile=group_profile, user_id=user.pk, decided_by=actor)
    return added


def _is_object_manager(*, group_profile: GroupProfile, user: User) -> bool:
    return GroupProfileUserObjectPermission.objects.filter(
        content_object=group_profile,
        user=user,
        permission__codename=MANAGE_GROUP.split(".")[1],
    ).exists()


@transaction.atomic
def group_member_remove(*, actor: User, group_profile: GroupProfile, user: User) -> None:
    """Take a member out of the group (its managers).

    Rules: a manager cannot remove themselves (that is Leave, so nobody loses their own
    access by a slip on someone else's row), and a group manager cannot remove a co-manager
    from the member list; only a community manager can. Removing a member does not touch
    manager grants: that is group_manager_remove."""
    check_manage_group(actor, group_profile)
    if actor.pk == user.pk:
        raise ValidationError("To leave the group yourself, use Leave.")
    if not can_appoint_group_managers(actor) and _is_object_manager(
        group_profile=group_profile, user=user
    ):
        raise PermissionDenied("Only a community manager can remove another manager of a group.")
    if not _membership_remove(group_profile=group_profile, user_id=user.pk):
        raise ValidationError(f"{user.public_name} is not a member of this group.")


def group_member_counts_synchronize(*, group_profile_ids: list[int] | None = None) -> int:
    """Rebuild member_count from the membership table in one UPDATE (repairs drift after a
    manual database edit). Returns the number of groups updated."""
    counts = (
        Membership.objects.filter(group_id=OuterRef("pk"))
        .order_by()
        .values("group_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    queryset = GroupProfile.objects.all()
    if group_profile_ids is not None:
        queryset = queryset.filter(pk__in=group_profile_ids)
    return queryset.update(member_count=Coalesce(Subquery(counts), 0))


# --- Asking to join -----------------------------------------------------------------------


def _when(value: datetime) -> str:
    return date_format(timezone.localtime(value), "j F Y, H:i")


def _check_not_recently_denied(*, group_profile: GroupProfile, user: User) -> None:
    denied_at = (
        GroupMembershipRequest.objects.filter(
            group_profile=group_profile,
            user=user,
            status=RequestStatus.DENIED,
            decided_at__gt=timezone.now() - REQUEST_AGAIN_AFTER_DENIAL,
        )
        .order_by("-decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )
    if denied_at is not None:
        days = REQUEST_AGAIN_AFTER_DENIAL.days
        raise ValidationError(
            f"This group's managers declined your request on {_when(denied_at)}. You can ask "
            f"again {days} days after that, from {_when(denied_at + REQUEST_AGAIN_AFTER_DENIAL)}."
        )


@transaction.atomic
def group_request_create(
    *, user: User, group_profile: GroupProfile, message: str = ""
) -> tuple[GroupMembershipRequest, bool]:
    """Ask to join a group whose managers approve members. One pending request per person
    and group (a database constraint): asking again returns the pending one, created=False.
    Someone whose request was denied in the last REQUEST_AGAIN_AFTER_DENIAL is refused with
    the date they can ask again. After commit, a new request notifies the group's managers
    in the app and is e-mailed to them by a Celery task."""
    _check_community_member(user)
    check_view_group(user, group_profile)
    if group_profile.join_policy == JoinPolicy.OPEN:
        raise ValidationError("Anyone can join this group: use Join instead of asking.")
    if group_profile.join_policy == JoinPolicy.INVITATION:
        raise ValidationError(POLICY_REFUSALS[JoinPolicy.INVITATION])
    if _is_member(group_profile=group_profile, user_id=user.pk):
        raise ValidationError("You are already a member of this group.")
    pending = GroupMembershipRequest.objects.filter(
        group_profile=group_profile, user=user, status=RequestStatus.PENDING
    )
    existing = pending.first()
    if existing is not None:
        return existing, False
    _check_not_recently_denied(group_profile=group_profile, user=user)
    message = _text_check("message", message.strip(), max_length=1000)
    membership_request = GroupMembershipRequest(
        group_profile=group_profile, user=user, message=message
    )
    membership_request.full_clean(exclude=["group_profile", "user"])
    try:
        with transaction.atomic():
            membership_request.save()
    except IntegrityError:
        # A concurrent click created it first (and told the managers).
        return pending.get(), False
    request_id = membership_request.pk
    transaction.on_commit(
        lambda: _group_request_managers_notify_in_app(membership_request=membership_request),
        # The request is saved by then: a failed notice is logged, not a 500.
        robust=True,
    )
    transaction.on_commit(lambda: group_request_managers_notify_task.delay(request_id=request_id))
    return membership_request, True


def _group_managers(*, group_profile: GroupProfile, exclude_user_id: int):
    """People holding the manager grant on this group object (to them, or to one of their
    auth groups) who can still act on it. Community managers, who manage every group through
    the global permission, are not included: they are not this group's managers, and a
    group without managers stays silent rather than notifying all staff."""
    return (
        get_users_with_perms(
            group_profile,
            only_with_perms_in=[MANAGE_GROUP.split(".")[1]],
            with_group_users=True,
            with_superusers=False,
        )
        .filter(is_active=True, approval_status=ApprovalStatus.APPROVED, erased_at__isnull=True)
        .exclude(pk=exclude_user_id)
        .order_by("pk")
    )


def _group_manager_recipients(*, group_profile: GroupProfile, exclude_user_id: int):
    """The group's managers who can be e-mailed."""
    return _group_managers(group_profile=group_profile, exclude_user_id=exclude_user_id).exclude(
        email=""
    )


def _group_request_managers_notify_in_app(*, membership_request: GroupMembershipRequest) -> None:
    group_profile = membership_request.group_profile
    notifications_create(
        recipients=_group_managers(
            group_profile=group_profile, exclude_user_id=membership_request.user_id
        ),
        actor=membership_request.user,
        kind="group_request",
        verb=f"{membership_request.user.public_name} asks to join {group_profile.name}",
        url=reverse("groups:detail", args=[group_profile.slug]) + "#group-requests-title",
    )


def group_request_managers_notify(*, request_id: int) -> int:
    """E-mail each of the group's managers that someone asks to join, one e-mail each (no
    manager sees another's address). Returns how many were sent: none when the request was
    decided or withdrawn before the task ran, or when the group has no manager."""
    membership_request = (
        GroupMembershipRequest.objects.select_related("group_profile__group", "user")
        .filter(pk=request_id, status=RequestStatus.PENDING)
        .first()
    )
    if membership_request is None:
        return 0
    group_profile = membership_request.group_profile
    managers = list(
        _group_manager_recipients(
            group_profile=group_profile, exclude_user_id=membership_request.user_id
        )
    )
    if not managers:
        return 0
    context = {
        "branding": branding_get(),
        "group_name": group_profile.name,
        "requester_name": membership_request.user.public_name,
        "request_message": membership_request.message,
        "requests_url": absolute_url(
            reverse("groups:detail", args=[group_profile.slug]) + "#group-requests-title"
        ),
        "profile_url": absolute_url(
            reverse("members:profile", args=[membership_request.user.username])
        ),
    }
    subject = _one_line(render_to_string("email/group_request_received_subject.txt", context))
    emails = [
        EmailMessage(
            subject=subject,
            body=render_to_string(
                "email/group_request_received_message.txt", {**context, "manager": manager}
            ),
            to=[manager.email],
        )
        for manager in managers
    ]
    get_connection().send_messages(emails)
    return len(emails)


@transaction.atomic
def group_request_decide(
    *,
    actor: User,
    membership_request: GroupMembershipRequest,
    approve: bool,
) -> GroupMembershipRequest:
    """Approve (the requester joins) or deny a pending request; group managers only. The
    row is locked, so two managers deciding at once cannot both act. The requester hears
    the outcome after commit, in the app and by e-mail."""
    locked = (
        GroupMembershipRequest.objects.select_for_update(of=("self",))
        .select_related("group_profile__group", "user")
        .get(pk=membership_request.pk)
    )
    group_profile = locked.group_profile
    check_manage_group(actor, group_profile)
    if locked.status != RequestStatus.PENDING:
        raise ValidationError(
            f"This request was already {locked.get_status_display().lower()}; nothing changed."
        )
    if approve and not is_community_member(locked.user):
        raise ValidationError(
            f"{locked.user.public_name}'s account is not active any more; deny the request."
        )
    locked.status = RequestStatus.APPROVED if approve else RequestStatus.DENIED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    if approve:
        _membership_add(group_profile=group_profile, user_id=locked.user_id)
    request_id = locked.pk
    outcome = "was approved: you are now a member" if approve else "was not approved this time"
    transaction.on_commit(
        lambda: notification_create(
            recipient=locked.user,
            actor=actor,
            kind="group_request_decided",
            verb=f"Your request to join {group_profile.name} {outcome}",
            url=reverse("groups:detail", args=[group_profile.slug]),
        ),
        robust=True,
    )
    transaction.on_commit(
        lambda: group_request_decision_email_send_task.delay(request_id=request_id)
    )
    return locked


def group_request_decision_email_send(*, request_id: int) -> bool:
    membership_request = (
        GroupMembershipRequest.objects.select_related("group_profile__group", "user")
        .filter(pk=request_id)
        .exclude(status=RequestStatus.PENDING)
        .first()
    )
    if membership_request is None or not membership_request.user.email:
        return False
    group_profile = membership_request.group_profile
    context = {
        "branding": branding_get(),
        "user": membership_request.user,
        "group_name": group_profile.name,
        "approved": membership_request.status == RequestStatus.APPROVED,
        "group_url": absolute_url(reverse("groups:detail", args=[group_profile.slug])),
    }
    EmailMessage(
        subject=_one_line(render_to_string("email/group_request_decided_subject.txt", context)),
        body=render_to_string("email/group_request_decided_message.txt", context),
        to=[membership_request.user.email],
    ).send()
    return True


# --- Invitations --------------------------------------------------------------------------


def invitation_token_make(*, invitation: GroupInvitation) -> str:
    """A signed, timestamped token naming the invitation and the address it was sent to.
    Nothing secret is stored: the signature (SECRET_KEY, a salt of its own) is the proof."""
    return signing.dumps(
        {"invitation": invitation.pk, "email": invitation.email}, salt=INVITATION_SALT
    )


def invitation_url_path(*, invitation: GroupInvitation) -> str:
    return reverse("groups:invitation-accept", args=[invitation_token_make(invitation=invitation)])


def _one_line(text: str) -> str:
    # A group name is admin input; a line break in a subject would be a header injection.
    return " ".join(text.split())


def _invitation_is_open_q(now: datetime) -> dict:
    return {"accepted_at__isnull": True, "revoked_at__isnull": True, "expires_at__gt": now}


def _check_invitation_limit(*, actor: User, now: datetime) -> None:
    recent = GroupInvitation.objects.filter(
        invited_by=actor, created_at__gte=now - INVITATIONS_WINDOW
    )
    sent = recent.count()
    if sent < INVITATIONS_PER_ACTOR_PER_DAY:
        return
    # The window rolls: the next slot opens when the invitation that takes the count back
    # under the limit turns 24 hours old.
    frees_up = recent.order_by("created_at").values_list("created_at", flat=True)[
        sent - INVITATIONS_PER_ACTOR_PER_DAY
    ]
    raise ValidationError(
        f"You have sent {INVITATIONS_PER_ACTOR_PER_DAY} invitations in the last 24 hours, "
        f"the most allowed. You can send the next one from {_when(frees_up + INVITATIONS_WINDOW)}."
    )


@transaction.atomic
def group_invite(*, actor: User, group_profile: GroupProfile, email: str) -> GroupInvitation:
    """Invite someone by e-mail, account or not (group managers; invitation-only and
    ask-to-join groups: an open group needs no invitation). The e-mail with the signed
    link is sent by a Celery task after commit. Refuses a second open invitation to the
    same address and more than INVITATIONS_PER_ACTOR_PER_DAY invitations a day."""
    check_manage_group(actor, group_profile)
    if group_profile.join_policy == JoinPolicy.OPEN:
        raise ValidationError(
            "Anyone can join this group: share its address instead of sending an invitation."
        )
    email = _text_check("email", email.strip())
    now = timezone.now()
    invitation = GroupInvitation(
        group_profile=group_profile,
        email=email,
        invited_by=actor,
        expires_at=now + INVITATION_VALIDITY,
    )
    invitation.full_clean(exclude=["group_profile", "invited_by"])
    if User.objects.filter(
        groups=group_profile.group_id, emailaddress__email__iexact=email
    ).exists():
        raise ValidationError(f"{email} is already a member of this group.")
    open_invitation = (
        GroupInvitation.objects.filter(group_profile=group_profile, email__iexact=email)
        .filter(**_invitation_is_open_q(now))
        .first()
    )
    if open_invitation is not None:
        raise ValidationError(
            f"{email} already has an invitation, valid until "
            f"{date_format(timezone.localtime(open_invitation.expires_at), 'j F Y')}."
        )
    _check_invitation_limit(actor=actor, now=now)
    invitation.save()
    invitation_id = invitation.pk
    transaction.on_commit(
        lambda: group_invitation_email_send_task.delay(invitation_id=invitation_id)
    )
    return invitation


def group_invitation_email_send(*, invitation_id: int) -> bool:
    """Send the invitation e-mail; False when the invitation is no longer open. The token is
    signed here, so its max_age starts when the e-mail leaves (expires_at still rules). The
    link is built on SITE_URL like every other e-mail's, not on the host the manager happened
    to use (an internal name, a preview deployment)."""
    invitation = (
        GroupInvitation.objects.select_related("group_profile__group", "invited_by")
        .filter(pk=invitation_id, **_invitation_is_open_q(timezone.now()))
        .first()
    )
    if invitation is None:
        return False
    context = {
        "branding": branding_get(),
        "invitation": invitation,
        "group_name": invitation.group_profile.name,
        "inviter_name": invitation.invited_by.public_name if invitation.invited_by else "",
        "invitation_url": absolute_url(invitation_url_path(invitation=invitation)),
    }
    EmailMessage(
        subject=_one_line(render_to_string("email/group_invitation_subject.txt", context)),
        body=render_to_string("email/group_invitation_message.txt", context),
        to=[invitation.email],
    ).send()
    return True


def invitation_get_for_token(*, token: str) -> GroupInvitation:
    """The invitation a link names, if the link can still be used; InvitationError (with a
    message for the page and its status) otherwise. Reads only."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_VALIDITY)
    except signing.SignatureExpired:
        raise InvitationError(
            "This invitation has expired. Ask one of the group's managers for a new one.",
            code="expired",
            status=410,
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise InvitationError(
            "This invitation link is not valid. Check that you opened the whole link from "
            "the e-mail.",
            code="invalid",
            status=400,
        ) from None
    invitation_id = data.get("invitation") if isinstance(data, dict) else None
    email = data.get("email") if isinstance(data, dict) else None
    if not isinstance(invitation_id, int) or not isinstance(email, str):
        raise InvitationError("This invitation link is not valid.", code="invalid", status=400)
    invitation = (
        GroupInvitation.objects.select_related("group_profile__group", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.email.lower() != email.lower():
        raise InvitationError("This invitation no longer exists.", code="missing", status=410)
    return _invitation_check_open(invitation)


def _invitation_check_open(invitation: GroupInvitation) -> GroupInvitation:
    if invitation.revoked_at is not None:
        raise InvitationError(
            "This invitation was withdrawn by the group's managers.",
            code="revoked",
            status=410,
            invitation=invitation,
        )
    if invitation.accepted_at is not None:
        raise InvitationError(
            "This invitation has already been used. Each invitation link works once.",
            code="used",
            status=410,
            invitation=invitation,
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationError(
            "This invitation has expired. Ask one of the group's managers for a new one.",
            code="expired",
            status=410,
            invitation=invitation,
        )
    return invitation


def invitation_check_acceptable(*, user: User, invitation: GroupInvitation) -> None:
    """Whether this signed-in `user` may accept: an approved member who has *verified* the
    address the invitation was sent to (case-insensitively). Whoever holds a forwarded link
    cannot use it from another account."""
    if not is_community_member(user):
        raise InvitationError(
            "Your account is not an active community member yet (it may be waiting for "
            "approval). Open this link again once it is.",
            code="not_member",
            status=403,
            invitation=invitation,
        )
    addresses = EmailAddress.objects.filter(user=user, email__iexact=invitation.email)
    if addresses.filter(verified=True).exists():
        return
    if addresses.exists():
        raise InvitationError(
            "Confirm your e-mail address first: open the confirmation link we sent you, "
            "then come back to this page.",
            code="unverified",
            status=403,
            invitation=invitation,
        )
    raise InvitationError(
        "This invitation was sent to a different e-mail address. Sign in with the account "
        "that uses it, or add and confirm that address in your e-mail settings.",
        code="wrong_email",
        status=403,
        invitation=invitation,
    )


@dataclass(frozen=True)
class InvitationAcceptance:
    invitation: GroupInvitation
    joined: bool  # False when they already were a member (the invitation is still used up)


@transaction.atomic
def invitation_accept(*, user: User, token: str) -> InvitationAcceptance:
    """Accept an invitation link as the signed-in `user` and join its group.

    Checks, in order: the signature and its age, that the invitation still exists and is
    not withdrawn, used or expired (the row is locked, so a link used twice at once works
    once), and invitation_check_acceptable. `created_account` records that the account was
    created after the invitation was sent: the invitation brought this person in, which
    metrics count as an acquisition source. The inviter is notified in the app after
    commit."""
    invitation = invitation_get_for_token(token=token)
    invitation = _invitation_check_open(
        GroupInvitation.objects.select_for_update(of=("self",))
        .select_related("group_profile__group", "invited_by")
        .get(pk=invitation.pk)
    )
    invitation_check_acceptable(user=user, invitation=invitation)
    joined = _invitation_use(invitation=invitation, user=user)
    return InvitationAcceptance(invitation=invitation, joined=joined)


def _invitation_use(*, invitation: GroupInvitation, user: User) -> bool:
    """Use up an open invitation, locked by the caller, for `user` and put them in its
    group; False when they already were a member. The inviter is notified after commit."""
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.created_account = user.date_joined >= invitation.created_at
    invitation.save(update_fields=["accepted_by", "accepted_at", "created_account", "updated_at"])
    group_profile = invitation.group_profile
    joined = _membership_add(group_profile=group_profile, user_id=user.pk)
    _pending_requests_close(
        group_profile=group_profile, user_id=user.pk, decided_by=invitation.invited_by
    )
    inviter = invitation.invited_by
    if inviter is not None:  # None once the inviter's account is deleted
        transaction.on_commit(
            lambda: notification_create(
                recipient=inviter,
                actor=user,
                kind="group_invitation_accepted",
                verb=f"{user.public_name} accepted your invitation to join {group_profile.name}",
                url=reverse("groups:detail", args=[group_profile.slug]) + "#group-members-title",
            ),
            robust=True,
        )
    return joined


@transaction.atomic
def invitations_accept_on_approval(*, user: User) -> list[GroupInvitation]:
    """Accept every open invitation sent to one of `user`'s verified addresses, for an
    account that has just been approved (member_application_approve calls this).

    Someone who signs up through an invitation while approval is on cannot accept it yet,
    and by the time they are approved the link's ?next= is long gone: the approval e-mail
    sends them to sign in. Accepting was what they came for, and the community manager
    saw the invitations in the queue before approving. Returns the invitations used."""
    if not is_community_member(user):
        return []
    invitations = list(
        invitations_open_for_user(user=user)
        .select_for_update(of=("self",))
        .select_related("group_profile__group", "invited_by")
        .order_by("created_at")
    )
    for invitation in invitations:
        _invitation_use(invitation=invitation, user=user)
    return invitations


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: GroupInvitation) -> bool:
    """Withdraw an invitation that was not used yet; False when there was nothing to do."""
    check_manage_group(actor, invitation.group_profile)
    return bool(
        GroupInvitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now(), updated_at=timezone.now())
    )
