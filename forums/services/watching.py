"""Watching topics, categories and tags.

The level that applies to a member for one topic is the most specific one they chose:

  1. their watch on the topic itself, else
  2. their watches on the topic's tags (the highest of them: watching any one tag of a topic
     means "tell me"; a topic counts as muted by tags only when every tag watch on it is a
     mute), else
  3. their watch on the topic's category, else on its parent category, else
  4. the default, WatchLevel.MENTIONS (mentions and replies to them).

MUTED silences everything about that topic: no new-post notices, and no mentions or replies
either (nothing gets through a mute). Mute a category and watch one topic in it, and that
topic tells you everything: the topic wins.

Authors watch their own new topic (EVERY_POST) and repliers track the topic they replied
to (a topic watch at MENTIONS, so replies to them arrive even in a muted category); neither
overwrites a level the member chose (as Discourse's auto-watch and auto-track).

Nobody ever hears of a topic they cannot see: forums.permissions.topic_readers is the
visibility rule turned around (which community members may see this topic), in SQL, so a
thousand watchers cost the same few queries as one."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import uuid4

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from community.per_request import cache_get_many_prefetched
from forums.models import (
    Category,
    Tag,
    Topic,
    Watch,
    WatchLevel,
)
from members.access import versions_replace
from members.models import User

# --- The member's watch version -----------------------------------------------------------

WATCH_VERSION_SECONDS = 24 * 60 * 60


def watch_version_key(user_id: int) -> str:
    """Replaced whenever the member sets or clears a watch (watch_set): what a page keeps of
    their watches (a category's or tag's watch menu) is kept under it."""
    return f"forums:watch-version:{user_id}"


def watch_version(user_id: int) -> str:
    """The member's current watch version (prefetched with their request); a missing one is
    created, so nothing kept under an older one can match."""
    key = watch_version_key(user_id)
    version = cache_get_many_prefetched([key]).get(key)
    if version is None:
        cache.add(key, uuid4().hex, timeout=WATCH_VERSION_SECONDS)
        version = cache.get(key)
    return version or ""


# --- Levels -------------------------------------------------------------------------------


def topic_watch_level(user: User, topic: Topic) -> WatchLevel | None:
    """The level the member chose for this topic, or None: one query, for the topic page."""
    if not user.is_authenticated:
        return None
    level = Watch.objects.filter(user=user, topic=topic).values_list("level", flat=True).first()
    return None if level is None else WatchLevel(level)


@transaction.atomic
def watch_set(
    *,
    user: User,
    level: WatchLevel | int | None,
    topic: Topic | None = None,
    category: Category | None = None,
    tag: Tag | None = None,
) -> Watch | None:
    """Set the member's level for exactly one of topic, category or tag; `level` None
    clears it (the default applies again). The caller checks that the member may see the
    target (forums.views.watching does, answering 404). Returns the row, None when cleared.
    Safe under a double click: the row is upserted on its unique constraint."""
    targets = {"topic": topic, "category": category, "tag": tag}
    chosen = {name: value for name, value in targets.items() if value is not None}
    if len(chosen) != 1:
        raise ValueError("Watch exactly one of topic, category or tag.")
    ((field, target),) = chosen.items()
    lookup = {"user": user, field: target}
    versions_replace([watch_version_key(user.pk)], WATCH_VERSION_SECONDS)
    if level is None:
        Watch.objects.filter(**lookup).delete()
        return None
    if level not in WatchLevel.values:
        raise ValidationError({"level": "Choose watching, normal or muted."}, code="invalid")
    watch, _ = Watch.objects.update_or_create(**lookup, defaults={"level": int(level)})
    return watch


def topic_watches_auto(*, topic: Topic, user_ids: Iterable[int], level: WatchLevel) -> None:
    """Give each member a topic watch at `level` unless they already chose one for it (their
    choice wins). One INSERT; a race with the member's own choice keeps theirs."""
    rows = [Watch(user_id=user_id, topic=topic, level=level) for user_id in set(user_ids)]
    if rows:
        Watch.objects.bulk_create(rows, ignore_conflicts=True)


