"""The topic page: one page of posts and everything the viewer can do with them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.paginator import Page
from django.db import connection
from django.db.models import Count, Q
from django.utils.html import strip_tags
from django.utils.text import Truncator

from forums.models import Bookmark, Draft, Post, Reaction, ReactionKind, Topic, Watch
from forums.permissions import (
    answer_refusal,
    can_moderate_category,
    reaction_refusal,
    reply_refusal,
)
from forums.services.posts import POSTS_PER_PAGE

# A quote carries the gist; the whole of a 32,000-character post would crowd out the reply.
QUOTE_MAX_LENGTH = 3_000
ANSWER_EXCERPT_LENGTH = 200


@dataclass(frozen=True)
class ReactionCount:
    kind: str
    emoji: str
    name: str
    count: int
    chosen: bool  # the viewer gave this reaction


@dataclass
class ReactionBar:
    """What a post's reaction bar shows: every kind (ReactionKind order) with its count and
    whether the viewer chose it, and whether the viewer may react at all."""

    post_id: int
    counts: list[ReactionCount]
    can_react: bool
    error: str = ""

    @property
    def given(self) -> list[ReactionCount]:
        return [count for count in self.counts if count.count]


@dataclass(frozen=True)
class AcceptedAnswer:
    post_id: int
    author_name: str
    excerpt: str


@dataclass
class TopicPage:
    topic: Topic
    page: Page | None  # set by forums.page_cache.posts
    can_moderate: bool
    reply_refusal: str | None  # None: the viewer may reply
    bookmarked_post_ids: set[int] = field(default_factory=set)
    # Post interactions, for the posts being rendered; each also carries `post.reaction_bar`.
    editable_post_ids: set[int] = field(default_factory=set)
    deletable_post_ids: set[int] = field(default_factory=set)
    can_accept: bool = False  # the viewer may mark (or unmark) this topic's answer
    accepted_answer: AcceptedAnswer | None = None  # filled on the page with the opening post
    tags: list | None = None  # the topic's tags, set with `page`
    has_draft: bool | None = None  # None: not looked up (forums.page_cache.posts does)
    watches: list | None = None  # the WatchRows of the watch menu; None: not looked up
    boxes: tuple[str, ...] = ()  # the topic's boxes (forums.topic_boxes), set with `page`

    @property
    def can_reply(self) -> bool:
        return self.reply_refusal is None


def topic_rights(*, topic: Topic, viewer) -> TopicPage:
    """What `viewer` may do on `topic`'s pages; no posts, no page yet (forums.page_cache.posts
    picks the page and renders its posts, mostly from the cache). `topic` must be visible to
    `viewer` (forums.permissions.access_topic). No queries."""
    moderates = can_moderate_category(viewer, topic.category)
    return TopicPage(
        topic=topic,
        page=None,
        can_moderate=moderates,
        reply_refusal=reply_refusal(viewer, topic, moderates=moderates),
        can_accept=(
            viewer.is_authenticated and answer_refusal(viewer, topic, moderates=moderates) is None
        ),
    )


def post_count(topic: Topic, *, moderates: bool) -> int:
    """How many posts the topic page pages through: hidden ones only for moderators."""
    posts = Post.objects.filter(topic=topic)
    if not moderates:
        posts = posts.filter(is_hidden=False)
    return posts.count()


def page_posts(
    topic: Topic, *, moderates: bool, page: Page | None = None, ids: Iterable[int] = ()
) -> list[Post]:
    """The posts of `page` (from topic_rights), or those of `ids`, in the topic page's order,
    with their authors and profiles joined and `post.topic` set: one query. Hidden posts
    only for moderators."""
    posts = (
        Post.objects.filter(topic=topic)
        .select_related("author__profile")
        .order_by("created_at", "pk")
    )
    if not moderates:
        posts = posts.filter(is_hidden=False)
    if page is not None:
        posts = posts[page.start_index() - 1 : page.end_index()]
    else:
        posts = posts.filter(pk__in=list(ids))
    posts = list(posts)
    for post in posts:
        post.topic = topic  # the partials read post.topic: no query per post
    return posts


class WatchRow(NamedTuple):
    """One of a member's watches that bears on a page (forums.templatetags.forum_watching)."""

    level: int
    topic_id: int | None
    category_id: int | None
    tag_id: int | None
    category_name: str | None
    tag_name: str | None


