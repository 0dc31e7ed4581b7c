"""Topic list pages (a category, latest, unanswered, a tag's topics), rendered once and shared.

A list page is the same for everyone who sees and moderates the same categories (their
reach, forums.permissions.reach_fingerprint) and gets the same header links and buttons,
but for each viewer's account corner, watch menu, CSRF token and reading state on each row
("New", "3 unread"). So the page is rendered for a neutral viewer of that kind, with holes
for those (forums.page_cache.splice), and kept under the list's version; each request
fills in its viewer's pieces. A visitor's page has nothing of its own: it is kept whole.

The version is the newest `updated_at` among the topics the list draws from (one indexed
MAX): services touch a topic's `updated_at` whenever anything on its row changes (a reply,
an edit, a pin, a move, hiding, tags, an accepted answer), so a new reply shows on every
list at once. What does not touch a topic shows within LIST_SECONDS: views counted since
(a view is not an edit), a member's new avatar, a renamed sub-category, the unanswered
list's support numbers. A category page's key also carries the category's own row (its
counters move when a topic leaves it; an admin edit moves its updated_at).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from types import SimpleNamespace
from typing import NamedTuple

from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils.dateparse import parse_datetime

from community.page_cache.shared import (
    KeptPart,
    dashboard_link,
    neutral_context,
    shared_page,
)
from forums.models import Category, Topic
from forums.page_cache.frame import SECTION
from forums.page_cache.keys import page_key
from forums.page_cache.splice import Pieces, cut, hole
from forums.permissions import can_moderate_any_category, reach_fingerprint
from forums.services.reading import read_version

LIST_SECONDS = 60


@dataclasses.dataclass(frozen=True)
class ListShape:
    """What decides a list page's shared HTML beyond the list itself."""

    signed_in: bool = False
    moderates: bool = False  # the "Moderation queue" link: moderates some category
    dashboard: bool = False  # the header's "Dashboard" link
    can_post: bool = False  # a category's "New topic" button
    reach: str = ""

    @property
    def key(self) -> str:
        flags = (self.signed_in, self.moderates, self.dashboard, self.can_post)
        return "".join("1" if flag else "0" for flag in flags) + ":" + self.reach


def list_shape(request, *, can_post: bool = False) -> ListShape:
    user = request.user
    if not user.is_authenticated:
        return ListShape(reach=reach_fingerprint(user))
    return ListShape(
        signed_in=True,
        moderates=can_moderate_any_category(user),
        dashboard=dashboard_link(request),
        can_post=can_post,
        reach=reach_fingerprint(user),
    )


class RowFacts(NamedTuple):
    """What a row's reading state is worked out from (forums.selectors.lists.with_reading_state)."""

    pk: int
    author_id: int | None
    created_at: datetime
    last_post_at: datetime


class SharedList(NamedTuple):
    pieces: Pieces
    rows: tuple[RowFacts, ...]


def with_topics_changed(categories: QuerySet[Category]) -> QuerySet[Category]:
    """Categories with the newest change to their topics (`topics_changed`), which
    list_version reads instead of asking again: a category page's lookup and its version in
    one query, from the (category, updated_at) index."""
    newest = Topic.objects.filter(category=OuterRef("pk")).order_by("-updated_at")
    return categories.annotate(topics_changed=Subquery(newest.values("updated_at")[:1]))


