"""Outreach e-mails: the community team writes once to a whole outreach list of a plan
report, the worker sends it to each member on the list at most once, and the next report
counts who came back and posted.

Only members who still are members, have an e-mail address and have not turned these
e-mails off (EmailKind.OUTREACH, on the preferences page or with the one-click link in
every such e-mail) receive one. docs/plans.md describes the whole flow."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from community.email_preferences import EmailKind, email_wanted_by, preference_email_build
from community.links import absolute_url
from community.selectors import branding_get
from forums.models import Post
from members.models import User
from members.permissions import community_members
from plans.models import (
    OUTREACH_BODY_MAX,
    OutreachCampaign,
    OutreachList,
    OutreachMessage,
    PlanReport,
    ReportStatus,
)

NAME_PLACEHOLDER = "{name}"
CAME_BACK_DAYS = 30
SUBJECT_MAX = OutreachCampaign._meta.get_field("subject").max_length


# What the form starts from for each list; the manager edits it before sending.
# "{community}" is filled in for the form, "{name}" for each member when sent.
DRAFTS = {
    OutreachList.LAPSING: (
        "We miss you, {name}",
        "Hello {name},\n\n"
        "It has been a while since we last read you on {community}, and your posts are "
        "missed. Conversations you took part in have moved on: come and see what is new, and "
        "tell us what would make it worth your while to drop by more often.\n\n"
        "Hoping to see you soon,\nThe {community} team",
    ),
    OutreachList.NEVER_POSTED: (
        "Welcome to {community}, {name}: say hello?",
        "Hello {name},\n\n"
        "You joined {community} a little while ago; welcome! Many members started with a "
        "short question or by answering one they knew something about. Introduce yourself "
        "or ask what brought you here: someone will reply.\n\n"
        "See you there,\nThe {community} team",
    ),
    OutreachList.UNTHANKED: (
        "Thank you, {name}",
        "Hello {name},\n\n"
        "You have helped other members of {community} again and again these last months. "
        "Not everyone says it, so we will: thank you. It makes a real difference to people "
        "who come here with a question.\n\n"
        "With gratitude,\nThe {community} team",
    ),
    OutreachList.CADRE: (
        "Would you help us look after {community}, {name}?",
        "Hello {name},\n\n"
        "You are one of the most helpful members of {community}, and your posts set the tone "
        "we hope for. Would you consider joining our volunteer moderators? It takes a little "
        "time each week, and we will show you everything. If you are interested, tell any "
        "community manager.\n\n"
        "Thank you,\nThe {community} team",
    ),
}


def campaign_draft(list_key: str, *, community_name: str) -> tuple[str, str]:
    """The subject and text a new e-mail to the list starts from."""
    subject, body = DRAFTS[OutreachList(list_key)]
    return (
        subject.replace("{community}", community_name),
        body.replace("{community}", community_name),
    )


def list_ids(report: PlanReport, list_key: str) -> list[int]:
    """The members of one of the report's lists an e-mail goes to (the first 500 at most)."""
    return list(report.data.get("outreach", {}).get(list_key, {}).get("ids", []))


def personalised(text: str, *, name: str) -> str:
    # A plain replace, not str.format: a manager's text may hold other braces, and format
    # fields could reach into the object's attributes.
    return text.replace(NAME_PLACEHOLDER, name)


def campaign_create(
    *, report: PlanReport, list_key: str, subject: str, body: str, actor: User
) -> OutreachCampaign:
    """Record an e-mail to the whole of one of the report's outreach lists and queue its
    sending after commit. Refused with a reason: an unknown or empty list, a report still
    being generated, a blank subject or body, a body over 5,000 characters, and a second
    e-mail to the same list while one is being sent or with the very same words (a
    double submit)."""
    from plans.tasks import outreach_campaign_send

    subject, body = subject.strip(), body.strip()
    if list_key not in OutreachList.values:
        raise ValidationError(f"There is no outreach list {list_key!r}.")
    if not subject:
        raise ValidationError("The e-mail needs a subject.")
    if len(subject) > SUBJECT_MAX:
        raise ValidationError(f"The subject is longer than {SUBJECT_MAX} characters.")
    if not body:
        raise ValidationError("The e-mail needs a text.")
    if len(body) > OUTREACH_BODY_MAX:
        raise ValidationError(
            f"The text is {len(body):,} characters long; at most {OUTREACH_BODY_MAX:,}."
        )
    label = OutreachList(list_key).label
    with transaction.atomic():
        # Locked so two submits of one form are decided one after the other.
        report = PlanReport.objects.select_for_update().get(pk=report.pk)
        if report.status == ReportStatus.GENERATING:
            raise ValidationError("This report is still being generated.")
        ids = list_ids(report, list_key)
        if not ids:
            raise ValidationError(f"Nobody is on the list “{label}”.")
        earlier = OutreachCampaign.objects.filter(report=report, list_key=list_key)
        if earlier.filter(sent_at__isnull=True).exists():
            raise ValidationError(
                f"An e-mail to “{label}” is being sent; wait until it has gone out."
            )
        if earlier.filter(subject=subject, body=body).exists():
            raise ValidationError(f"This e-mail was sent to “{label}” already.")
        try:
            with transaction.atomic():
                campaign = OutreachCampaign.objects.create(
                    report=report,
                    list_key=list_key,
                    subject=subject,
                    body=body,
                    created_by=actor,
                    listed=len(ids),
                )
        except IntegrityError as exc:  # plans_one_unsent_campaign_per_list
            raise ValidationError(
                f"An e-mail to “{label}” is being sent; wait until it has gone out."
            ) from exc
        transaction.on_commit(lambda: outreach_campaign_send.delay(campaign.pk))
    return campaign