@dataclass(frozen=True)
class ViewerState:
    reacted: set[int]  # post ids
    bookmarked: set[int]  # post ids
    has_draft: bool  # a reply draft for the topic
    watches: list[WatchRow]  # on the topic, its category or parent, its tags


def viewer_state(viewer, topic: Topic, post_ids: Iterable[int], tags) -> ViewerState:
    """What is the viewer's own on a topic page (a signed-in member; `topic` with its
    category, `tags` the topic's): the posts they reacted to and bookmarked, whether they
    have a draft reply, and the watches that decide the watch menu. One query, in plain SQL:
    it runs on every member's topic page, where compiling the ORM's version of these four
    lookups cost more than the rest of the post list."""
    post_ids = [int(post_id) for post_id in post_ids]
    category = topic.category
    category_ids = [category.pk] + ([category.parent_id] if category.parent_id else [])
    tag_names = {tag.pk: tag.name for tag in tags}
    postgres = connection.vendor == "postgresql"

    def among(column: str, values) -> tuple[str, list]:
        # PostgreSQL takes the values as one array; elsewhere a list of placeholders.
        if postgres:
            return f"{column} = ANY(%s)", [list(values)]
        if not values:
            return "1 = 0", []
        return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)

    on_page, page_params = among("post_id", post_ids)
    in_categories, category_params = among("category_id", category_ids)
    with_tags, tag_params = among("tag_id", tag_names)
    no_id = "CAST(NULL AS BIGINT)"
    # Only table names and placeholders go into the string; the values are parameters.
    branches = [
        (
            f"SELECT post_id, 'r', {no_id}, {no_id}, {no_id} FROM {Reaction._meta.db_table} "  # noqa: S608
            f"WHERE user_id = %s AND {on_page}",
            [viewer.pk, *page_params],
        ),
        (
            f"SELECT post_id, 'b', {no_id}, {no_id}, {no_id} FROM {Bookmark._meta.db_table} "  # noqa: S608
            f"WHERE user_id = %s AND {on_page}",
            [viewer.pk, *page_params],
        ),
        (
            f"SELECT id, 'd', {no_id}, {no_id}, {no_id} FROM {Draft._meta.db_table} "  # noqa: S608
            "WHERE user_id = %s AND topic_id = %s",
            [viewer.pk, topic.pk],
        ),
        (
            f"SELECT level, 'w', topic_id, category_id, tag_id FROM {Watch._meta.db_table} "  # noqa: S608
            f"WHERE user_id = %s AND (topic_id = %s OR {in_categories} OR {with_tags})",
            [viewer.pk, topic.pk, *category_params, *tag_params],
        ),
    ]
    reacted: set[int] = set()
    bookmarked: set[int] = set()
    has_draft = False
    watches: list[WatchRow] = []
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(sql for sql, _ in branches),
            [param for _, params in branches for param in params],
        )
        for value, kind, topic_id, category_id, tag_id in cursor.fetchall():
            if kind == "r":
                reacted.add(value)
            elif kind == "b":
                bookmarked.add(value)
            elif kind == "d":
                has_draft = True
            else:
                category_name = None
                if category_id == category.pk:
                    category_name = category.name
                elif category_id is not None:
                    category_name = category.parent.name
                watches.append(
                    WatchRow(
                        value, topic_id, category_id, tag_id, category_name, tag_names.get(tag_id)
                    )
                )
    return ViewerState(reacted, bookmarked, has_draft, watches)


def accepted_answer_for(topic: Topic, posts: list[Post]) -> AcceptedAnswer | None:
    """The accepted answer's summary for the opening post, when `posts` hold it (else None);
    a query only when the answer is not among `posts`."""
    if not topic.accepted_answer_id or not any(post.is_opening for post in posts):
        return None
    return _accepted_answer(topic, posts)


