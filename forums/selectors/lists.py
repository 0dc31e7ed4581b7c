"""Forum reads: the category list, topic lists (category, latest, tag, unanswered) and tags.
Every selector filters visibility in SQL (forums.permissions) and joins what its template
shows, so a page costs the same number of queries for 3 rows or 300."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property, reduce

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from forums.models import Category, Post, Tag, Topic
from forums.permissions import (
    can_post_in,
    reach_fingerprint,
    tags_visible_to,
    visible_categories,
    visible_topics,
)
from forums.services.reading import read_positions
from members.models import SupportAct, SupportKind

TOPICS_PER_PAGE = 30
# A topic the member never opened is "new" when it started within this many days and after
# they joined; older unopened topics carry no marker (Discourse's default is two days of
# "new" after a member's last visit; a fixed fortnight needs no per-visit state).
NEW_TOPIC_DAYS = 14
# The unanswered list covers a quarter, like the reciprocity ledger that orders it.
UNANSWERED_DAYS = 90
SLUG_RE = re.compile(r"[-\w]+")


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


def category_page_can_post(*, category: Category, viewer) -> bool:
    """Whether the "New topic" button shows (posting checks again in the service)."""
    return can_post_in(viewer, category)


# --- Topic lists ---------------------------------------------------------------------------


def _for_rows(topics: QuerySet[Topic]) -> QuerySet[Topic]:
    """What a row shows: category, last poster with avatar. Their tags are fetched by
    forums.page_cache.rows for the rows it renders (most come from the cache)."""
    return topics.select_related("category", "last_poster__profile")


def _with_tag(topics: QuerySet[Topic], tag: Tag | None) -> QuerySet[Topic]:
    return topics.filter(tags=tag) if tag is not None else topics


def topic_list_for_category(
    *, category: Category, viewer, tag: Tag | None = None
) -> QuerySet[Topic]:
    """Pinned first, then by last activity (the forums_topic_category_list_idx index)."""
    topics = visible_topics(viewer).filter(category=category)
    return _for_rows(_with_tag(topics, tag)).order_by("-is_pinned", "-last_post_at", "-pk")


def latest_topics_for(*, viewer, tag: Tag | None = None) -> QuerySet[Topic]:
    """Every topic `viewer` may see: pinned first, then the most recent activity."""
    topics = _with_tag(visible_topics(viewer), tag)
    return _for_rows(topics).order_by("-is_pinned", "-last_post_at", "-pk")


def with_reading_state(topics: list[Topic], *, viewer, now: datetime | None = None) -> list[Topic]:
    """Set `reading` ("new", "unread" or None) and `unread_count` on each topic for
    `viewer`. Members: one query for their read positions (with the cache overlay, one
    get_many) and, when something is unread, one grouped count. Visitors: none."""
    for topic in topics:
        topic.reading, topic.unread_count = None, 0
    if not viewer.is_authenticated or not topics:
        return topics
    now = now or timezone.now()
    positions = read_positions(user=viewer, topic_ids=[topic.pk for topic in topics])
    new_since = max(now - timedelta(days=NEW_TOPIC_DAYS), viewer.date_joined)
    unread = []
    for topic in topics:
        position = positions.get(topic.pk)
        if position is None:
            if topic.created_at >= new_since and topic.author_id != viewer.pk:
                topic.reading = "new"
        elif topic.last_post_at > position.at:
            unread.append((topic, position))
    if unread:
        newer = reduce(
            operator.or_,
            [Q(topic_id=topic.pk, created_at__gt=position.at) for topic, position in unread],
        )
        counts = dict(
            Post.objects.filter(newer, is_hidden=False)
            .values("topic_id")
            .annotate(n=Count("pk"))
            .values_list("topic_id", "n")
        )
        for topic, _ in unread:
            if counts.get(topic.pk):
                topic.reading, topic.unread_count = "unread", counts[topic.pk]
    return topics


@dataclass
class TopicListPage:
    page: Page
    topics: list[Topic]


# A list's length only numbers its pages ("page 2 of 40", whether there is a next page),
# and counting every visible topic was the costliest query of the latest list: it is
# counted once a minute per kind of viewer, so a new topic can take that long to add a page.
LIST_COUNT_SECONDS = 60


class _CachedCountPaginator(Paginator):
    def __init__(self, *args, count_key: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_key = count_key

    @cached_property
    def count(self) -> int:
        count = cache.get(self.count_key)
        if count is None:
            count = Paginator.count.func(self)
            cache.set(self.count_key, count, LIST_COUNT_SECONDS)
        return count


def topic_list_page(
    topics: QuerySet[Topic],
    *,
    viewer,
    number: str | int | None,
    per_page: int = TOPICS_PER_PAGE,
    count_scope: str | None = None,
    reading: bool = True,
) -> TopicListPage:
    """One page of `topics` with each row's reading state (unless `reading` is off: a page
    shared between members fills it in per member): the count, the page and (members) one
    or two reading-state queries. With `count_scope` (what the list is: "latest",
    "category:7", ...), the count is shared by viewers with the same reach for a minute."""
    if count_scope is None:
        paginator = Paginator(topics, per_page)
    else:
        key = f"forums:list-count:v1:{count_scope}:{reach_fingerprint(viewer)}"
        paginator = _CachedCountPaginator(topics, per_page, count_key=key)
    page = paginator.get_page(number)
    rows = list(page.object_list)
    if reading:
        with_reading_state(rows, viewer=viewer)
    return TopicListPage(page=page, topics=rows)


# --- Tags ----------------------------------------------------------------------------------


def tag_list_for(*, viewer) -> QuerySet[Tag]:
    """Visible tags with how many topics `viewer` can see carry each: one query."""
    count = (
        visible_topics(viewer)
        .filter(tags=OuterRef("pk"))
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    return (
        tags_visible_to(viewer)
        .annotate(topic_count=Coalesce(Subquery(count, output_field=IntegerField()), 0))
        .order_by("name")
    )


def tag_for_filter(viewer, slug: str | None) -> tuple[Tag | None, str]:
    """The tag of a `?tag=` filter and an error message when the slug names no tag the
    viewer can see (the list then shows nothing rather than everything)."""
    if not slug:
        return None, ""
    tag = None
    if SLUG_RE.fullmatch(slug[:40]):  # also keeps NUL bytes away from PostgreSQL
        tag = tags_visible_to(viewer).filter(slug=slug[:40]).first()
    if tag is None:
        return None, "There is no tag by that name."
    return tag, ""


def tags_offered_in(*, category: Category) -> QuerySet[Tag]:
    """Tags a topic in `category` may carry: the unrestricted ones and those given it."""
    return Tag.objects.filter(Q(categories__isnull=True) | Q(categories=category)).distinct()


def tag_topics_for(*, tag: Tag, viewer) -> QuerySet[Topic]:
    return latest_topics_for(viewer=viewer, tag=tag)


# --- Unanswered ----------------------------------------------------------------------------


def _support_count(acts: QuerySet[SupportAct], group_by: str, counted: str = "pk", **kw):
    return Coalesce(
        Subquery(
            acts.order_by().values(group_by).annotate(n=Count(counted, **kw)).values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def unanswered_topics_for(*, viewer, now: datetime | None = None) -> QuerySet[Topic]:
    """Open topics of the last UNANSWERED_DAYS days that still wait for help: in a Q&A
    category, no accepted answer; elsewhere, no visible reply from anyone but the author.

    Ordered by the author's support debt: support they gave in the last 90 days minus
    support they received (follows are not help), never below zero, highest first; then
    oldest first. Each row carries `support_given`, `support_received`, `helped_people`
    and `support_debt`, all computed in SQL (correlated subqueries), not per row."""
    now = now or timezone.now()
    since = now - timedelta(days=UNANSWERED_DAYS)
    reply_by_another = Post.objects.filter(
        topic_id=OuterRef("pk"), is_opening=False, is_hidden=False
    ).exclude(author_id=OuterRef("author_id"))
    acts = SupportAct.objects.filter(occurred_at__gte=since).exclude(kind=SupportKind.FOLLOW)
    given = acts.filter(giver_id=OuterRef("author_id"))
    received = acts.filter(receiver_id=OuterRef("author_id"))
    topics = (
        visible_topics(viewer)
        .filter(
            is_hidden=False,
            is_locked=False,
            merged_into__isnull=True,
            created_at__gte=since,
        )
        .filter(
            Q(category__is_qa=True, accepted_answer__isnull=True)
            | (Q(category__is_qa=False) & ~Exists(reply_by_another))
        )
        .annotate(
            support_given=_support_count(given, "giver_id"),
            helped_people=_support_count(given, "giver_id", "receiver_id", distinct=True),
            support_received=_support_count(received, "receiver_id"),
        )
        .annotate(
            support_debt=Greatest(F("support_given") - F("support_received"), Value(0)),
        )
    )
    return _for_rows(topics).order_by("-support_debt", "created_at", "pk")
