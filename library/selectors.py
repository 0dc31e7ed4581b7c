"""Reads for the library's pages, already filtered by what the viewer may see
(library.permissions) and joined, so a page issues a fixed number of queries whatever it
lists."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from forums.models import Tag, Topic
from forums.permissions import tags_visible_to, visible_topics
from library.models import Collection, CollectionItem, FileVersion, Resource
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