def _accepted_answer(topic: Topic, posts: list[Post]) -> AcceptedAnswer | None:
    on_page = [post for post in posts if post.pk == topic.accepted_answer_id]
    if on_page:
        row = {"pk": on_page[0].pk, "author_name": on_page[0].author_name, "html": on_page[0].html}
        if on_page[0].is_hidden:
            return None
    else:
        row = (
            Post.objects.filter(pk=topic.accepted_answer_id, topic=topic, is_hidden=False)
            .values("pk", "author_name", "html")
            .first()
        )
    if row is None:
        return None
    excerpt = Truncator(" ".join(strip_tags(row["html"]).split())).chars(ANSWER_EXCERPT_LENGTH)
    return AcceptedAnswer(post_id=row["pk"], author_name=row["author_name"], excerpt=excerpt)


def reaction_bars_for(posts: list[Post], viewer) -> dict[int, ReactionBar]:
    """The reaction bar of each of `posts` (whose `topic` is loaded), in one grouped query:
    per post and kind, the count and whether `viewer` is among them."""
    if not posts:
        return {}
    chosen = Count("pk", filter=Q(user_id=viewer.pk)) if viewer.is_authenticated else None
    rows = (
        Reaction.objects.filter(post_id__in=[post.pk for post in posts])
        .values("post_id", "kind")
        .annotate(count=Count("pk"), **({"chosen": chosen} if chosen is not None else {}))
        .order_by()
    )
    tally = {(row["post_id"], row["kind"]): row for row in rows}
    bars = {}
    for post in posts:
        counts = []
        for kind, label in ReactionKind.choices:
            emoji, _, name = label.partition(" ")
            row = tally.get((post.pk, kind), {})
            counts.append(
                ReactionCount(
                    kind=kind,
                    emoji=emoji,
                    name=name,
                    count=row.get("count", 0),
                    chosen=bool(row.get("chosen")),
                )
            )
        can_react = viewer.is_authenticated and reaction_refusal(viewer, post) is None
        bars[post.pk] = ReactionBar(post_id=post.pk, counts=counts, can_react=can_react)
    return bars


def post_page_number(post: Post, *, moderates: bool) -> int:
    """The topic page `post` is on for a viewer who does (not) see hidden posts: one COUNT
    of the posts before it, in the topic page's order."""
    before = Post.objects.filter(topic_id=post.topic_id).filter(
        Q(created_at__lt=post.created_at) | Q(created_at=post.created_at, pk__lt=post.pk)
    )
    if not moderates:
        before = before.filter(is_hidden=False)
    return before.count() // POSTS_PER_PAGE + 1


def post_url(post: Post, *, moderates: bool) -> str:
    """The post on its page of its topic (`post.topic` loaded)."""
    page = post_page_number(post, moderates=moderates)
    return f"{post.topic.get_absolute_url()}?page={page}#post-{post.pk}"


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>#|~])")


def post_quote(*, topic: Topic, viewer, post_id: str | int | None) -> str:
    """A Markdown quote of a visible post of `topic` to start a reply with, or "" when
    `post_id` is not one (garbage, another topic's post, a hidden post). `topic` must be
    visible to `viewer`."""
    if not str(post_id or "").isdigit() or len(str(post_id)) > 18:
        return ""
    row = (
        Post.objects.filter(pk=int(post_id), topic=topic, is_hidden=False)
        .values("author_name", "body")
        .first()
    )
    if row is None:
        return ""
    body = row["body"].strip()
    if len(body) > QUOTE_MAX_LENGTH:
        cut = body.rfind("\n", 0, QUOTE_MAX_LENGTH)
        body = body[: cut if cut > 0 else QUOTE_MAX_LENGTH].rstrip() + "\n…"
    name = _MARKDOWN_SPECIALS.sub(r"\\\1", row["author_name"] or "Former member")
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in body.splitlines())
    return f"> **{name}** wrote:\n{quoted}\n\n"
