"""Topic list rows, rendered once and shared between viewers for a minute.

A row (title, badges, tags, author, counts, last poster) is the same for everyone but for
the viewer's reading state ("New", "3 unread"). So each row is rendered once per version of
its topic and kept in the cache for ROW_SECONDS, with markers where the reading state goes;
each response fills those in for its viewer. "5 minutes ago" may lag by up to a minute;
everything a service changes (posts, edits, pins, locks, tags, views flushed) makes a new
version at once. Rows that carry per-list data (the Unanswered list's support numbers) are
rendered every time.
"""

from __future__ import annotations

from functools import cache as memoize

from django.core.cache import cache
from django.db.models import Prefetch, prefetch_related_objects
from django.template.loader import get_template
from django.utils.crypto import salted_hmac
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from forums.models import Tag, Topic

ROW_SECONDS = 60


@memoize
def _marker(name: str) -> str:
    # From SECRET_KEY: nobody can put it in a title to have it replaced.
    return f"row-{name}-" + salted_hmac("forums.topic-rows", name).hexdigest()[:24]


def _row_key(topic: Topic, show_category: bool) -> str:
    return (
        f"forums:topic-row:v1:{topic.pk}:{topic.updated_at.timestamp()}:"
        f"{topic.last_post_at.timestamp()}:{topic.reply_count}:{topic.view_count}:"
        f"{topic.accepted_answer_id}:{int(show_category)}"
    )


def _reading_class(topic: Topic) -> str:
    reading = getattr(topic, "reading", None)
    return f" topic-row--{reading}" if reading else ""


def _reading_badge(topic: Topic) -> str:
    reading = getattr(topic, "reading", None)
    if reading == "new":
        return '<span class="badge badge--new">New</span>'
    if reading == "unread":
        return format_html('<span class="badge badge--unread">{} unread</span>', topic.unread_count)
    return ""


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
    class_marker, badge_marker = _marker("class"), _marker("badge")
    rendered = {
        topic.pk: template.render(
            {
                **context,
                "topic": topic,
                "reading_class": class_marker,
                "reading_badge": badge_marker,
            }
        )
        for topic in misses
    }
    if keys and rendered:
        cache.set_many({keys[pk]: html for pk, html in rendered.items()}, ROW_SECONDS)
    rows = []
    for topic in topics:
        html = rendered[topic.pk] if topic.pk in rendered else cached[keys[topic.pk]]
        rows.append(
            html.replace(class_marker, _reading_class(topic)).replace(
                badge_marker, _reading_badge(topic)
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - our templates, escaped; the badge by format_html
