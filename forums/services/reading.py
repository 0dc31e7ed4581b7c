"""Topic views and read positions: recorded in the cache on every page view and moved to
the database in bulk by the "forums.flush_views_and_reads" task. A read never writes to the
database (docs/reading.md explains the design).

Cache layout (Django's cache API only, so it behaves the same on Redis and LocMem):

  forums:views:<minute>:<topic>      views of a topic counted during that minute (an int)
  forums:views:<name>:<minute>:<id>  views of another app's page (see COUNTED_VIEWS)
  forums:dirty:<minute>:n            how many entries the minute's dirty index holds
  forums:dirty:<minute>:<i>          entry i: "v:<topic>" (views), "r:<user>:<topic>" (a
                                     read), "c:<name>:<id>" (another app's views) or
                                     "e:<name>:<json>" (a logged event, LOGGED_EVENTS)
  forums:read:<user>:<topic>         a member's newest post seen ({"p", "at"}), when their last
                                     counted view was ("v"), and the minute it was indexed ("b")
  forums:flushed:<minute>            how many of the minute's index entries are in the database
  forums:flush:lock                  held by the one flush that runs at a time

Writers only ever touch the current minute. The flush takes minutes that ended at least a
minute ago (no writer is still in them), under a lock, reads them, writes everything in one
transaction, and only then records how far each minute is flushed and deletes what it read:
a flush that dies before its commit leaves the keys in place for the next one, so nothing
is lost."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    F,
    OuterRef,
    PositiveIntegerField,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from community.per_request import cache_get_many_prefetched
from community.timezones import community_timezone
from forums.models import Post, Topic, TopicRead, TopicViewDay
from forums.permissions import can_moderate_category
from forums.services.posts import POSTS_PER_PAGE
from members.models import User

# A member opening the same topic again within half an hour is one view (Discourse counts a
# view per user or IP per topic in a similar window).
VIEW_DEDUPE_SECONDS = 30 * 60
# Views are counted per minute. FORUMS_VIEW_BUCKET_SECONDS shortens the minute for a test
# that watches a real worker flush (tests/community/test_embedded_worker.py).
BUCKET_SECONDS = getattr(settings, "FORUMS_VIEW_BUCKET_SECONDS", 60)
# A minute is flushed once the next one has ended too: covers a request that computed its
# minute just before the boundary, and clocks on web and worker nodes a minute apart.
SETTLE_BUCKETS = 2
# How long counted-but-unflushed data survives a stopped worker (and how far back a flush
# looks for it).
PENDING_TTL = 25 * 60 * 60
SCAN_BUCKETS = 24 * 60
MAX_BUCKETS_PER_FLUSH = 240
# The read overlay outlives any flush delay; the database has the position after that.
READ_OVERLAY_TTL = 3 * 24 * 60 * 60
FLUSH_LOCK_KEY = "forums:flush:lock"
FLUSH_LOCK_SECONDS = 10 * 60
CACHE_BATCH = 1000
DB_BATCH = 500


def _bucket(now: datetime) -> int:
    return int(now.timestamp()) // BUCKET_SECONDS


def _views_key(bucket: int, topic_id: int) -> str:
    return f"forums:views:{bucket}:{topic_id}"


def _counted_key(name: str, bucket: int, object_id: int) -> str:
    return f"forums:views:{name}:{bucket}:{object_id}"


def _index_size_key(bucket: int) -> str:
    return f"forums:dirty:{bucket}:n"


def _index_entry_key(bucket: int, number: int) -> str:
    return f"forums:dirty:{bucket}:{number}"


def _flushed_key(bucket: int) -> str:
    return f"forums:flushed:{bucket}"


def read_cache_key(user_id: int, topic_id: int) -> str:
    """Where a member's not yet flushed reading state of a topic waits (a page may prefetch
    it: community.per_request.cache_prefetch)."""
    return f"forums:read:{user_id}:{topic_id}"


def read_version_key(user_id: int) -> str:
    """Replaced whenever the member's reading of any topic advances: what is worked out from
    their read positions (a list page's "New" and "3 unread") may be kept under it."""
    return f"forums:read-version:{user_id}"


def read_version(user_id: int) -> str:
    """The member's current read version (prefetched with their request); a missing one is
    created, so nothing kept under an older one can match."""
    key = read_version_key(user_id)
    version = cache_get_many_prefetched([key]).get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, timeout=READ_OVERLAY_TTL)
        version = cache.get(key)
    return version or ""


