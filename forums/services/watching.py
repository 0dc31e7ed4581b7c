"""Watching topics, categories and tags (owned by the notifications work)."""

from forums.models import Topic, WatchLevel
from members.models import User


def topic_watch_level(user: User, topic: Topic) -> WatchLevel | None:
    """The level the member chose for this topic, or None: one query, for the topic page."""
    return None
