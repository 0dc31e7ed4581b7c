"""Members flag posts; enough flags from trusted members hide a post until a moderator
reviews it (docs/moderation.md, "Flags").

The rule: each open flag weighs 1 from a member at TrustLevel.MEMBER or above and 0.5 from
a newer member; at a total of AUTO_HIDE_WEIGHT the post is hidden pending review. A flag
from a moderator of the category hides the post at once. Two new accounts cannot hide a
post; three established members can."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from guardian.shortcuts import get_users_with_perms

from community.notifications import notifications_create
from community.ratelimit import RateLimit, rate_limit_hit
from forums.models import Flag, FlagReason, FlagStatus, ModerationAction, Post
from forums.permissions import (
    can_moderate_category,
    check_not_suspended,
    flag_refusal,
    visible_topics,
)
from forums.services.moderation import moderation_event_write, post_hide_rows
from members.models import TrustLevel, User

AUTO_HIDE_WEIGHT = Decimal(3)
TRUSTED_WEIGHT = Decimal(1)
NEW_MEMBER_WEIGHT = Decimal("0.5")
FLAG_NOTE_MAX_LENGTH = 500
FLAG_LIMITS: tuple[RateLimit, ...] = (
    RateLimit(count=5, seconds=60, description="5 flags a minute"),
    RateLimit(count=20, seconds=24 * 60 * 60, description="20 flags a day"),
)

ALREADY_FLAGGED = "You have already flagged this post. A moderator will review it."
# Who hears that flags hid a post: a category's volunteers and the global moderators, capped
# so a large moderator team is not one giant insert on a member's click.
NOTIFY_MODERATORS_MAX = 50


def flag_weight(user: User, *, moderates: bool = False) -> Decimal:
    if moderates:
        return AUTO_HIDE_WEIGHT
    return TRUSTED_WEIGHT if user.trust_level >= TrustLevel.MEMBER else NEW_MEMBER_WEIGHT


def _note_clean(reason: str, note: str) -> str:
    if reason not in FlagReason.values:
        raise ValidationError({"reason": "Pick a reason for the flag."})
    note = " ".join((note or "").replace("\x00", "").split())
    if len(note) > FLAG_NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": f"Keep the note to {FLAG_NOTE_MAX_LENGTH} characters (it has {len(note)})."}
        )
    if reason == FlagReason.OTHER and not note:
        raise ValidationError({"note": "Tell the moderators what is wrong with the post."})
    return note


@transaction.atomic
def flag_create(*, post: Post, flagger: User, reason: str, note: str = "") -> Flag:
    """Flag `post` for the moderators. Refuses (PermissionDenied, with the reason) a
    member who is suspended, cannot see the post, or wrote it, and a post already hidden;
    refuses (ValidationError) a second flag by the same member and a bad reason or note;
    then counts against FLAG_LIMITS (RateLimited). May hide the post (see module doc)."""
    check_not_suspended(flagger)
    post = (
        Post.objects.select_for_update(of=("self",))
        .select_related("topic__category")
        .get(pk=post.pk)
    )
    if not visible_topics(flagger).filter(pk=post.topic_id).exists():
        raise PermissionDenied("You can't flag that post.")
    refusal = flag_refusal(flagger, post)
    if refusal:
        raise PermissionDenied(refusal)
    note = _note_clean(reason, note)
    if Flag.objects.filter(post=post, flagger=flagger).exists():
        raise ValidationError(ALREADY_FLAGGED, code="duplicate")
    rate_limit_hit(scope="forum-flag", key=flagger.pk, limits=FLAG_LIMITS)
    try:
        with transaction.atomic():
            flag = Flag.objects.create(post=post, flagger=flagger, reason=reason, note=note)
    except IntegrityError:  # the same member's double click, racing
        raise ValidationError(ALREADY_FLAGGED, code="duplicate") from None

    category = post.topic.category
    moderates = can_moderate_category(flagger, category)
    open_flaggers = list(
        Flag.objects.filter(post=post, status=FlagStatus.OPEN)
        .exclude(flagger=flagger)
        .filter(flagger__isnull=False)
        .values_list("flagger__trust_level", flat=True)
    )
    weight = flag_weight(flagger, moderates=moderates) + sum(
        (TRUSTED_WEIGHT if level >= TrustLevel.MEMBER else NEW_MEMBER_WEIGHT)
        for level in open_flaggers
    )
    if weight >= AUTO_HIDE_WEIGHT:
        _auto_hide(post=post, weight=weight, tipped_by=flagger)
    return flag


def _auto_hide(*, post: Post, weight: Decimal, tipped_by: User) -> None:
    flags = list(Flag.objects.filter(post=post, status=FlagStatus.OPEN).values_list("pk", "reason"))
    reasons = sorted({reason for _, reason in flags})
    label = ", ".join(FlagReason(r).label.lower() for r in reasons)
    post_hide_rows(
        post=post, hidden_by=None, reason=f"Hidden after flags ({label}); pending review."
    )
    moderation_event_write(
        action=ModerationAction.AUTO_HIDE,
        actor=None,
        post=post,
        reason=f"Flags: {label}",
        details={
            "flags": [pk for pk, _ in flags],
            "weight": str(weight),
            "threshold": str(AUTO_HIDE_WEIGHT),
            "tipped_by": tipped_by.pk,
        },
    )
    recipients = _category_moderators(post.topic.category, exclude=tipped_by)
    url = reverse("forums:moderation-queue")
    verb = f"Flags hid a post in “{post.topic.title}” ({post.topic.category.name}): review it."
    transaction.on_commit(
        lambda: notifications_create(
            recipients=recipients, kind="forum_flag_hidden", verb=verb, url=url
        )
    )


def _category_moderators(category, *, exclude: User) -> list[User]:
    """Volunteers granted moderate_category on the category (or its parent), and holders
    of the global grant (the Moderators role, community managers)."""
    volunteers: set[User] = set()
    for target in [category, category.parent] if category.parent_id else [category]:
        volunteers.update(
            get_users_with_perms(
                target,
                only_with_perms_in=["moderate_category"],
                with_group_users=True,
                with_superusers=False,
            )
        )
    permission = Permission.objects.get(
        content_type__app_label="forums", codename="moderate_category"
    )
    global_moderators = User.objects.filter(
        Q(groups__permissions=permission) | Q(user_permissions=permission), is_active=True
    ).distinct()[:NOTIFY_MODERATORS_MAX]
    everyone = {u.pk: u for u in [*volunteers, *global_moderators] if u.pk != exclude.pk}
    return list(everyone.values())[:NOTIFY_MODERATORS_MAX]