def _incr_or_create(key: str, delta: int = 1) -> int:
    """cache.incr, creating the key at `delta` when missing. On Redis an existing key costs
    one EXISTS plus one INCRBY (Django's incr); INCRBY keeps the key's expiry."""
    try:
        return cache.incr(key, delta)
    except ValueError:
        if cache.add(key, delta, timeout=PENDING_TTL):
            return delta
        return cache.incr(key, delta)  # another request created it in between


def _index_add(bucket: int, entry: str) -> None:
    """Append `entry` to the minute's dirty index. Each writer gets its own slot number from
    an atomic increment, so concurrent writers never overwrite each other (a cache has no
    atomic list append; a read-modify-write list would lose entries)."""
    number = _incr_or_create(_index_size_key(bucket))
    cache.set(_index_entry_key(bucket, number), entry, timeout=PENDING_TTL)


def _count_in(key: str, *, bucket: int, entry: str, views: int) -> None:
    try:
        cache.incr(key, views)
        return
    except ValueError:
        pass
    # The first view of this page in this minute. Indexed before the counter exists, so a
    # crash in between leaves an entry without a count (harmless), never a count nobody
    # flushes. Two first viewers at once may both index it; the flush reads each key once.
    _index_add(bucket, entry)
    _incr_or_create(key, views)


def _count_view(topic_id: int, bucket: int, views: int = 1) -> None:
    _count_in(_views_key(bucket, topic_id), bucket=bucket, entry=f"v:{topic_id}", views=views)


# Other apps' page views, counted and flushed exactly like topic views: name -> the function
# the flush calls, inside its transaction, with {(object id, start of the minute): views}.
# Apps above forums register in their AppConfig.ready() (the library's resource pages), so
# the one periodic flush moves every counted view and no page view writes to the database.
COUNTED_VIEWS: dict[str, Callable[[dict[tuple[int, datetime], int]], None]] = {}


def counted_views_register(
    name: str, apply: Callable[[dict[tuple[int, datetime], int]], None]
) -> None:
    if not name.isidentifier():
        raise ValueError(f"A counted-views name is a plain word, not {name!r}")
    COUNTED_VIEWS[name] = apply


def views_record(name: str, object_id: int, *, views: int = 1, now: datetime | None = None) -> None:
    """Count `views` views of object `object_id` of the registered kind `name` (cache only;
    the flush hands them to the registered function with the minute they happened in)."""
    if views > 0:
        bucket = _bucket(now or timezone.now())
        _count_in(
            _counted_key(name, bucket, object_id),
            bucket=bucket,
            entry=f"c:{name}:{object_id}",
            views=views,
        )


# Events that reads log without writing to the database on the request (the search log
# and its clicks): name -> the function the flush calls, inside its transaction, with the
# events' payloads in the order they were logged. Registered from AppConfig.ready().
LOGGED_EVENTS: dict[str, Callable[[list[dict]], None]] = {}


def logged_events_register(name: str, apply: Callable[[list[dict]], None]) -> None:
    if not name.isidentifier():
        raise ValueError(f"A logged-event name is a plain word, not {name!r}")
    LOGGED_EVENTS[name] = apply


def event_log(name: str, payload: dict, *, now: datetime | None = None) -> None:
    """Log one event of the registered kind `name` (cache only: two round trips; the next
    flush hands it to the registered function). `payload`: JSON-serialisable."""
    entry = f"e:{name}:{json.dumps(payload, separators=(',', ':'), sort_keys=True)}"
    _index_add(_bucket(now or timezone.now()), entry)


