"""Writes for "give to get": shout-outs, and the one place any app records an act of
support (forums calls `support_act_record` for reactions, replies, accepted answers and
library shares; members never calls forums)."""

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from community.exceptions import ApplicationError
from community.links import absolute_url
from community.notifications import notification_create
from community.ratelimit import RateLimit, rate_limit_hit
from community.selectors import branding_get
from members.access import member_pages_changed, versions_replace
from members.models import ShoutOut, SupportAct, SupportKind, User
from members.permissions import is_community_member
from members.selectors.reciprocity import LEDGER_VERSION_SECONDS, ledger_version_key
from members.tasks import shout_out_notify_task

logger = logging.getLogger(__name__)

SHOUT_OUT_MAX_LENGTH = 280


# Generous for someone recommending a few people after an event, tight for a spammer.
SHOUT_OUT_LIMITS = (
    RateLimit(count=5, seconds=60 * 60, description="5 shout-outs an hour"),
    RateLimit(count=20, seconds=24 * 60 * 60, description="20 shout-outs a day"),
)


def support_act_record(
    *,
    giver: User,
    receiver: User,
    kind: str,
    target: models.Model | None = None,
    occurred_at: datetime | None = None,
) -> SupportAct | None:
    """Record one act of support, once. Returns None (and records nothing) for support given
    to yourself, which is not support. Re-recording the same act (a retried task, a second
    reaction of the same kind on the same post) is a no-op thanks to the unique constraint;
    callers inside a larger transaction are protected by the savepoint."""
    if kind not in SupportKind.values:
        raise ValueError(f"Unknown support kind {kind!r}")
    if giver.pk == receiver.pk:
        return None
    target_type = ContentType.objects.get_for_model(target) if target is not None else None
    lookup = {
        "giver": giver,
        "receiver": receiver,
        "kind": kind,
        "target_type": target_type,
        "target_id": target.pk if target is not None else None,
    }
    act = SupportAct(**lookup, occurred_at=occurred_at or timezone.now())
    try:
        with transaction.atomic():
            act.save()
    except IntegrityError:
        return SupportAct.objects.filter(**lookup).first()
    ledger_changed(user_ids=[giver.pk, receiver.pk])
    return act


def ledger_changed(*, user_ids) -> None:
    """These members gave or received support: what their pages keep from the ledger (the
    home page's supporters to thank) is out of date."""
    keys = sorted({ledger_version_key(user_id) for user_id in user_ids})
    if keys:
        versions_replace(keys, LEDGER_VERSION_SECONDS)


@transaction.atomic
def shout_out_create(*, author: User, recipient: User, message: str) -> ShoutOut:
    """Publish "you should follow <recipient>, because <message>" on the recipient's profile.

    Preconditions, each refused with a message the author can act on and nothing stored:
    both are community members, they are different people, the message is 1–280 characters
    (shown as plain escaped text, never Markdown), and the author is within the rate limits.
    Records a SHOUT_OUT support act in the same transaction; the in-app notification and
    the e-mail to the recipient follow on commit."""
    if not is_community_member(author):
        raise PermissionDenied("Only community members can give shout-outs.")
    if author.pk == recipient.pk:
        raise ValidationError(
            "You can't give yourself a shout-out. Recommend someone who helped you instead.",
            code="self",
        )
    if not is_community_member(recipient) or recipient.username == settings.ANONYMOUS_USER_NAME:
        raise ApplicationError("That person is not a member of the community.")
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": "Write a few words about why people should follow them."})
    if len(message) > SHOUT_OUT_MAX_LENGTH:
        raise ValidationError(
            {
                "message": f"Keep it to {SHOUT_OUT_MAX_LENGTH} characters "
                f"(this one has {len(message)})."
            }
        )

    shout_out = ShoutOut(author=author, recipient=recipient, message=message)
    shout_out.full_clean()
    # Checked last, so a typo the author corrects does not use up their allowance.
    rate_limit_hit(scope="shout-out", key=author.pk, limits=SHOUT_OUT_LIMITS)
    shout_out.save()
    support_act_record(
        giver=author,
        receiver=recipient,
        kind=SupportKind.SHOUT_OUT,
        target=shout_out,
        occurred_at=shout_out.created_at,
    )
    member_pages_changed(user_ids=[recipient.pk], directory=False)  # their shout-outs
    transaction.on_commit(
        lambda: notification_create(
            recipient=recipient,
            actor=author,
            kind="shout_out",
            verb=f"{author.public_name} gave you a shout-out",
            url=reverse("members:profile", args=[recipient.username]) + "#shout-outs-title",
        ),
        # The shout-out is saved by then: a failed notice is logged, not a 500 that invites
        # the author to post it again.
        robust=True,
    )
    transaction.on_commit(lambda: shout_out_notify_task.delay(shout_out_id=shout_out.pk))
    return shout_out


def shout_out_notify(*, shout_out_id: int) -> bool:
    """E-mail the recipient about a new shout-out, once. Returns False when there is nothing
    to send: the shout-out is gone or hidden, the recipient can no longer be reached, or it
    was already sent.

    Shout-outs have no e-mail preference of their own: every shout-out is mailed (the
    forums' preferences cover forum e-mails only)."""
    shout_out = (
        ShoutOut.objects.select_related("author", "recipient").filter(pk=shout_out_id).first()
    )
    if shout_out is None or shout_out.hidden_at is not None:
        return False
    recipient = shout_out.recipient
    if not recipient.email or not is_community_member(recipient):
        return False
    # Claimed in the shared cache so a retried or duplicated task mails once.
    claim_key = f"shout-out:notified:{shout_out_id}"
    if not cache.add(claim_key, 1, timeout=7 * 24 * 60 * 60):
        return False
    try:
        context = {
            "shout_out": shout_out,
            "branding": branding_get(),
            # An e-mail has no page to resolve a relative link against.
            "profile_url": absolute_url(reverse("members:profile", args=[recipient.username])),
        }
        send_mail(
            # One line whatever a display name contains: a header must not carry a newline.
            subject=" ".join(
                render_to_string("members/shout_out_email_subject.txt", context).split()
            ),
            message=render_to_string("members/shout_out_email_message.txt", context),
            from_email=None,
            recipient_list=[recipient.email],
        )
    except Exception:
        cache.delete(claim_key)  # give the claim back so the task's retry can send it
        raise
    logger.info("Shout-out %s mailed to member %s", shout_out_id, recipient.pk)
    return True
