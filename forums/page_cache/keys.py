"""Cache keys of shared pages: what they depend on, and the release that rendered them.

Every key carries settings.RELEASE_ID, so a deploy never serves HTML rendered by the code
before it, nor unpickles the structures that code kept (docs/deployment.md)."""

from __future__ import annotations

from django.conf import settings

from forums.models import Topic


def page_key(kind: str, *parts) -> str:
    return ":".join(("forums", kind, settings.RELEASE_ID, *(str(part) for part in parts)))


def topic_version(topic: Topic) -> str:
    """Changes whenever something on the topic's pages does: services touch updated_at for
    edits, reactions, hiding, answers, moves and merges; a new post moves last_post_at."""
    return (
        f"{topic.pk}:{topic.updated_at.timestamp()}:{topic.last_post_at.timestamp()}:"
        f"{topic.accepted_answer_id}"
    )


def requested_page(raw: str | None) -> int:
    """The page a query string asks for, as Paginator.get_page reads it (garbage: the
    first; beyond the end: the last), as a bounded number for a cache key."""
    raw = (raw or "").strip()
    if not raw.isdigit():
        return 1
    return int(raw) if len(raw) <= 9 else 10**9
