"""Moderation verbs. Each checks that the actor may act, changes the rows, moves the
denormalised counters with F() and writes exactly one ModerationEvent, all in one
transaction (an action that changes nothing writes nothing). docs/moderation.md explains
the rules to managers."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from community.notifications import notification_create
from forums.models import (
    Category,
    Flag,
    FlagStatus,
    ModerationAction,
    ModerationEvent,
    Post,
    Topic,
)
from forums.permissions import (
    can_view_category,
    check_moderate_category,
    check_suspend_members,
)
from members.access import access_changed
from members.models import User

REASON_MAX_LENGTH = 500


def _clean_reason(reason: str | None) -> str:
    reason = " ".join((reason or "").replace("\x00", "").split())
    return reason[:REASON_MAX_LENGTH]


def moderation_event_write(
    *,
    action: ModerationAction,
    actor: User | None,
    category: Category | None = None,
    topic: Topic | None = None,
    post: Post | None = None,
    target_user: User | None = None,
    reason: str = "",
    details: dict | None = None,
) -> ModerationEvent:
    """Append one entry to the moderation log. Callers run inside their action's
    transaction, so the entry and the change it records commit or roll back together.
    An entry about a post is also about its topic, its category and its author; an entry
    about a topic, about its category, unless the caller says otherwise (a move names the
    category it left)."""
    if post is not None:
        topic = topic or post.topic
        target_user = target_user or post.author
    if topic is not None:
        category = category or topic.category
    return ModerationEvent.objects.create(
        actor=actor,
        action=action,
        category=category,
        topic=topic,
        post=post,
        target_user=target_user,
        reason=_clean_reason(reason),
        details=details or {},
    )


def _locked_post(post: Post) -> Post:
    return (
        Post.objects.select_for_update(of=("self",))
        .select_related("topic__category")
        .get(pk=post.pk)
    )


def _flags_resolve(*, post: Post, actor: User | None, status: FlagStatus) -> list[int]:
    flag_ids = list(
        Flag.objects.filter(post=post, status=FlagStatus.OPEN).values_list("pk", flat=True)
    )
    if flag_ids:
        Flag.objects.filter(pk__in=flag_ids).update(
            status=status, resolved_by=actor, resolved_at=timezone.now(), updated_at=timezone.now()
        )
    return flag_ids


def post_hide_rows(*, post: Post, hidden_by: User | None, reason: str) -> None:
    """Hide a (locked, visible) post and move the counters; no checks, no log. Shared by
    post_hide and the flags' auto-hide. Hiding the opening post hides the whole topic; a
    hidden reply stops counting in the topic's reply_count and the category's post_count,
    and stops being the topic's accepted answer."""
    now = timezone.now()
    post.is_hidden = True
    post.hidden_reason = _clean_reason(reason)
    post.hidden_at = now
    post.hidden_by = hidden_by
    post.save(update_fields=["is_hidden", "hidden_reason", "hidden_at", "hidden_by", "updated_at"])
    if post.is_opening:
        Topic.objects.filter(pk=post.topic_id).update(is_hidden=True, updated_at=now)
    else:
        Topic.objects.filter(pk=post.topic_id, reply_count__gt=0).update(
            reply_count=F("reply_count") - 1, updated_at=now
        )
        Topic.objects.filter(pk=post.topic_id, accepted_answer_id=post.pk).update(
            accepted_answer=None
        )
        Category.objects.filter(pk=post.topic.category_id, post_count__gt=0).update(
            post_count=F("post_count") - 1
        )


@transaction.atomic
def post_hide(*, post: Post, actor: User, reason: str) -> Post:
    """Hide `post` (never delete it) and uphold its open flags. Hiding an already hidden
    post with no open flags changes nothing and logs nothing; hiding one that flags hid
    confirms it (the flags are upheld and the log says who decided)."""
    post = _locked_post(post)
    check_moderate_category(actor, post.topic.category)
    if post.is_hidden:
        flag_ids = _flags_resolve(post=post, actor=actor, status=FlagStatus.UPHELD)
        if not flag_ids:
            return post
        post.hidden_by = actor
        post.save(update_fields=["hidden_by", "updated_at"])
        details = {"flags_upheld": flag_ids, "already_hidden": True}
    else:
        post_hide_rows(post=post, hidden_by=actor, reason=reason)
        details = {"flags_upheld": _flags_resolve(post=post, actor=actor, status=FlagStatus.UPHELD)}
    moderation_event_write(
        action=ModerationAction.HIDE,
        actor=actor,
        post=post,
        reason=reason,
        details=details,
    )
    return post


