"""Read positions and view counts: recorded in the cache on every page view, flushed to the
database in bulk by forums.tasks (a read never writes to the database). Owned by the
lists-and-reading work."""

from forums.models import Post, Topic


def topic_viewed(viewer, topic: Topic, posts: list[Post]) -> None:
    """Count a view of `topic` and, for a member, remember the newest of `posts` as read."""


def resume_page(viewer, topic: Topic) -> tuple[int, int] | None:
    """(page, post id) where the member stopped reading `topic`, or None to start at the
    top (visitors, first visits, everything read)."""
    return None
