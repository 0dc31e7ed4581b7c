"""Bookmarks and their reminders (owned by the lists-and-reading work)."""

from collections.abc import Iterable

from members.models import User


def bookmarked_post_ids(user: User, post_ids: Iterable[int]) -> set[int]:
    """Which of `post_ids` the member has bookmarked: one query, for the topic page."""
    return set()