@transaction.atomic
def post_restore(*, post: Post, actor: User, reason: str = "") -> Post:
    """Show a hidden post again (the counters come back; a restored opening post shows its
    topic again) and dismiss its open flags. A visible post is left as it is."""
    post = _locked_post(post)
    check_moderate_category(actor, post.topic.category)
    if not post.is_hidden:
        return post
    if post.topic.merged_into_id is not None and post.is_opening:
        raise ValidationError("This topic was merged into another one; it stays closed.")
    now = timezone.now()
    post.is_hidden = False
    post.hidden_reason = ""
    post.hidden_at = None
    post.hidden_by = None
    post.save(update_fields=["is_hidden", "hidden_reason", "hidden_at", "hidden_by", "updated_at"])
    if post.is_opening:
        Topic.objects.filter(pk=post.topic_id).update(is_hidden=False, updated_at=now)
    else:
        Topic.objects.filter(pk=post.topic_id).update(
            reply_count=F("reply_count") + 1, updated_at=now
        )
        Category.objects.filter(pk=post.topic.category_id).update(post_count=F("post_count") + 1)
    flag_ids = _flags_resolve(post=post, actor=actor, status=FlagStatus.DISMISSED)
    moderation_event_write(
        action=ModerationAction.RESTORE,
        actor=actor,
        post=post,
        reason=reason,
        details={"flags_dismissed": flag_ids},
    )
    return post


@transaction.atomic
def flags_dismiss(*, post: Post, actor: User, reason: str = "") -> int:
    """The flags on a visible post were wrong: close them, leave the post as it is.
    Returns how many were dismissed. A hidden post is restored (which dismisses its flags)
    or hidden for good (which upholds them), so it cannot be left hidden and out of the
    queue."""
    post = _locked_post(post)
    check_moderate_category(actor, post.topic.category)
    if post.is_hidden:
        raise ValidationError(
            "This post is hidden: restore it (that dismisses the flags) or hide it for good "
            "(that upholds them)."
        )
    flag_ids = _flags_resolve(post=post, actor=actor, status=FlagStatus.DISMISSED)
    if flag_ids:
        moderation_event_write(
            action=ModerationAction.DISMISS_FLAGS,
            actor=actor,
            post=post,
            reason=reason,
            details={"flags_dismissed": flag_ids},
        )
    return len(flag_ids)


def _locked_topic(topic: Topic) -> Topic:
    return Topic.objects.select_for_update(of=("self",)).select_related("category").get(pk=topic.pk)


def _topic_switch(*, topic: Topic, actor: User, field: str, on: bool, action, reason: str):
    """Set a topic's yes/no moderation field (is_locked, is_pinned) and log it; setting it
    to what it already is changes and logs nothing."""
    current = _locked_topic(topic)
    check_moderate_category(actor, current.category)
    setattr(topic, field, on)
    if getattr(current, field) == on:
        return
    Topic.objects.filter(pk=topic.pk).update(**{field: on, "updated_at": timezone.now()})
    moderation_event_write(action=action, actor=actor, topic=current, reason=reason)


@transaction.atomic
def topic_lock_set(*, topic: Topic, actor: User, locked: bool, reason: str = "") -> None:
    """Lock (no more replies, except from moderators) or unlock `topic`."""
    action = ModerationAction.LOCK if locked else ModerationAction.UNLOCK
    _topic_switch(
        topic=topic, actor=actor, field="is_locked", on=locked, action=action, reason=reason
    )