def _recipients(ids: list[int]) -> list[User]:
    """The listed members an e-mail may go to, in the list's order."""
    members = {user.pk: user for user in community_members().filter(pk__in=ids).exclude(email="")}
    wanted = email_wanted_by(user_ids=members.keys(), kind=EmailKind.OUTREACH)
    return [members[pk] for pk in ids if pk in wanted]


def _message(campaign: OutreachCampaign, user: User):
    name = user.public_name
    context = {
        "branding": branding_get(),
        "user": user,
        "subject": personalised(campaign.subject, name=name),
        "body": personalised(campaign.body, name=name),
        "site_url": absolute_url("/"),
    }
    return preference_email_build(
        user=user,
        kind=EmailKind.OUTREACH,
        template_prefix="plans/email/outreach",
        context=context,
    )


def campaign_send(*, campaign_id: int) -> int:
    """E-mail the campaign to each member on its list who wants it. Each member's row is
    claimed before the e-mail leaves, so a retried or doubled task sends nobody a second
    one; a failed send gives the row back and raises, and the retry carries on from there.
    Returns how many e-mails this run sent."""
    campaign = OutreachCampaign.objects.select_related("report").filter(pk=campaign_id).first()
    if campaign is None or campaign.sent_at is not None:
        return 0
    ids = list_ids(campaign.report, campaign.list_key)
    recipients = _recipients(ids)
    sent = 0
    for user in recipients:
        row, claimed = OutreachMessage.objects.get_or_create(campaign=campaign, member=user)
        if not claimed:
            continue
        try:
            _message(campaign, user).send()
        except Exception:
            row.delete()
            raise
        row.sent_at = timezone.now()
        row.save(update_fields=["sent_at", "updated_at"])
        sent += 1
    OutreachCampaign.objects.filter(pk=campaign.pk, sent_at__isnull=True).update(
        sent_at=timezone.now(),
        sent_count=campaign.messages.filter(sent_at__isnull=False).count(),
        skipped_count=len(ids) - len(recipients),
        updated_at=timezone.now(),
    )
    return sent


def campaign_outcomes(report: PlanReport) -> list[dict]:
    """For each campaign of the report, oldest first: how many members were e-mailed, and
    how many of them came back, a post of theirs (shown, in a shown topic) written within
    30 days after their e-mail. JSON-ready, for the next report."""
    window = timedelta(days=CAME_BACK_DAYS)
    came_back = Exists(
        Post.objects.filter(
            author_id=OuterRef("member_id"),
            is_hidden=False,
            topic__is_hidden=False,
            created_at__gt=OuterRef("sent_at"),
            created_at__lte=OuterRef("sent_at") + window,
        )
    )
    counts = {
        row["campaign_id"]: row
        for row in OutreachMessage.objects.filter(campaign__report=report, sent_at__isnull=False)
        .values("campaign_id")
        .annotate(messaged=Count("pk"), came_back=Count("pk", filter=Q(came_back)))
    }
    now = timezone.now()
    rows = []
    for campaign in report.campaigns.filter(sent_at__isnull=False).order_by("sent_at"):
        row = counts.get(campaign.pk, {"messaged": 0, "came_back": 0})
        messaged, back = row["messaged"], row["came_back"]
        rows.append(
            {
                "list_key": campaign.list_key,
                "list": campaign.get_list_key_display(),
                "subject": campaign.subject,
                "sent_at": campaign.sent_at.isoformat(),
                "messaged": messaged,
                "came_back": back,
                "share": back / messaged if messaged else None,
                # Some members' 30 days are not over yet: the count may still grow.
                "still_open": campaign.sent_at + window > now,
            }
        )
    return rows
