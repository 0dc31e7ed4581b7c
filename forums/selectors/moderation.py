"""The moderation queue: what waits for a moderator's decision, only in the categories
they moderate."""

from __future__ import annotations

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet

from forums.models import Category, Flag, FlagStatus, Post
from forums.permissions import moderated_categories

QUEUE_PAGE_SIZE = 25
RECENTLY_HIDDEN_LIMIT = 20


def _open_flags() -> Prefetch:
    return Prefetch(
        "flags",
        queryset=Flag.objects.filter(status=FlagStatus.OPEN)
        .select_related("flagger")
        .order_by("created_at", "pk"),
        to_attr="open_flags",
    )


def _with_context(posts: QuerySet[Post]) -> QuerySet[Post]:
    return posts.select_related("topic__category", "author").prefetch_related(_open_flags())


def queue_posts(*, moderator, category: Category | None = None) -> QuerySet[Post]:
    """Posts with open flags (visible ones and those flags hid), oldest first flag first,
    each with its topic, category, author and open flags (with flaggers) loaded."""
    open_flag = Flag.objects.filter(post=OuterRef("pk"), status=FlagStatus.OPEN)
    posts = Post.objects.filter(
        Exists(open_flag), topic__category__in=moderated_categories(moderator)
    )
    if category is not None:
        posts = posts.filter(topic__category=category)
    return (
        _with_context(posts)
        .annotate(
            first_flag_at=Min("flags__created_at", filter=Q(flags__status=FlagStatus.OPEN)),
            open_flag_count=Count("flags", filter=Q(flags__status=FlagStatus.OPEN)),
        )
        .order_by("first_flag_at", "pk")
    )


def queue_post_count(*, moderator) -> int:
    """How many posts wait in `moderator`'s queue (the rows of queue_posts), in one query
    over the open flags, which a partial index keeps small."""
    open_flags = Flag.objects.filter(
        status=FlagStatus.OPEN, post__topic__category__in=moderated_categories(moderator)
    )
    return open_flags.values("post_id").distinct().count()


def recently_hidden_posts(*, moderator, category: Category | None = None) -> list[Post]:
    """The latest hidden posts with no open flags (hidden by a moderator or deleted by their
    author), so a mistaken hide can be undone from the queue."""
    open_flag = Flag.objects.filter(post=OuterRef("pk"), status=FlagStatus.OPEN)
    posts = Post.objects.filter(
        ~Exists(open_flag),
        is_hidden=True,
        topic__merged_into__isnull=True,
        topic__category__in=moderated_categories(moderator),
    )
    if category is not None:
        posts = posts.filter(topic__category=category)
    return list(
        _with_context(posts)
        .select_related("hidden_by")
        .order_by("-hidden_at", "-pk")[:RECENTLY_HIDDEN_LIMIT]
    )
