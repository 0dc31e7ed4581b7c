"""Short topic lists for pages outside the forums (the home page): what is new, what waits for
a first reply, what the managers pinned. Each is one query over `visible_topics`, the helper
every forum list uses, so a private category's topics reach exactly the people its lists
reach; hidden and merged topics are left out even for moderators (they have the forum lists
for those)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from forums.models import Topic
from forums.permissions import visible_topics
from forums.selectors.lists import UNANSWERED_DAYS


def _shown(viewer) -> QuerySet[Topic]:
    return (
        visible_topics(viewer)
        .filter(is_hidden=False, merged_into__isnull=True)
        .select_related("category")
    )


def recent_topics_for(*, viewer, limit: int) -> list[Topic]:
    """The topics with the newest activity, pinned ones aside (they are featured)."""
    return list(_shown(viewer).filter(is_pinned=False).order_by("-last_post_at", "-pk")[:limit])


def topics_awaiting_reply_for(*, viewer, limit: int, now: datetime | None = None) -> list[Topic]:
    """Open topics of the last UNANSWERED_DAYS days that nobody has replied to yet (no
    visible reply at all), newest first: the ones where a first answer still helps most.
    Stricter than the forum's Unanswered list, which also keeps Q&A questions with replies
    but no accepted answer."""
    since = (now or timezone.now()) - timedelta(days=UNANSWERED_DAYS)
    return list(
        _shown(viewer)
        .filter(reply_count=0, is_locked=False, created_at__gte=since)
        .order_by("-created_at", "-pk")[:limit]
    )


def pinned_topics_for(*, viewer, limit: int) -> list[Topic]:
    """Pinned topics, the most active first."""
    return list(_shown(viewer).filter(is_pinned=True).order_by("-last_post_at", "-pk")[:limit])