def _topic_tag_ids(topic: Topic) -> list[int]:
    return list(
        Topic.tags.through.objects.filter(topic_id=topic.pk).values_list("tag_id", flat=True)
    )


def topic_watch_levels(*, topic: Topic, user_ids: Iterable[int] | None = None) -> dict[int, int]:
    """The level that applies to each member for `topic` (the rule in this module's
    docstring), for every member who chose any level touching it, or only for `user_ids`.
    Members absent from the answer have the default (MENTIONS). One query for the tags, one
    for the watches, however many watchers."""
    category = topic.category
    category_ids = [category.pk] + ([category.parent_id] if category.parent_id else [])
    tag_ids = _topic_tag_ids(topic)
    watches = Watch.objects.filter(
        Q(topic_id=topic.pk) | Q(category_id__in=category_ids) | Q(tag_id__in=tag_ids)
    )
    if user_ids is not None:
        watches = watches.filter(user_id__in=list(set(user_ids)))
    by_user: dict[int, dict[str, object]] = {}
    for user_id, level, topic_id, category_id, tag_id in watches.values_list(
        "user_id", "level", "topic_id", "category_id", "tag_id"
    ):
        mine = by_user.setdefault(user_id, {"tags": []})
        if topic_id is not None:
            mine["topic"] = level
        elif tag_id is not None:
            mine["tags"].append(level)
        elif category_id == category.pk:
            mine["category"] = level
        else:
            mine["parent"] = level
    levels: dict[int, int] = {}
    for user_id, mine in by_user.items():
        if "topic" in mine:
            levels[user_id] = mine["topic"]
        elif mine["tags"]:
            levels[user_id] = max(mine["tags"])
        elif "category" in mine:
            levels[user_id] = mine["category"]
        elif "parent" in mine:
            levels[user_id] = mine["parent"]
    return levels


def watched_topic_filter(user: User, *, level: WatchLevel, prefix: str = "") -> Q:
    """A filter on Topic (or on a model reaching it through `prefix`, e.g. "topic__") that
    keeps the topics whose applying level for `user` is `level`: the same rule as
    topic_watch_levels, decided in SQL (the digest needs it over many topics at once). The
    default level (no watch anywhere) is not matched, so `level` must not be MENTIONS."""
    if level == WatchLevel.MENTIONS:
        raise ValueError("The default level is everything that has no watch; ask for another.")
    mine = Watch.objects.filter(user=user)
    topic_any = mine.filter(topic__isnull=False).values("topic_id")
    topic_at = mine.filter(topic__isnull=False, level=level).values("topic_id")
    tags_any = mine.filter(tag__isnull=False).values("tag_id")
    tags_at = mine.filter(tag__isnull=False, level=level).values("tag_id")
    tags_above = mine.filter(tag__isnull=False, level__gt=level).values("tag_id")
    categories_any = mine.filter(category__isnull=False).values("category_id")
    categories_at = mine.filter(category__isnull=False, level=level).values("category_id")
    tagged = Topic.tags.through.objects
    topics_with_tag_at = tagged.filter(tag_id__in=tags_at).values("topic_id")
    topics_with_tag_above = tagged.filter(tag_id__in=tags_above).values("topic_id")
    topics_with_any_tag = tagged.filter(tag_id__in=tags_any).values("topic_id")

    def field(name: str) -> str:
        return f"{prefix}{name}"

    by_category = Q(**{f"{field('category_id')}__in": categories_at}) | (
        ~Q(**{f"{field('category_id')}__in": categories_any})
        & Q(**{f"{field('category__parent_id')}__in": categories_at})
    )
    by_tags = Q(**{f"{field('pk')}__in": topics_with_tag_at}) & ~Q(
        **{f"{field('pk')}__in": topics_with_tag_above}
    )
    return Q(**{f"{field('pk')}__in": topic_at}) | (
        ~Q(**{f"{field('pk')}__in": topic_any})
        & (by_tags | (~Q(**{f"{field('pk')}__in": topics_with_any_tag}) & by_category))
    )
