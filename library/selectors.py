"""Reads for the library's pages, already filtered by what the viewer may see
(library.permissions) and joined, so a page issues a fixed number of queries whatever it
lists."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from forums.models import Post, ReactionKind, Tag, Topic
from forums.permissions import can_view_topic, tags_visible_to, visible_topics
from forums.selectors.topic import ReactionBar, ReactionCount
from library.engagement import (
    discussion_category_for,
    discussion_refusal,
    discussion_topic_for,
)
from library.engagement import reaction_refusal as engagement_reaction_refusal
from library.models import (
    Collection,
    CollectionItem,
    Credit,
    FileVersion,
    LibraryAccess,
    Resource,
    ResourceReaction,
)
from library.permissions import visible_collections, visible_resources

HOME_COLLECTIONS = 12
HOME_RESOURCES = 30
COLLECTION_RESOURCES = 200
RESOURCE_VERSIONS = 50


def _tags(viewer) -> Prefetch:
    # A tag made only for a private forum category would name what is inside it.
    return Prefetch("tags", queryset=tags_visible_to(viewer).only("id", "name", "slug"))


def resource_list(*, viewer) -> QuerySet[Resource]:
    """Resources `viewer` may see, newest first, with owner and visible tags."""
    return (
        visible_resources(viewer)
        .select_related("owner")
        .prefetch_related(_tags(viewer))
        .order_by("-is_featured", "-created_at")
    )


def collection_list(*, viewer) -> QuerySet[Collection]:
    """Collections `viewer` may see, featured first."""
    return visible_collections(viewer).order_by("-is_featured", "title")


@dataclass(frozen=True)
class LibraryHome:
    collections: list[Collection]
    resources: list[Resource]


def library_home(*, viewer) -> LibraryHome:
    return LibraryHome(
        collections=list(collection_list(viewer=viewer)[:HOME_COLLECTIONS]),
        resources=list(resource_list(viewer=viewer).order_by("-created_at")[:HOME_RESOURCES]),
    )


def collection_resources(*, collection: Collection, viewer) -> list[Resource]:
    """The resources of `collection` that `viewer` may see, in the collection's order: a
    private resource stays hidden from outsiders even inside a collection they see."""
    items = (
        CollectionItem.objects.filter(collection=collection, resource__in=visible_resources(viewer))
        .select_related("resource__owner")
        .prefetch_related(
            Prefetch("resource__tags", queryset=tags_visible_to(viewer).only("id", "name", "slug"))
        )
        .order_by("position", "pk")[:COLLECTION_RESOURCES]
    )
    return [item.resource for item in items]


def resources_by_tag(*, tag: Tag, viewer) -> QuerySet[Resource]:
    return resource_list(viewer=viewer).filter(tags=tag)


@dataclass(frozen=True)
class ResourcePage:
    resource: Resource
    versions: list[FileVersion]
    tags: list[Tag]
    source_topics: list[Topic]
    collections: list[Collection]


def resource_page(*, resource: Resource, viewer) -> ResourcePage:
    """What the resource page shows besides the resource (one the viewer may see): its file
    versions, newest first; its visible tags, source topics and collections."""
    versions = list(
        FileVersion.objects.filter(resource=resource)
        .select_related("uploaded_by")
        .order_by("-number")[:RESOURCE_VERSIONS]
    )
    tags = list(tags_visible_to(viewer).filter(library_resources=resource).only("name", "slug"))
    topics = list(
        visible_topics(viewer)
        .filter(library_resources=resource)
        .only("id", "title", "slug", "category_id")
        .order_by("-created_at")[:20]
    )
    collections = list(collection_list(viewer=viewer).filter(resources=resource)[:20])
    return ResourcePage(resource, versions, tags, topics, collections)


# --- Community around a resource ------------------------------------------------------------

RESOURCE_COMMENTS = 5
PROFILE_RESOURCES = 5
FEATURED_COLLECTIONS = 3
FEATURED_RESOURCES_PER_COLLECTION = 2


def reaction_bar(*, resource: Resource, viewer) -> ReactionBar:
    """Every reaction kind with its count on `resource` and whether `viewer` gave it: one
    grouped query."""
    chosen = Count("pk", filter=Q(user_id=viewer.pk)) if viewer.is_authenticated else None
    rows = (
        ResourceReaction.objects.filter(resource=resource)
        .values("kind")
        .annotate(count=Count("pk"), **({"chosen": chosen} if chosen is not None else {}))
        .order_by()
    )
    tally = {row["kind"]: row for row in rows}
    counts = []
    for kind, label in ReactionKind.choices:
        emoji, _, name = label.partition(" ")
        row = tally.get(kind, {})
        counts.append(
            ReactionCount(
                kind=kind,
                emoji=emoji,
                name=name,
                count=row.get("count", 0),
                chosen=bool(row.get("chosen")),
            )
        )
    can_react = viewer.is_authenticated and engagement_reaction_refusal(viewer, resource) is None
    return ReactionBar(post_id=resource.pk, counts=counts, can_react=can_react)


@dataclass(frozen=True)
class Comments:
    topic: Topic | None  # None: no comments yet, or the viewer may not read them
    latest: list[Post]  # oldest first, at most RESOURCE_COMMENTS
    count: int
    closed_reason: str | None  # why nobody can comment here, or None


def resource_comments(*, resource: Resource, viewer) -> Comments:
    """The latest comments the viewer may read: those of the resource's discussion topic,
    only when the viewer may see that topic (forums.permissions)."""
    topic = discussion_topic_for(resource)
    if topic is None:
        category = discussion_category_for(resource)
        refusal = None
        # The default category is made on the first comment: its absence closes nothing.
        if category is not None or resource.access == LibraryAccess.PRIVATE:
            refusal = discussion_refusal(resource, category)
        return Comments(None, [], 0, refusal)
    if not can_view_topic(viewer, topic):
        return Comments(None, [], 0, None)
    latest = list(
        Post.objects.filter(topic=topic, is_hidden=False).order_by("-created_at", "-pk")[
            :RESOURCE_COMMENTS
        ]
    )
    latest.reverse()
    return Comments(topic, latest, topic.reply_count + 1, None)


def resource_credits(*, resource: Resource) -> list[Credit]:
    return list(resource.credits.select_related("member").order_by("pk"))


def resources_credited_to(*, member, viewer) -> list[Resource]:
    """The resources crediting `member` that `viewer` may see, newest first."""
    return list(
        visible_resources(viewer)
        .filter(credits__member=member)
        .only("id", "title", "slug", "kind", "summary", "created_at")
        .order_by("-created_at", "-pk")
        .distinct()[:PROFILE_RESOURCES]
    )


def featured_collections(*, viewer) -> list[tuple[Collection, list[Resource]]]:
    """Featured collections `viewer` may see, each with its newest resources they may see:
    two queries whatever the library holds."""
    collections = list(
        visible_collections(viewer)
        .filter(is_featured=True)
        .order_by("title")[:FEATURED_COLLECTIONS]
    )
    if not collections:
        return []
    items = (
        CollectionItem.objects.filter(
            collection__in=collections, resource__in=visible_resources(viewer)
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("collection_id")],
                order_by=[F("resource__created_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=FEATURED_RESOURCES_PER_COLLECTION)
        .select_related("resource")
        .order_by("collection_id", "rank")
    )
    newest: dict[int, list[Resource]] = {}
    for item in items:
        newest.setdefault(item.collection_id, []).append(item.resource)
    return [(collection, newest.get(collection.pk, [])) for collection in collections]
