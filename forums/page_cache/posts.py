"""The topic page's post list, rendered once and shared between viewers.

What a post shows is almost the same for everyone who sees the topic with the same rights
(the viewer's *shape*: signed in, a community member, free to act, moderating the category,
able to reply, able to mark the answer): the post, its reaction counts and which controls
appear. Only three kinds of post differ from one viewer to the next: the viewer's own posts
(edit, delete, no flag, no reactions), the posts they reacted to and the posts they
bookmarked. So each post is rendered once per topic version, shape and page for a neutral
viewer of that shape, kept in the cache, and per request only the viewer's own few are
rendered again. A busy topic page then costs a member one small query (their reactions,
bookmarks, draft and watches there) and no template work for most of its posts.

Forms in the shared posts carry the "csrf" hole (forums.page_cache.splice); every response
fills in the viewer's own token.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from community.page_cache.shared import neutral_viewer as community_neutral_viewer
from community.per_request import cache_get_many_prefetched
from forums.models import Post, Topic
from forums.page_cache.keys import page_key, requested_page, topic_version
from forums.page_cache.splice import Pieces, cut, fill, hole
from forums.permissions import post_delete_refusal, post_edit_refusal, suspension_refusal
from forums.selectors.topic import (
    ReactionBar,
    TopicPage,
    accepted_answer_for,
    page_posts,
    post_count,
    reaction_bars_for,
    viewer_state,
)
from forums.services.posts import POSTS_PER_PAGE
from forums.topic_boxes import boxes_present
from members.permissions import is_community_member

# The version key (Topic.updated_at and last_post_at) tracks what changes on the topic's
# pages; the timeout bounds what it does not track (an author's new avatar or name).
POST_LIST_SECONDS = 5 * 60


@dataclass(frozen=True)
class Shape:
    """What decides the controls on someone else's post, apart from that post itself."""

    signed_in: bool = False
    member: bool = False  # a community member (not a sign-up awaiting approval)
    acting: bool = False  # a member who is not suspended: may react
    moderates: bool = False
    can_reply: bool = False
    can_accept: bool = False

    @property
    def key(self) -> str:
        return "".join("1" if value else "0" for value in dataclasses.astuple(self))


def viewer_shape(user, view: TopicPage) -> Shape:
    if not user.is_authenticated:
        return Shape()
    member = is_community_member(user)
    return Shape(
        signed_in=True,
        member=member,
        acting=member and suspension_refusal(user) is None,
        moderates=view.can_moderate,
        can_reply=view.can_reply,
        can_accept=view.can_accept,
    )


def neutral_viewer(shape: Shape):
    return community_neutral_viewer(shape.signed_in)


class SharedPost(NamedTuple):
    """One post of a cached page; `pk` and `created_at` also serve the read position."""

    pk: int
    author_id: int | None
    created_at: datetime
    pieces: Pieces  # its HTML with "csrf" holes (forums.page_cache.splice)


class TagLink(NamedTuple):
    pk: int
    name: str
    url: str


def facts_cache_key(topic: Topic, moderates: bool) -> str:
    return page_key("topic-facts", topic_version(topic), int(moderates))


def posts_cache_key(topic: Topic, shape: Shape, number: int) -> str:
    return page_key("post-list", topic_version(topic), shape.key, number)


def page_and_cached(view: TopicPage, *, raw_page: str | None, key_for):
    """Sets `view.page` (the page `raw_page` asks for), `view.tags` and `view.boxes`, and
    returns what the cache holds under `key_for(page number)` (None when nothing): one round
    trip when the page exists, as it nearly always does. The count, the tags and the boxes
    (forums.topic_boxes) cost a few queries once per topic version, kept as plain values.
    Only real page numbers make keys: odd query strings cannot fill the cache."""
    topic = view.topic
    requested = requested_page(raw_page)
    facts_key = facts_cache_key(topic, view.can_moderate)
    found = cache_get_many_prefetched([facts_key, key_for(requested)])
    facts = found.get(facts_key)
    if facts is None:
        tags = tuple((tag.pk, tag.name, tag.get_absolute_url()) for tag in topic.tags.all())
        facts = (post_count(topic, moderates=view.can_moderate), tags, boxes_present(topic))
        cache.set(facts_key, facts, POST_LIST_SECONDS)
    count, tags, view.boxes = facts
    view.tags = [TagLink(*tag) for tag in tags]
    view.page = Paginator(range(count), POSTS_PER_PAGE).get_page(requested)
    if view.page.number == requested:
        return found.get(key_for(requested))
    return cache.get(key_for(view.page.number))


def _render_post(post: Post, *, view: TopicPage, page: Page, user, csrf_token: str) -> str:
    return get_template("forums/_post.html").render(
        {
            "post": post,
            "topic": view.topic,
            "category": view.topic.category,
            "view": view,
            "page": page,
            "user": user,
            "csrf_token": csrf_token,
        }
    )