@transaction.atomic
def topic_pin_set(*, topic: Topic, actor: User, pinned: bool, reason: str = "") -> None:
    """Pin `topic` to the top of its category's list, or unpin it."""
    action = ModerationAction.PIN if pinned else ModerationAction.UNPIN
    _topic_switch(
        topic=topic, actor=actor, field="is_pinned", on=pinned, action=action, reason=reason
    )


def _counted_posts(topic_id: int) -> Q:
    # What Category.post_count counts for a topic: its visible posts, and its opening post
    # even when hidden (post_hide keeps a hidden topic's opening post in the count).
    return Q(topic_id=topic_id) & (Q(is_hidden=False) | Q(is_opening=True))


@transaction.atomic
def topic_move(*, topic: Topic, actor: User, category: Category, reason: str = "") -> Topic:
    """Move `topic` to `category`. The actor must moderate the topic's category and be able
    to see the new one (PermissionDenied otherwise); both categories' counters move; tags
    not allowed in the new category are dropped (named in the log)."""
    topic = _locked_topic(topic)
    check_moderate_category(actor, topic.category)
    if not can_view_category(actor, category):
        raise PermissionDenied("You can't move topics into that category.")
    if topic.merged_into_id is not None:
        raise ValidationError("This topic was merged into another one and can't be moved.")
    if category.pk == topic.category_id:
        raise ValidationError(f"The topic is already in {category.name}.")
    source = topic.category
    post_count = Post.objects.filter(_counted_posts(topic.pk)).count()
    dropped = list(
        topic.tags.exclude(Q(categories__isnull=True) | Q(categories=category))
        .distinct()
        .values_list("slug", flat=True)
    )
    if dropped:
        topic.tags.remove(*topic.tags.filter(slug__in=dropped))
    topic.category = category
    topic.save(update_fields=["category", "updated_at"])
    Category.objects.filter(pk=source.pk).update(
        topic_count=F("topic_count") - 1, post_count=F("post_count") - post_count
    )
    Category.objects.filter(pk=category.pk).update(
        topic_count=F("topic_count") + 1, post_count=F("post_count") + post_count
    )
    Category.objects.filter(
        Q(last_activity_at__lt=topic.last_post_at) | Q(last_activity_at__isnull=True),
        pk=category.pk,
    ).update(last_activity_at=topic.last_post_at)
    moderation_event_write(
        action=ModerationAction.MOVE,
        actor=actor,
        category=source,
        topic=topic,
        reason=reason,
        details={
            "from_category": source.pk,
            "from_category_name": source.name,
            "to_category": category.pk,
            "to_category_name": category.name,
            "tags_dropped": dropped,
        },
    )
    return topic


@transaction.atomic
def topic_merge(*, topic: Topic, into: Topic, actor: User, reason: str = "") -> Topic:
    """Move every post of `topic` into `into` (they take their place by date; the old
    opening post becomes a reply) and close `topic`: locked, hidden from lists and pointing
    at `into` with merged_into. The actor must moderate both categories. Counters of both
    topics and categories follow. Returns `into`."""
    if topic.pk == into.pk:
        raise ValidationError("A topic can't be merged into itself.")
    # Lock both rows in a fixed order so two merges cannot deadlock.
    locked = {
        t.pk: t
        for t in Topic.objects.select_for_update(of=("self",))
        .select_related("category")
        .filter(pk__in=[topic.pk, into.pk])
        .order_by("pk")
    }
    topic, into = locked[topic.pk], locked[into.pk]
    check_moderate_category(actor, topic.category)
    check_moderate_category(actor, into.category)
    if topic.merged_into_id is not None:
        raise ValidationError("This topic was already merged into another one.")
    if into.merged_into_id is not None:
        raise ValidationError(
            "That topic was itself merged away; merge into the topic it points to."
        )

    source_counted = Post.objects.filter(_counted_posts(topic.pk)).count()
    moved = Post.objects.filter(topic=topic)
    visible = moved.filter(is_hidden=False)
    moved_visible = visible.count()
    latest = visible.order_by("-created_at", "-pk").select_related("author").first()
    moved_ids = list(moved.values_list("pk", flat=True))
    moved.update(topic=into, is_opening=False, updated_at=timezone.now())

    now = timezone.now()
    Topic.objects.filter(pk=topic.pk).update(
        merged_into=into,
        is_locked=True,
        is_hidden=True,
        is_pinned=False,
        reply_count=0,
        accepted_answer=None,
        updated_at=now,
    )
    into_update = {"reply_count": F("reply_count") + moved_visible, "updated_at": now}
    if latest is not None and latest.created_at > into.last_post_at:
        into_update |= {
            "last_post_at": latest.created_at,
            "last_poster": latest.author,
            "last_poster_name": latest.author_name,
        }
    Topic.objects.filter(pk=into.pk).update(**into_update)
    Category.objects.filter(pk=topic.category_id).update(
        topic_count=F("topic_count") - 1, post_count=F("post_count") - source_counted
    )
    Category.objects.filter(pk=into.category_id).update(post_count=F("post_count") + moved_visible)
    if latest is not None:
        Category.objects.filter(
            Q(last_activity_at__lt=latest.created_at) | Q(last_activity_at__isnull=True),
            pk=into.category_id,
        ).update(last_activity_at=latest.created_at)
    moderation_event_write(
        action=ModerationAction.MERGE,
        actor=actor,
        topic=topic,
        reason=reason,
        details={
            "into_topic": into.pk,
            "into_title": into.title,
            "into_category": into.category_id,
            "posts_moved": moved_ids,
        },
    )
    into.refresh_from_db()
    return into