def topic_views_record(*, topic_id: int, views: int, now: datetime | None = None) -> None:
    """Count `views` visitor views of a topic at once, exactly as that many topic page views
    would be counted (cache only; the flush moves them to the database). For callers with
    no requests to count, such as the demo seed."""
    if views > 0:
        _count_view(topic_id, _bucket(now or timezone.now()), views)


def topic_viewed(
    viewer,
    topic: Topic,
    posts: list[Post],
    *,
    now: datetime | None = None,
    visitor_key: str | None = None,
) -> None:
    """Count a view of `topic` and, for a member, remember the newest of `posts` as read.
    Cache only, never the database. A member's repeated views within VIEW_DEDUPE_SECONDS
    count once; a visitor's too when the caller passes `visitor_key` (say a hash of the
    address), otherwise each visitor request counts."""
    now = now or timezone.now()
    bucket = _bucket(now)
    if not viewer.is_authenticated:
        if visitor_key is None or cache.add(
            f"forums:seen:{topic.pk}:{visitor_key}", 1, timeout=VIEW_DEDUPE_SECONDS
        ):
            _count_view(topic.pk, bucket)
        return

    key = read_cache_key(viewer.pk, topic.pk)
    state = cache_get_many_prefetched([key]).get(key) or {}
    changed = advanced = False
    counted_at = state.get("v")
    if counted_at is None or now.timestamp() - counted_at >= VIEW_DEDUPE_SECONDS:
        _count_view(topic.pk, bucket)
        state["v"] = now.timestamp()
        changed = True
    newest = max(posts, key=lambda post: (post.created_at, post.pk), default=None)
    if newest is not None and (
        state.get("at") is None or (newest.created_at, newest.pk) > (state["at"], state["p"])
    ):
        state["p"], state["at"] = newest.pk, newest.created_at
        changed = advanced = True
        # Indexed once per minute per member and topic; later advances in the same minute
        # are picked up because the flush reads the current value.
        if state.get("b") != bucket:
            _index_add(bucket, f"r:{viewer.pk}:{topic.pk}")
            state["b"] = bucket
    if advanced:
        cache.set_many(
            {key: state, read_version_key(viewer.pk): uuid.uuid4().hex}, timeout=READ_OVERLAY_TTL
        )
    elif changed:
        cache.set(key, state, timeout=READ_OVERLAY_TTL)


# --- Reading positions back -------------------------------------------------------------


@dataclass(frozen=True)
class ReadPosition:
    post_id: int | None
    at: datetime

    def is_before(self, other: ReadPosition) -> bool:
        return (self.at, self.post_id or 0) < (other.at, other.post_id or 0)


def read_positions(*, user, topic_ids: Iterable[int]) -> dict[int, ReadPosition]:
    """How far `user` has read each of `topic_ids`: the database row or the not yet flushed
    position in the cache, whichever is further. One query plus one cache get_many."""
    topic_ids = list(topic_ids)
    if not user.is_authenticated or not topic_ids:
        return {}
    positions = {
        topic_id: ReadPosition(post_id, at)
        for topic_id, post_id, at in TopicRead.objects.filter(
            user_id=user.pk, topic_id__in=topic_ids
        ).values_list("topic_id", "last_read_post_id", "last_read_at")
    }
    cached = cache_get_many_prefetched(
        [read_cache_key(user.pk, topic_id) for topic_id in topic_ids]
    )
    for topic_id in topic_ids:
        state = cached.get(read_cache_key(user.pk, topic_id))
        if not state or state.get("at") is None:
            continue
        overlay = ReadPosition(state["p"], state["at"])
        known = positions.get(topic_id)
        if known is None or known.is_before(overlay):
            positions[topic_id] = overlay
    return positions


