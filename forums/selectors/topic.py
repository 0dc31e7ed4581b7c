"""The topic page: one page of posts and everything the viewer can do with them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator

from forums.models import Post, Topic, WatchLevel
from forums.permissions import can_moderate_category, reply_refusal
from forums.services.bookmarks import bookmarked_post_ids
from forums.services.posts import POSTS_PER_PAGE
from forums.services.watching import topic_watch_level


@dataclass
class TopicPage:
    topic: Topic
    page: Page
    can_moderate: bool
    reply_refusal: str | None  # None: the viewer may reply
    bookmarked_post_ids: set[int] = field(default_factory=set)
    watch_level: WatchLevel | None = None  # None: the viewer has not chosen one

    @property
    def can_reply(self) -> bool:
        return self.reply_refusal is None


def topic_page(*, topic: Topic, viewer, page: int | str | None) -> TopicPage:
    """One page of `topic`'s posts (POSTS_PER_PAGE) with their authors and profiles
    joined; hidden posts only for the category's moderators. `topic` must be visible to
    `viewer` (forums.permissions.access_topic)."""
    moderates = can_moderate_category(viewer, topic.category)
    posts = (
        Post.objects.filter(topic=topic)
        .select_related("author__profile")
        .order_by("created_at", "pk")
    )
    if not moderates:
        posts = posts.filter(is_hidden=False)
    result = TopicPage(
        topic=topic,
        page=Paginator(posts, POSTS_PER_PAGE).get_page(page),
        can_moderate=moderates,
        reply_refusal=reply_refusal(viewer, topic, moderates=moderates),
    )
    return _with_viewer_state(result, viewer)


def _with_viewer_state(result: TopicPage, viewer) -> TopicPage:
    if not viewer.is_authenticated:
        return result
    post_ids = [post.pk for post in result.page.object_list]
    result.bookmarked_post_ids = bookmarked_post_ids(viewer, post_ids)
    result.watch_level = topic_watch_level(viewer, result.topic)
    return result
