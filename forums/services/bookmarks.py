"""Bookmarks and their reminders. A bookmark is private to its member: nobody else sees
it, it notifies nobody but them, and it shows only while they can still see the post."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from community.notifications import notification_create
from forums.models import Bookmark, Post
from forums.permissions import check_bookmark, moderated_categories, visible_topics
from members.models import User
from members.permissions import is_community_member

BOOKMARK_NOTE_MAX_LENGTH = 200
REMINDER_MAX_AHEAD = timedelta(days=5 * 365)
REMINDER_BATCH = 500


def _posts_visible_to(user) -> QuerySet[Post]:
    """Set-wise, for lists and the reminder task: posts in topics `user` may see, hidden
    ones only where they moderate. (forums.permissions.access_post answers for one.)"""
    shown = Q(is_hidden=False)
    if user.is_authenticated:
        shown |= Q(topic__category__in=moderated_categories(user))
    return Post.objects.filter(shown, topic__in=visible_topics(user))


def _clean_reminder(remind_at: datetime | None, now: datetime) -> None:
    if remind_at is None:
        return
    if remind_at <= now:
        raise ValidationError({"remind_at": "Pick a reminder time in the future."})
    if remind_at > now + REMINDER_MAX_AHEAD:
        raise ValidationError({"remind_at": "Reminders can be set up to five years ahead."})


def bookmark_save(
    *, user: User, post: Post, note: str = "", remind_at: datetime | None = None
) -> Bookmark:
    """Bookmark `post` for `user`, or update the note and reminder of their bookmark. A new
    reminder time re-arms the reminder. Raises PermissionDenied when the member may not see
    the post, ValidationError for a bad note or time."""
    check_bookmark(user, post)
    now = timezone.now()
    note = " ".join(note.split())
    if len(note) > BOOKMARK_NOTE_MAX_LENGTH:
        raise ValidationError({"note": "Keep the note to 200 characters."})
    _clean_reminder(remind_at, now)
    try:
        with transaction.atomic():
            bookmark, created = Bookmark.objects.get_or_create(
                user=user, post=post, defaults={"note": note, "remind_at": remind_at}
            )
    except IntegrityError:  # a double submit created it first
        bookmark, created = Bookmark.objects.get(user=user, post=post), False
    if not created:
        bookmark.note = note
        if remind_at != bookmark.remind_at:
            bookmark.remind_at = remind_at
            bookmark.reminded_at = None
        bookmark.save(update_fields=["note", "remind_at", "reminded_at", "updated_at"])
    return bookmark


def bookmark_remove(*, user: User, post: Post) -> bool:
    """Remove `user`'s bookmark of `post`; False when there was none. Allowed even when the
    member can no longer see the post (it is their own row)."""
    deleted, _ = Bookmark.objects.filter(user_id=user.pk, post_id=post.pk).delete()
    return bool(deleted)


def bookmark_toggle(*, user: User, post: Post) -> Bookmark | None:
    """Bookmark the post, or remove the bookmark when there is one. Returns the bookmark,
    or None when it was removed."""
    if bookmark_remove(user=user, post=post):
        return None
    return bookmark_save(user=user, post=post)


def bookmarked_post_ids(user: User, post_ids: Iterable[int]) -> set[int]:
    """Which of `post_ids` the member has bookmarked: one query, for the topic page."""
    post_ids = list(post_ids)
    if not user.is_authenticated or not post_ids:
        return set()
    return set(
        Bookmark.objects.filter(user_id=user.pk, post_id__in=post_ids).values_list(
            "post_id", flat=True
        )
    )


def bookmarks_for(*, user: User) -> QuerySet[Bookmark]:
    """The member's bookmarks of posts they can still see, newest first, with the post, its
    topic and category joined."""
    if not user.is_authenticated:
        return Bookmark.objects.none()
    return (
        Bookmark.objects.filter(user_id=user.pk, post__in=_posts_visible_to(user))
        .select_related("post__topic__category")
        .order_by("-created_at", "-pk")
    )


def bookmark_reminders_send(*, now: datetime | None = None) -> int:
    """Send the in-app reminders that are due; returns how many were sent.

    Each due bookmark is claimed with a conditional UPDATE (reminded_at IS NULL → now) in
    the same transaction as its notification: a retry, or a second run at the same time,
    finds it claimed (PostgreSQL makes the second UPDATE wait for the first to commit and
    then re-check the condition), and a crash rolls both back so it is sent next time.
    Members who can no longer see the post are skipped; their reminder is still claimed."""
    now = now or timezone.now()
    due = list(
        Bookmark.objects.filter(remind_at__lte=now, reminded_at__isnull=True)
        .order_by("remind_at", "pk")
        .values_list("pk", flat=True)[:REMINDER_BATCH]
    )
    if not due:
        return 0
    sent = 0
    with transaction.atomic():
        stamp = timezone.now()
        Bookmark.objects.filter(pk__in=due, reminded_at__isnull=True).update(
            reminded_at=stamp, updated_at=stamp
        )
        claimed = list(
            Bookmark.objects.filter(pk__in=due, reminded_at=stamp).select_related(
                "user", "post__topic"
            )
        )
        by_user: dict[int, list[Bookmark]] = defaultdict(list)
        for bookmark in claimed:
            by_user[bookmark.user_id].append(bookmark)
        for bookmarks in by_user.values():
            user = bookmarks[0].user
            if not is_community_member(user):
                continue
            still_visible = set(
                _posts_visible_to(user)
                .filter(pk__in=[bookmark.post_id for bookmark in bookmarks])
                .values_list("pk", flat=True)
            )
            for bookmark in bookmarks:
                if bookmark.post_id not in still_visible:
                    continue
                verb = f"Reminder: {bookmark.post.topic.title}"
                if bookmark.note:
                    verb += f" — {bookmark.note}"
                if notification_create(
                    recipient=user,
                    kind="bookmark_reminder",
                    verb=verb,
                    url=reverse("forums:post-open", args=[bookmark.post_id]),
                ):
                    sent += 1
    return sent