def _neutral_bar(bar: ReactionBar, post: Post, shape: Shape) -> ReactionBar:
    counts = [dataclasses.replace(count, chosen=False) for count in bar.counts]
    can_react = shape.acting and not post.is_hidden and not post.topic.is_hidden
    return ReactionBar(post_id=bar.post_id, counts=counts, can_react=can_react)


def _shared_posts(view: TopicPage, posts: list[Post], bars, shape: Shape, page: Page):
    """Each post as someone else of `shape` sees it."""
    editable = {post.pk for post in posts} if shape.moderates and shape.member else set()
    neutral = dataclasses.replace(
        view,
        bookmarked_post_ids=set(),
        editable_post_ids=editable,
        deletable_post_ids=set(),
        accepted_answer=accepted_answer_for(view.topic, posts),
        has_draft=None,
        watches=None,
    )
    viewer = neutral_viewer(shape)
    shared = []
    for post in posts:
        post.reaction_bar = _neutral_bar(bars[post.pk], post, shape)
        html = _render_post(post, view=neutral, page=page, user=viewer, csrf_token=hole("csrf"))
        shared.append(SharedPost(post.pk, post.author_id, post.created_at, cut(html)))
    return shared


def _own_posts(
    view: TopicPage, posts: list[Post], bars, user, page: Page, token: str
) -> dict[int, bytes]:
    """The viewer's own renderings of `posts` (theirs, reacted to, bookmarked)."""
    if not posts:
        return {}
    topic, moderates = view.topic, view.can_moderate
    own = dataclasses.replace(
        view,
        editable_post_ids={
            post.pk for post in posts if post_edit_refusal(user, post, moderates=moderates) is None
        },
        deletable_post_ids={post.pk for post in posts if post_delete_refusal(user, post) is None},
        accepted_answer=(
            accepted_answer_for(topic, posts) if any(post.is_opening for post in posts) else None
        ),
    )
    rendered = {}
    for post in posts:
        post.reaction_bar = bars[post.pk]
        html = _render_post(post, view=own, page=page, user=user, csrf_token=token)
        rendered[post.pk] = html.encode()
    return rendered


def post_list(
    request, view: TopicPage, raw_page: str | None
) -> tuple[SafeString, list[SharedPost]]:
    """The posts of page `raw_page` (a query string's) as `request.user` sees them (HTML),
    and the page's posts; see `post_list_pieces`."""
    token = get_token(request) if request.user.is_authenticated else ""
    pieces, shared = post_list_pieces(request, view, raw_page, token=token)
    return mark_safe(b"".join(pieces).decode()), shared  # noqa: S308 - our templates escape


def post_list_pieces(
    request, view: TopicPage, raw_page: str | None, *, token: str
) -> tuple[list[bytes], list[SharedPost]]:
    """The posts of page `raw_page` (a query string's) as `request.user` sees them, as
    UTF-8 pieces with `token` (the viewer's CSRF token) in their forms, and the page's
    posts. `view` holds the viewer's rights (forums.selectors.topic.topic_rights); its
    `page` (unless the caller set it), `tags` and the viewer's state are filled in here."""
    user, topic = request.user, view.topic
    shape = viewer_shape(user, view)
    if view.page is None:
        shared = page_and_cached(
            view, raw_page=raw_page, key_for=lambda number: posts_cache_key(topic, shape, number)
        )
    else:
        shared = cache.get(posts_cache_key(topic, shape, view.page.number))
    page = view.page
    loaded: dict[int, Post] = {}
    bars = {}
    if shared is None:
        posts = page_posts(topic, moderates=view.can_moderate, page=page)
        bars = reaction_bars_for(posts, user)
        shared = _shared_posts(view, posts, bars, shape, page)
        cache.set(posts_cache_key(topic, shape, page.number), shared, POST_LIST_SECONDS)
        loaded = {post.pk: post for post in posts}
    own_ids: set[int] = set()
    if user.is_authenticated:
        user_pk = user.pk
        state = viewer_state(user, topic, [post.pk for post in shared], view.tags)
        view.bookmarked_post_ids, view.has_draft, view.watches = (
            state.bookmarked,
            state.has_draft,
            state.watches,
        )
        own_ids = (
            state.reacted | state.bookmarked | {p.pk for p in shared if p.author_id == user_pk}
        )
    own_html: dict[int, bytes] = {}
    if own_ids:
        own_posts = [loaded[pk] for pk in own_ids if pk in loaded]
        missing = own_ids - loaded.keys()
        if missing:
            fetched = page_posts(topic, moderates=view.can_moderate, ids=missing)
            own_posts += fetched
            bars = {**bars, **reaction_bars_for(fetched, user)}
        own_posts.sort(key=lambda post: (post.created_at, post.pk))
        own_html = _own_posts(view, own_posts, bars, user, page, token)
    values = {"csrf": token.encode()}
    pieces: list[bytes] = []
    for post in shared:
        if post.pk in own_html:
            pieces.append(own_html[post.pk])
        else:
            fill(post.pieces, values, pieces)
    return pieces, shared