def list_version(category: Category | None = None) -> str:
    """The newest change to the topics of `category` (all topics: None), as a key part.
    Asked in plain SQL: the same index-only MAX as the ORM's aggregate, without building the
    query on every request of every list page (docs/performance.md)."""
    if category is not None and hasattr(category, "topics_changed"):
        newest = category.topics_changed
    else:
        # Identifiers from the model's metadata, quoted; the category is a parameter.
        quote = connection.ops.quote_name
        table, changed = quote(Topic._meta.db_table), quote("updated_at")
        sql = f"SELECT MAX({changed}) FROM {table}"  # noqa: S608
        params = []
        if category is not None:
            sql += f" WHERE {quote(Topic._meta.get_field('category').column)} = %s"
            params.append(category.pk)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            (newest,) = cursor.fetchone()
    if isinstance(newest, str):  # SQLite's cursor gives the text
        newest = parse_datetime(newest)
    version = str(newest.timestamp()) if newest else "-"
    if category is not None:
        version += (
            f":{category.updated_at.timestamp()}:{category.topic_count}:{category.post_count}"
        )
    return version


def shareable(request) -> bool:
    """Whether this request gets the shared page: not an htmx "Load more", no other query
    parameters than the page and the tag, no message waiting to be shown."""
    from django.contrib.messages import get_messages

    if request.htmx or request.GET.keys() - {"page", "tag"}:
        return False
    return not len(get_messages(request))


def list_key(kind: str, version: str, shape: ListShape, branding, *parts) -> str:
    return page_key("list", kind, version, shape.key, branding.version, *parts)


def _row_hole(pk: int, part: str) -> bytes:
    return hole(f"{part}:{pk}").encode()


def shared_list_render(
    template: str,
    context: dict,
    *,
    path: str,
    query: QueryDict,
    shape: ListShape,
    branding,
    section: str | None = SECTION,
) -> SharedList:
    """Render a list page for nobody in particular of `shape`. `context` is the view's, with
    `topics` (their reading state unset) and `rows_html` rendered with row holes open."""
    neutral = {
        **context,
        **neutral_context(
            signed_in=shape.signed_in,
            branding=branding,
            path=path,
            query=query,
            section=section,
            dashboard=shape.dashboard,
        ),
        "moderation_queue": shape.moderates,
        "can_post": shape.can_post,
        "watch_hole": hole("watch"),  # the viewer's watch menu: a KeptPart of the view
    }
    pieces = cut(render_to_string(template, neutral))
    rows = tuple(
        RowFacts(topic.pk, topic.author_id, topic.created_at, topic.last_post_at)
        for topic in context.get("topics", ())
    )
    return SharedList(pieces, rows)


def open_reading_holes(topics: list[Topic]) -> None:
    """Rows rendered for sharing carry holes where each viewer's reading state goes."""
    for topic in topics:
        topic.reading_holes = (_row_hole(topic.pk, "rc"), _row_hole(topic.pk, "rb"))


def _reading_values(request, rows: tuple[RowFacts, ...]) -> dict[str, bytes]:
    from forums.page_cache.rows import reading_badge, reading_class
    from forums.selectors.lists import with_reading_state

    topics = [SimpleNamespace(**row._asdict()) for row in rows]
    with_reading_state(topics, viewer=request.user)
    values = {}
    for topic in topics:
        values[f"rc:{topic.pk}"] = reading_class(topic)
        values[f"rb:{topic.pk}"] = reading_badge(topic)
    return values


def shared_list_page(request, key: str, render, *, own=None, kept=()) -> bytes:
    """The page for this request (community.page_cache.shared.shared_page): the shared page
    under `key` (made by `render()`, a SharedList, when missing), filled in with the viewer's
    own pieces: their account corner, token and reading state, `own`'s holes (name: a
    function of the token returning the viewer's piece) and the `kept` parts' (KeptPart). A
    visitor's page is filled once, for every visitor, when it is stored."""
    user = request.user
    # A member's reading state of this page's rows, kept until the list or their reading
    # changes: fetched with the page, in the same round trip as their other kept parts.
    reading = KeptPart(
        f"{key}:reading:{user.pk}:{read_version(user.pk)}" if user.is_authenticated else "-",
        lambda found: _reading_values(request, found.rows),
        lambda values, token: values,
    )
    return shared_page(request, key, render, seconds=LIST_SECONDS, own=own, kept=[reading, *kept])
