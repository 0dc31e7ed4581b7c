"""Forum reads: the category list and topic lists. Every selector filters visibility in
SQL (forums.permissions) and joins what its template shows, so a page costs the same
number of queries for 3 rows or 300."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from forums.models import Category, Topic
from forums.permissions import can_post_in, visible_categories, visible_topics


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


def category_page_can_post(*, category: Category, viewer) -> bool:
    """Whether the "New topic" button shows (posting checks again in the service)."""
    return can_post_in(viewer, category)
