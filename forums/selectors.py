"""Forum reads. Every selector filters visibility in SQL (forums.permissions) and joins
what its template shows, so a page costs the same number of queries for 3 rows or 300."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from forums.models import Category, Post, Topic
from forums.permissions import (
    can_moderate_category,
    can_post_in,
    reply_refusal,
    visible_categories,
    visible_topics,
)
from forums.services.posts import POSTS_PER_PAGE


@dataclass
class CategoryRow:
    category: Category
    children: list[Category] = field(default_factory=list)

    @property
    def topic_count(self) -> int:
        return self.category.topic_count + sum(c.topic_count for c in self.children)

    @property
    def post_count(self) -> int:
        return self.category.post_count + sum(c.post_count for c in self.children)

    @property
    def last_activity_at(self):
        stamps = [c.last_activity_at for c in [self.category, *self.children] if c.last_activity_at]
        return max(stamps) if stamps else None


def category_list_for(*, viewer) -> list[CategoryRow]:
    """Visible top-level categories, each with its visible sub-categories: one query."""
    categories = list(visible_categories(viewer).order_by("position", "name", "pk"))
    rows = {c.pk: CategoryRow(c) for c in categories if c.parent_id is None}
    for category in categories:
        if category.parent_id is not None and category.parent_id in rows:
            rows[category.parent_id].children.append(category)
    return list(rows.values())


def subcategories_for(*, category: Category, viewer) -> QuerySet[Category]:
    return visible_categories(viewer).filter(parent=category).order_by("position", "name")


def topic_list_for_category(*, category: Category, viewer) -> QuerySet[Topic]:
    """Pinned first, then by last activity (the forums_topic_category_list_idx index)."""
    return (
        visible_topics(viewer)
        .filter(category=category)
        .select_related("last_poster__profile")
        .order_by("-is_pinned", "-last_post_at", "-pk")
    )


def latest_topics_for(*, viewer) -> QuerySet[Topic]:
    """Every topic `viewer` may see, most recent activity first."""
    return (
        visible_topics(viewer)
        .select_related("category", "last_poster__profile")
        .order_by("-last_post_at", "-pk")
    )


@dataclass(frozen=True)
class TopicPage:
    topic: Topic
    page: Page
    can_moderate: bool
    reply_refusal: str | None  # None: the viewer may reply

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
    return TopicPage(
        topic=topic,
        page=Paginator(posts, POSTS_PER_PAGE).get_page(page),
        can_moderate=moderates,
        reply_refusal=reply_refusal(viewer, topic, moderates=moderates),
    )


def category_page_can_post(*, category: Category, viewer) -> bool:
    """Whether the "New topic" button shows (posting checks again in the service)."""
    return can_post_in(viewer, category)