def resume_page(viewer, topic: Topic) -> tuple[int, int] | None:
    """(page, post id) of the first post `viewer` has not read yet, when they have read part
    of `topic` and there is more; None to start at the top (visitors, first visits,
    everything read). Two queries (the read position, then the first unread post with the
    number of posts before it); the moderation check only when something is unread."""
    if not viewer.is_authenticated:
        return None
    position = read_positions(user=viewer, topic_ids=[topic.pk]).get(topic.pk)
    if position is None or topic.last_post_at <= position.at:
        return None
    posts = Post.objects.filter(topic_id=topic.pk)
    if not can_moderate_category(viewer, topic.category):
        posts = posts.filter(is_hidden=False)
    before = (
        posts.filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("topic_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    after = Q(created_at__gt=position.at)
    if position.post_id is not None:
        after |= Q(created_at=position.at, pk__gt=position.post_id)
    first_unread = (
        posts.filter(after)
        .order_by("created_at", "pk")
        .annotate(before=Coalesce(Subquery(before), 0))
        .values_list("pk", "before")
        .first()
    )
    if first_unread is None:
        return None
    post_id, before_count = first_unread
    return before_count // POSTS_PER_PAGE + 1, post_id


# --- The flush ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlushResult:
    minutes: int = 0
    views: int = 0
    topics: int = 0
    reads: int = 0
    skipped: bool = False  # another flush held the lock
    # Views of other apps' pages (COUNTED_VIEWS), per registered name.
    counted: dict[str, int] = field(default_factory=dict)
    # Logged events (LOGGED_EVENTS) handed on, per registered name.
    events: dict[str, int] = field(default_factory=dict)


def _get_many(keys: list[str]) -> dict:
    found: dict = {}
    for start in range(0, len(keys), CACHE_BATCH):
        found.update(cache.get_many(keys[start : start + CACHE_BATCH]))
    return found


def _delete_many(keys: list[str]) -> None:
    for start in range(0, len(keys), CACHE_BATCH):
        cache.delete_many(keys[start : start + CACHE_BATCH])


def _pending_buckets(now: datetime) -> dict[int, tuple[int, int]]:
    """Settled minutes with entries not yet flushed: minute -> (first entry, last entry).
    Two get_many calls over the scan window, whatever is pending."""
    last = _bucket(now) - SETTLE_BUCKETS
    candidates = range(last - SCAN_BUCKETS + 1, last + 1)
    sizes = _get_many([_index_size_key(bucket) for bucket in candidates])
    written = [bucket for bucket in candidates if sizes.get(_index_size_key(bucket))]
    flushed = _get_many([_flushed_key(bucket) for bucket in written])
    pending = {}
    for bucket in written:
        size = int(sizes[_index_size_key(bucket)])
        done = int(flushed.get(_flushed_key(bucket)) or 0)
        if size > done:
            pending[bucket] = (done + 1, size)
        if len(pending) == MAX_BUCKETS_PER_FLUSH:
            break
    return pending


def _views_apply(deltas: dict[int, int]) -> None:
    """view_count += delta for many topics: one UPDATE per DB_BATCH topics (a CASE over
    their ids). updated_at is left alone: a view is not an edit."""
    items = sorted(deltas.items())
    for start in range(0, len(items), DB_BATCH):
        batch = items[start : start + DB_BATCH]
        Topic.objects.filter(pk__in=[topic_id for topic_id, _ in batch]).update(
            view_count=F("view_count")
            + Case(
                *[When(pk=topic_id, then=Value(delta)) for topic_id, delta in batch],
                default=Value(0),
                output_field=PositiveIntegerField(),
            )
        )


def _bucket_day(bucket: int, tz) -> date:
    """The community's day a counted minute falls on."""
    return timezone.localdate(datetime.fromtimestamp(bucket * BUCKET_SECONDS, tz=UTC), tz)


def _view_days_apply(deltas: dict[tuple[int, date], int]) -> None:
    """TopicViewDay.views += delta for many (topic, day) pairs, per DB_BATCH pairs: the
    current rows and the topics still there are read, then one bulk upsert writes the sums.
    Only one flush runs at a time (the lock), so nothing changes the rows in between; a
    topic deleted since its views were counted is skipped (its row would fail the batch)."""
    items = sorted(deltas.items())
    for start in range(0, len(items), DB_BATCH):
        batch = dict(items[start : start + DB_BATCH])
        topic_ids = {topic_id for topic_id, _ in batch}
        days = {day for _, day in batch}
        live = set(Topic.objects.filter(pk__in=topic_ids).values_list("pk", flat=True))
        current = {
            (topic_id, day): views
            for topic_id, day, views in TopicViewDay.objects.filter(
                topic_id__in=topic_ids, day__in=days
            ).values_list("topic_id", "day", "views")
        }
        rows = [
            TopicViewDay(topic_id=topic_id, day=day, views=current.get((topic_id, day), 0) + delta)
            for (topic_id, day), delta in batch.items()
            if topic_id in live
        ]
        if rows:
            TopicViewDay.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["day", "topic"], update_fields=["views"]
            )


def _reads_apply(positions: dict[tuple[int, int], ReadPosition]) -> int:
    """Upsert TopicRead rows, never moving one backwards. Only one flush runs at a time (the
    lock), so reading the current rows first and writing the maximum cannot race another
    flush. Rows whose user, topic or post has gone since are skipped (a foreign-key error
    would otherwise fail the whole batch)."""
    written = 0
    items = sorted(positions.items())
    for start in range(0, len(items), DB_BATCH):
        batch = dict(items[start : start + DB_BATCH])
        user_ids = {user_id for user_id, _ in batch}
        topic_ids = {topic_id for _, topic_id in batch}
        post_ids = {position.post_id for position in batch.values() if position.post_id}
        post_topics = dict(Post.objects.filter(pk__in=post_ids).values_list("pk", "topic_id"))
        live_users = set(User.objects.filter(pk__in=user_ids).values_list("pk", flat=True))
        current = {
            (user_id, topic_id): ReadPosition(post_id, at)
            for user_id, topic_id, post_id, at in TopicRead.objects.filter(
                user_id__in=user_ids, topic_id__in=topic_ids
            ).values_list("user_id", "topic_id", "last_read_post_id", "last_read_at")
        }
        now = timezone.now()
        rows = [
            TopicRead(
                user_id=user_id,
                topic_id=topic_id,
                last_read_post_id=position.post_id,
                last_read_at=position.at,
                created_at=now,
                updated_at=now,
            )
            for (user_id, topic_id), position in batch.items()
            if user_id in live_users
            and post_topics.get(position.post_id) == topic_id
            and (
                (user_id, topic_id) not in current or current[user_id, topic_id].is_before(position)
            )
        ]
        if rows:
            TopicRead.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["user", "topic"],
                update_fields=["last_read_post", "last_read_at", "updated_at"],
            )
        written += len(rows)
    return written


