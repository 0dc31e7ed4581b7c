"""The topic page's post list, rendered once and shared between viewers.

What a post shows is almost the same for everyone who sees the topic with the same rights
(the viewer's *shape*: signed in, a community member, free to act, moderating the category,
able to reply, able to mark the answer): the post, its reaction counts and which controls
appear. Only three kinds of post differ from one viewer to the next: the viewer's own posts
(edit, delete, no flag, no reactions), the posts they reacted to and the posts they
bookmarked. So each post is rendered once per topic version, shape and page, kept in the
cache, and per request only the viewer's own few are rendered again. A busy topic page then
costs a member one small query (their reactions, bookmarks, draft and watches there) and
no template work for most of its posts.

Forms in the shared chunks carry a placeholder instead of a CSRF token; every response swaps
in the viewer's own. The placeholder is derived from SECRET_KEY, so nobody can write it into
a post to have it replaced.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from functools import cache as memoize
from typing import NamedTuple

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe

from community.per_request import cache_get_many_prefetched
from forums.models import Post, Tag, Topic
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
from members.permissions import is_community_member

# The version key (Topic.updated_at and last_post_at) tracks what changes on the topic's
# pages; the timeout bounds what it does not track (an author's new avatar or name).
POST_LIST_SECONDS = 5 * 60


@memoize
def csrf_placeholder() -> str:
    return "csrf-" + salted_hmac("forums.post-list.csrf", "placeholder").hexdigest()[:32]


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


class SharedPost(NamedTuple):
    """One post of a cached page; `pk` and `created_at` also serve the read position."""

    pk: int
    author_id: int | None
    created_at: datetime
    parts: tuple[bytes, ...]  # its HTML, UTF-8, cut at the CSRF placeholders (split_at_token)


def split_at_token(html: str) -> tuple[bytes, ...]:
    """`html` as UTF-8, cut where the CSRF placeholder stands: `token.join(parts)` is the
    viewer's copy. Pages are kept and joined as bytes so that a response is assembled with
    one copy, not one per step (join, replace, encode): on a 120 KB page each copy cost the
    worker an allocation the size of the page, and the kernel the pages to back it."""
    return tuple(part.encode() for part in html.split(csrf_placeholder()))


class _SomeoneElse:
    """The viewer a shared chunk is rendered for: signed in, and the author of no post."""

    is_authenticated = True
    pk = -1


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


def topic_version(topic: Topic) -> str:
    """Changes whenever something on the topic's pages does: services touch updated_at for
    edits, reactions, hiding, answers, moves and merges; a new post moves last_post_at."""
    return (
        f"{topic.pk}:{topic.updated_at.timestamp()}:{topic.last_post_at.timestamp()}:"
        f"{topic.accepted_answer_id}"
    )


def facts_cache_key(topic: Topic, moderates: bool) -> str:
    return f"forums:topic-facts:v1:{topic_version(topic)}:{int(moderates)}"


def posts_cache_key(topic: Topic, shape: Shape, number: int) -> str:
    return f"forums:post-list:v2:{topic_version(topic)}:{shape.key}:{number}"


def requested_page(raw: str | None) -> int:
    """The page a query string asks for, as Paginator.get_page reads it (garbage: the
    first; beyond the end: the last), as a bounded number for the cache key."""
    raw = (raw or "").strip()
    if not raw.isdigit():
        return 1
    return int(raw) if len(raw) <= 9 else 10**9


class TopicFacts(NamedTuple):
    """What the topic page needs of one topic version besides its posts."""

    post_count: int
    tags: list[Tag]


def page_and_cached(view: TopicPage, *, raw_page: str | None, key_for):
    """Sets `view.page` (the page `raw_page` asks for) and `view.tags`, and returns what the
    cache holds under `key_for(page number)` (None when nothing): one round trip when the
    page exists, as it nearly always does. The count and the tags cost two queries once per
    topic version. Only real page numbers make keys: odd query strings cannot fill the
    cache."""
    topic = view.topic
    requested = requested_page(raw_page)
    facts_key = facts_cache_key(topic, view.can_moderate)
    found = cache_get_many_prefetched([facts_key, key_for(requested)])
    facts = found.get(facts_key)
    if facts is None:
        facts = TopicFacts(post_count(topic, moderates=view.can_moderate), list(topic.tags.all()))
        cache.set(facts_key, facts, POST_LIST_SECONDS)
    view.tags = facts.tags
    view.page = Paginator(range(facts.post_count), POSTS_PER_PAGE).get_page(requested)
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


def _shared_chunks(view: TopicPage, posts: list[Post], bars, shape: Shape, page: Page):
    """Each post as someone else of `shape` sees it."""
    editable = {post.pk for post in posts} if shape.moderates and shape.member else set()
    neutral = dataclasses.replace(
        view,
        bookmarked_post_ids=set(),
        editable_post_ids=editable,
        deletable_post_ids=set(),
        accepted_answer=accepted_answer_for(view.topic, posts),
    )
    someone_else = _SomeoneElse() if shape.signed_in else AnonymousUser()
    chunks = []
    for post in posts:
        post.reaction_bar = _neutral_bar(bars[post.pk], post, shape)
        html = _render_post(
            post, view=neutral, page=page, user=someone_else, csrf_token=csrf_placeholder()
        )
        chunks.append(SharedPost(post.pk, post.author_id, post.created_at, split_at_token(html)))
    return chunks


def _own_chunks(
    view: TopicPage, posts: list[Post], bars, user, page: Page, token: str
) -> dict[int, str]:
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
        rendered[post.pk] = _render_post(post, view=own, page=page, user=user, csrf_token=token)
    return rendered


def post_list(
    request, view: TopicPage, raw_page: str | None
) -> tuple[SafeString, list[SharedPost]]:
    """The posts of page `raw_page` (a query string's) as `request.user` sees them (HTML),
    and the page's posts; see `post_list_pieces`."""
    token = get_token(request) if request.user.is_authenticated else ""
    pieces, chunks = post_list_pieces(request, view, raw_page, token=token)
    return mark_safe(b"".join(pieces).decode()), chunks  # noqa: S308 - our templates escape


def post_list_pieces(
    request, view: TopicPage, raw_page: str | None, *, token: str
) -> tuple[list[bytes], list[SharedPost]]:
    """The posts of page `raw_page` (a query string's) as `request.user` sees them, one
    UTF-8 piece per post with `token` (the viewer's CSRF token) in its forms, and the page's
    posts. `view` holds the viewer's rights (forums.selectors.topic.topic_rights); its
    `page` (unless the caller set it) and `bookmarked_post_ids` are filled in here."""
    user, topic = request.user, view.topic
    shape = viewer_shape(user, view)
    if view.page is None:
        chunks = page_and_cached(
            view, raw_page=raw_page, key_for=lambda number: posts_cache_key(topic, shape, number)
        )
    else:
        chunks = cache.get(posts_cache_key(topic, shape, view.page.number))
    page = view.page
    loaded: dict[int, Post] = {}
    bars = {}
    if chunks is None:
        posts = page_posts(topic, moderates=view.can_moderate, page=page)
        bars = reaction_bars_for(posts, user)
        chunks = _shared_chunks(view, posts, bars, shape, page)
        cache.set(posts_cache_key(topic, shape, page.number), chunks, POST_LIST_SECONDS)
        loaded = {post.pk: post for post in posts}
    own_ids: set[int] = set()
    if user.is_authenticated:
        user_pk = user.pk
        state = viewer_state(user, topic, [chunk.pk for chunk in chunks], view.tags)
        view.bookmarked_post_ids, view.has_draft, view.watches = (
            state.bookmarked,
            state.has_draft,
            state.watches,
        )
        own_ids = (
            state.reacted | state.bookmarked | {c.pk for c in chunks if c.author_id == user_pk}
        )
    own_html: dict[int, str] = {}
    if own_ids:
        own_posts = [loaded[pk] for pk in own_ids if pk in loaded]
        missing = own_ids - loaded.keys()
        if missing:
            fetched = page_posts(topic, moderates=view.can_moderate, ids=missing)
            own_posts += fetched
            bars = {**bars, **reaction_bars_for(fetched, user)}
        own_posts.sort(key=lambda post: (post.created_at, post.pk))
        own_html = _own_chunks(view, own_posts, bars, user, page, token)
    token_bytes = token.encode()
    pieces = [
        own_html[chunk.pk].encode() if chunk.pk in own_html else token_bytes.join(chunk.parts)
        for chunk in chunks
    ]
    return pieces, chunks
