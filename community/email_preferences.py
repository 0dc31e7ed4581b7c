"""What a member wants by e-mail, and the one-click way out of each kind of mail.

Four switches (community.EmailPreferences): mentions, replies, the digest of watched
activity (never, daily, weekly), and the occasional e-mails the community team writes to a
list of members (plans.outreach). A member without a row has the defaults, so reading many
members' wishes is one query for the few rows that exist.

Every e-mail these switches govern carries an unsubscribe link: a token signed with
django.core.signing that names the member and the kind of mail, so it works without
signing in and cannot be forged for someone else. Opening it (GET) shows a button; only a
POST turns the mail off, as RFC 8058 asks (mail scanners open links, they do not submit
forms). The same link goes in the List-Unsubscribe header, with List-Unsubscribe-Post, so
mail clients can offer their own one-click button."""

from __future__ import annotations

from collections.abc import Iterable

from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse

from community.links import absolute_url
from community.models import DigestFrequency, EmailPreferences

UNSUBSCRIBE_SALT = "community.email.unsubscribe"


class EmailKind(models.TextChoices):
    MENTION = "mention", "e-mails when someone @mentions you"
    REPLY = "reply", "e-mails when someone replies to you"
    DIGEST = "digest", "the digest of activity you watch"
    OUTREACH = "outreach", "occasional e-mails from the community team"


class BadUnsubscribeLink(Exception):
    """The link was changed, cut short or made up: nothing was changed."""


# --- Reading and writing preferences ----------------------------------------------------


def email_preferences_get(*, user) -> EmailPreferences:
    """The member's preferences; an unsaved row with the defaults when they never chose."""
    return EmailPreferences.objects.filter(user=user).first() or EmailPreferences(user=user)


def email_preferences_update(
    *, user, on_mention: bool, on_reply: bool, digest: str, on_outreach: bool | None = None
) -> EmailPreferences:
    """Save the member's choices; `on_outreach` None leaves that switch as it was."""
    if digest not in DigestFrequency.values:
        raise ValueError(f"Unknown digest frequency {digest!r}")
    defaults = {"on_mention": on_mention, "on_reply": on_reply, "digest": digest}
    if on_outreach is not None:
        defaults["on_outreach"] = on_outreach
    preferences, _ = EmailPreferences.objects.update_or_create(user=user, defaults=defaults)
    return preferences


def email_unsubscribe(*, user, kind: EmailKind | str) -> EmailPreferences:
    """Turn off one kind of mail for the member (the rest stays as it was). Idempotent."""
    kind = EmailKind(kind)
    field, value = {
        EmailKind.MENTION: ("on_mention", False),
        EmailKind.REPLY: ("on_reply", False),
        EmailKind.DIGEST: ("digest", DigestFrequency.NEVER),
        EmailKind.OUTREACH: ("on_outreach", False),
    }[kind]
    preferences, _ = EmailPreferences.objects.update_or_create(user=user, defaults={field: value})
    return preferences


def email_wanted_by(*, user_ids: Iterable[int], kind: EmailKind | str) -> set[int]:
    """Those of `user_ids` who want this kind of mail: one query for the rows that exist,
    the defaults (all on; a weekly digest) for the rest."""
    kind = EmailKind(kind)
    ids = set(user_ids)
    if not ids:
        return set()
    field = {
        EmailKind.MENTION: "on_mention",
        EmailKind.REPLY: "on_reply",
        EmailKind.OUTREACH: "on_outreach",
    }.get(kind)
    rows = EmailPreferences.objects.filter(user_id__in=ids)
    if field is None:
        refused = rows.filter(digest=DigestFrequency.NEVER)
    else:
        refused = rows.filter(**{field: False})
    return ids - set(refused.values_list("user_id", flat=True))


# --- Unsubscribe links ---------------------------------------------------------------------


def unsubscribe_token(*, user_id: int, kind: EmailKind | str) -> str:
    return signing.dumps({"u": user_id, "k": str(EmailKind(kind))}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token_read(token: str) -> tuple[int, EmailKind]:
    """The member id and kind a link stands for; BadUnsubscribeLink when it was altered.
    The links do not expire: an old e-mail must still let its reader out."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(data["u"]), EmailKind(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise BadUnsubscribeLink(str(exc)) from exc


def unsubscribe_url(*, user_id: int, kind: EmailKind | str) -> str:
    token = unsubscribe_token(user_id=user_id, kind=kind)
    return absolute_url(reverse("email-unsubscribe", args=[token]))


def preference_email_build(
    *, user, kind: EmailKind | str, template_prefix: str, context: dict
) -> EmailMultiAlternatives:
    """A text and HTML e-mail to `user` from `<prefix>_subject.txt`, `<prefix>_message.txt`
    and `<prefix>_message.html`, with the unsubscribe link for `kind` in the body (context
    `unsubscribe_url`, `preferences_url`, `unsubscribe_what`) and in the List-Unsubscribe
    headers (RFC 2369 and the one-click RFC 8058)."""
    kind = EmailKind(kind)
    link = unsubscribe_url(user_id=user.pk, kind=kind)
    context = {
        **context,
        "unsubscribe_url": link,
        "unsubscribe_what": kind.label,
        "preferences_url": absolute_url(reverse("notifications:email-preferences")),
    }
    subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template_prefix}_message.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(
        render_to_string(f"{template_prefix}_message.html", context), "text/html"
    )
    return message