def views_and_reads_flush(*, now: datetime | None = None) -> FlushResult:
    """Move counted views to Topic.view_count (and to the day they were counted on, in
    TopicViewDay), other apps' views to their registered functions (COUNTED_VIEWS), read
    positions to TopicRead, and logged events to their functions (LOGGED_EVENTS).

    Safe to run concurrently (a second flush finds the lock taken and returns) and to kill
    at any point before the commit (the cache keeps everything until after it). Killed
    between the commit and the "flushed" markers, the next run would add those minutes'
    views again: the only window, a few milliseconds wide; read positions are idempotent."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    if not cache.add(FLUSH_LOCK_KEY, token, timeout=FLUSH_LOCK_SECONDS):
        return FlushResult(skipped=True)
    try:
        return _flush(now)
    finally:
        # Not atomic (get, then delete), but a lock that expired under a flush this long
        # has bigger problems; normally this deletes our own token.
        if cache.get(FLUSH_LOCK_KEY) == token:
            cache.delete(FLUSH_LOCK_KEY)


def _flush(now: datetime) -> FlushResult:
    pending = _pending_buckets(now)
    if not pending:
        return FlushResult()
    entry_keys = [
        _index_entry_key(bucket, number)
        for bucket, (first, last) in pending.items()
        for number in range(first, last + 1)
    ]
    entries = _get_many(entry_keys)
    view_keys: dict[str, tuple[int, int]] = {}  # views key -> (topic id, minute)
    read_pairs: set[tuple[int, int]] = set()
    counted_keys: dict[str, tuple[str, int, int]] = {}  # key -> (name, minute, object id)
    events: dict[str, list[dict]] = {}
    for bucket, (first, last) in sorted(pending.items()):
        for number in range(first, last + 1):
            entry = entries.get(_index_entry_key(bucket, number))
            if not entry:
                continue
            kind, _, rest = entry.partition(":")
            if kind == "v":
                view_keys[_views_key(bucket, int(rest))] = (int(rest), bucket)
            elif kind == "r":
                user_id, _, topic_id = rest.partition(":")
                read_pairs.add((int(user_id), int(topic_id)))
            elif kind == "c":
                name, _, object_id = rest.partition(":")
                counted_keys[_counted_key(name, bucket, int(object_id))] = (
                    name,
                    bucket,
                    int(object_id),
                )
            elif kind == "e":
                name, _, body = rest.partition(":")
                events.setdefault(name, []).append(json.loads(body))
    counts = _get_many(list(view_keys) + list(counted_keys))
    deltas: dict[int, int] = {}
    day_deltas: dict[tuple[int, date], int] = {}
    tz = community_timezone()
    for key, (topic_id, bucket) in view_keys.items():
        if counts.get(key):
            deltas[topic_id] = deltas.get(topic_id, 0) + int(counts[key])
            day = (topic_id, _bucket_day(bucket, tz))
            day_deltas[day] = day_deltas.get(day, 0) + int(counts[key])
    states = _get_many([read_cache_key(user_id, topic_id) for user_id, topic_id in read_pairs])
    positions = {}
    for user_id, topic_id in read_pairs:
        state = states.get(read_cache_key(user_id, topic_id))
        if state and state.get("at") is not None:
            positions[user_id, topic_id] = ReadPosition(state["p"], state["at"])

    counted: dict[str, dict[tuple[int, datetime], int]] = {}
    for key, (name, bucket, object_id) in counted_keys.items():
        # A name nobody registers any more (an app removed) is read and dropped.
        if counts.get(key) and name in COUNTED_VIEWS:
            minute = datetime.fromtimestamp(bucket * BUCKET_SECONDS, tz=UTC)
            per_name = counted.setdefault(name, {})
            per_name[object_id, minute] = per_name.get((object_id, minute), 0) + int(counts[key])

    with transaction.atomic():
        _views_apply(deltas)
        _view_days_apply(day_deltas)
        reads = _reads_apply(positions)
        for name, views in counted.items():
            COUNTED_VIEWS[name](views)
        # In the order the kinds were registered (searches before the clicks on them); a
        # kind nobody registers any more is read and dropped.
        for name, apply in LOGGED_EVENTS.items():
            if events.get(name):
                apply(events[name])
    # First record how far each minute's index is flushed, then delete what was read: a
    # crash in between leaves keys the next flush skips (it starts after the marker). The
    # size keys stay (they expire): a late writer's entry gets the next number, after the
    # marker, and is counted by the next flush instead of being mistaken for a done one.
    cache.set_many(
        {_flushed_key(bucket): last for bucket, (_, last) in pending.items()},
        timeout=PENDING_TTL,
    )
    _delete_many(entry_keys + list(view_keys) + list(counted_keys))
    return FlushResult(
        minutes=len(pending),
        views=sum(deltas.values()),
        topics=len(deltas),
        reads=reads,
        counted={name: sum(views.values()) for name, views in counted.items()},
        events={name: len(logged) for name, logged in events.items() if name in LOGGED_EVENTS},
    )