@transaction.atomic
def member_suspend(*, member: User, actor: User, until: datetime, reason: str) -> User:
    """Suspend `member` until `until` (in the future): they keep reading but cannot post,
    react or flag. A reason is required; the member is told in the app, with the reason.
    Suspending again replaces the end date and reason."""
    check_suspend_members(actor, member)
    reason = _clean_reason(reason)
    if not reason:
        raise ValidationError({"reason": "Say why: the member is shown the reason."})
    if until is None or timezone.is_naive(until) or until <= timezone.now():
        raise ValidationError({"until": "The suspension must end in the future."})
    passed, member = member, User.objects.select_for_update().get(pk=member.pk)
    previous = member.suspended_until if member.is_suspended else None
    member.suspended_until = passed.suspended_until = until
    member.suspension_reason = passed.suspension_reason = reason
    member.save(update_fields=["suspended_until", "suspension_reason", "updated_at"])
    access_changed(user_ids=[member.pk])
    moderation_event_write(
        action=ModerationAction.SUSPEND,
        actor=actor,
        target_user=member,
        reason=reason,
        details={
            "until": until.isoformat(),
            "previous_until": previous.isoformat() if previous else None,
        },
    )
    ends = timezone.localtime(until).strftime("%-d %B %Y, %H:%M")
    transaction.on_commit(
        lambda: notification_create(
            recipient=member,
            kind="forum_suspended",
            verb=f"Your account is suspended until {ends}: you can read but not post, "
            f"react or flag. Reason: {reason}",
            url=reverse("forums:category-list"),
            actor=actor,
        )
    )
    return member


@transaction.atomic
def member_unsuspend(*, member: User, actor: User, reason: str = "") -> User:
    """Lift `member`'s suspension now. A member who is not suspended is left as they are."""
    check_suspend_members(actor, member)
    passed, member = member, User.objects.select_for_update().get(pk=member.pk)
    if not member.is_suspended:
        return member
    previous = member.suspended_until
    member.suspended_until = passed.suspended_until = None
    member.suspension_reason = passed.suspension_reason = ""
    member.save(update_fields=["suspended_until", "suspension_reason", "updated_at"])
    access_changed(user_ids=[member.pk])
    moderation_event_write(
        action=ModerationAction.UNSUSPEND,
        actor=actor,
        target_user=member,
        reason=reason,
        details={"previous_until": previous.isoformat()},
    )
    transaction.on_commit(
        lambda: notification_create(
            recipient=member,
            kind="forum_unsuspended",
            verb="Your suspension has been lifted: you can post again.",
            url=reverse("forums:category-list"),
            actor=actor,
        )
    )
    return member
