"""Topic list rows, rendered once and shared between viewers for a minute.

A row (title, badges, tags, author, counts, last poster) is the same for everyone but for
the viewer's reading state ("New", "3 unread"). So each row is rendered once per version of
its topic and kept in the cache for ROW_SECONDS, with holes (forums.page_cache.splice) where
the reading state goes; each response fills those in for its viewer. "5 minutes ago" may lag
by up to a minute; everything a service changes (posts, edits, pins, locks, tags, views
flushed) makes a new version at once. Rows that carry per-list data (the Unanswered list's
support numbers) are rendered every time.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Prefetch, prefetch_related_objects
from django.template.loader import get_template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from forums.models import Tag, Topic
from forums.page_cache.keys import page_key
from forums.page_cache.splice import cut, fill, hole

ROW_SECONDS = 60


def _row_key(topic: Topic, show_category: bool) -> str:
    return page_key(
        "topic-row",
        topic.pk,
        topic.updated_at.timestamp(),
        topic.last_post_at.timestamp(),
        topic.reply_count,
        topic.view_count,
        topic.accepted_answer_id,
        int(show_category),
    )


def reading_class(topic) -> bytes:
    reading = getattr(topic, "reading", None)
    return f" topic-row--{reading}".encode() if reading else b""


def reading_badge(topic) -> bytes:
    reading = getattr(topic, "reading", None)
    if reading == "new":
        return b'<span class="badge badge--new">New</span>'
    if reading == "unread":
        badge = '<span class="badge badge--unread">{} unread</span>'
        return format_html(badge, topic.unread_count).encode()
    return b""


def topic_rows_html(topics: list[Topic], *, context: dict) -> SafeString:
    """The rows of `topics` (with `reading` set: forums.selectors.lists.with_reading_state)
    for a list whose template context is `context` (show_category, show_support, ...). The
    tags of the rows not in the cache cost one query."""
    show_category = bool(context.get("show_category"))
    shared = not context.get("show_support")
    keys = {topic.pk: _row_key(topic, show_category) for topic in topics} if shared else {}
    cached = cache.get_many(list(keys.values())) if keys else {}
    misses = [topic for topic in topics if keys.get(topic.pk) not in cached]
    prefetch_related_objects(
        misses, Prefetch("tags", queryset=Tag.objects.only("pk", "name", "slug").order_by("name"))
    )
    template = get_template("forums/_topic_row.html")
    holes = {"reading_class": hole("reading_class"), "reading_badge": hole("reading_badge")}
    rendered = {
        topic.pk: cut(template.render({**context, "topic": topic, **holes})) for topic in misses
    }
    if keys and rendered:
        cache.set_many({keys[pk]: pieces for pk, pieces in rendered.items()}, ROW_SECONDS)
    rows: list[bytes] = []
    for topic in topics:
        pieces = rendered[topic.pk] if topic.pk in rendered else cached[keys[topic.pk]]
        opened = getattr(topic, "reading_holes", None)  # a page shared between members
        if opened is not None:
            values = {"reading_class": opened[0], "reading_badge": opened[1]}
        else:
            values = {"reading_class": reading_class(topic), "reading_badge": reading_badge(topic)}
        fill(pieces, values, rows)
    # Our templates escape; the badge comes from format_html.
    return mark_safe(b"".join(rows).decode())  # noqa: S308
