"""Every write in the library: resources, their file versions, collections, access, and the
view and download counts. Community managers make and change resources and collections (in
the admin, which calls these services); members read and download.

Access: a change of `access`, or a grant or revoke, changes who may see the row, so it
replaces the community's access version (members.access) in the same transaction; the grant
tables do that themselves on every write (GrantQuerySet / GrantModelMixin)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Case, F, Max, PositiveIntegerField, Value, When
from guardian.shortcuts import assign_perm, remove_perm

from community.images import image_normalize
from community.markdown import render_markdown
from community.timezones import community_timezone
from forums.models import Category, Tag, Topic
from forums.services.reading import views_record
from library.models import (
    Collection,
    CollectionItem,
    Download,
    FileVersion,
    Resource,
    ResourceKind,
    ResourceViewDay,
)
from library.uploads import FILE_MAX_BYTES, file_sniff, original_name_clean
from members.access import access_changed_for_everyone
from members.models import User

COVER_MAX_BYTES = 5 * 1024 * 1024
COVER_MAX_SIZE = (1200, 1200)

RESOURCE_FIELDS = {
    "kind",
    "title",
    "slug",
    "summary",
    "body",
    "url",
    "access",
    "is_featured",
    "discussion_category",
}
COLLECTION_FIELDS = {"title", "slug", "summary", "access", "is_featured"}


def _check_manage(actor: User, perm: str) -> None:
    if not (actor.is_active and actor.has_perm(perm)):
        raise PermissionDenied("Only community managers can change the library.")


def resource_kind_check(resource: Resource, *, has_file: bool) -> None:
    if resource.kind == ResourceKind.LINK and not resource.url:
        raise ValidationError({"url": "A link resource needs the address it links to."})
    if resource.kind == ResourceKind.ARTICLE and not resource.body.strip():
        raise ValidationError({"body": "An article needs a body."})
    if resource.kind == ResourceKind.FILE and not has_file:
        raise ValidationError({"kind": "A file resource needs a file: upload one."})


def _cover_store(resource: Resource, cover: UploadedFile) -> None:
    # Re-encoded: metadata and anything hidden after the image data are dropped.
    content = image_normalize(
        cover, max_bytes=COVER_MAX_BYTES, max_size=COVER_MAX_SIZE, name_prefix="cover"
    )
    resource.cover.save(content.name, content, save=False)


@transaction.atomic
def resource_create(
    *,
    actor: User,
    kind: str,
    title: str,
    slug: str,
    summary: str = "",
    body: str = "",
    url: str = "",
    access: str,
    is_featured: bool = False,
    discussion_category: Category | None = None,
    tags: Iterable[Tag] = (),
    source_topics: Iterable[Topic] = (),
    cover: UploadedFile | None = None,
    upload: UploadedFile | None = None,
) -> Resource:
    """A new resource owned by `actor` (a community manager: PermissionDenied otherwise).
    A file resource needs `upload`, which becomes version 1 (file_version_add's checks); an
    article's Markdown is rendered and sanitised here. ValidationError names the field."""
    _check_manage(actor, "library.add_resource")
    resource = Resource(
        kind=kind,
        title=title,
        slug=slug,
        summary=summary,
        body=body,
        url=url,
        access=access,
        is_featured=is_featured,
        discussion_category=discussion_category,
        owner=actor,
    )
    resource_kind_check(resource, has_file=upload is not None)
    resource.html = render_markdown(body) if kind == ResourceKind.ARTICLE else ""
    resource.full_clean(exclude=["cover"])
    if cover is not None:
        _cover_store(resource, cover)
    resource.save()
    resource.tags.set(tags)
    resource.source_topics.set(source_topics)
    if upload is not None:
        file_version_add(actor=actor, resource=resource, upload=upload)
    return resource


@transaction.atomic
def resource_update(
    *,
    actor: User,
    resource: Resource,
    tags: Iterable[Tag] | None = None,
    source_topics: Iterable[Topic] | None = None,
    cover: UploadedFile | None = None,
    upload: UploadedFile | None = None,
    **fields,
) -> Resource:
    """Change `resource`: any of RESOURCE_FIELDS, its tags, source topics, cover, and a new
    file version (`upload`; the earlier versions stay). Changing `access` replaces everyone's
    access version, so a resource made private disappears on the next request."""
    _check_manage(actor, "library.change_resource")
    unknown = set(fields) - RESOURCE_FIELDS
    if unknown:
        raise TypeError(f"resource_update() got unexpected fields: {sorted(unknown)}")
    access_before = Resource.objects.filter(pk=resource.pk).values_list("access", flat=True)[0]
    for name, value in fields.items():
        setattr(resource, name, value)
    has_file = upload is not None or resource.versions.exists()
    resource_kind_check(resource, has_file=has_file)
    resource.html = render_markdown(resource.body) if resource.kind == ResourceKind.ARTICLE else ""
    resource.full_clean(exclude=["cover"])
    if cover is not None:
        _cover_store(resource, cover)
    resource.save()
    if tags is not None:
        resource.tags.set(tags)
    if source_topics is not None:
        resource.source_topics.set(source_topics)
    if upload is not None:
        file_version_add(actor=actor, resource=resource, upload=upload)
    if resource.access != access_before:
        access_changed_for_everyone()
    return resource


@transaction.atomic
def file_version_add(*, actor: User, resource: Resource, upload: UploadedFile) -> FileVersion:
    """Store `upload` as the next version of `resource`; earlier versions are kept.

    The type is sniffed from the bytes (library.uploads.file_sniff: PDF, office documents,
    images, CSV; executables, HTML and SVG refused) and the size capped at FILE_MAX_BYTES,
    with a ValidationError the uploader can act on. The stored name is generated; the
    uploaded one is kept as cleaned metadata. The resource row is locked, so two uploads at
    once get consecutive numbers."""
    _check_manage(actor, "library.change_resource")
    if resource.kind != ResourceKind.FILE:
        raise ValidationError("Only file resources have file versions.")
    sniffed = file_sniff(upload, max_bytes=FILE_MAX_BYTES)
    Resource.objects.select_for_update().filter(pk=resource.pk).first()
    latest = resource.versions.aggregate(latest=Max("number"))["latest"] or 0
    version = FileVersion(
        resource=resource,
        number=latest + 1,
        original_name=original_name_clean(upload.name),
        size=upload.size,
        content_type=sniffed.content_type,
        uploaded_by=actor,
    )
    upload.seek(0)
    version.file.save(
        f"{resource.slug[:80]}-v{version.number}.{sniffed.extension}", upload, save=False
    )
    # A row that fails to save must not leave its file behind. (A rollback later in the
    # caller's transaction can leave an unreferenced file, never a row without its file.)
    stored, storage = version.file.name, version.file.storage
    try:
        version.full_clean(exclude=["file"])
        version.save()
    except Exception:
        storage.delete(stored)
        raise
    Resource.objects.filter(pk=resource.pk).update(updated_at=version.created_at)
    return version


def resource_access_grant(*, resource: Resource, group: Group) -> None:
    """Open a private resource to every member of `group` (an auth Group, usually a private
    group's). Idempotent. The grant table replaces everyone's access version itself."""
    assign_perm("library.view_resource", group, resource)


def resource_access_revoke(*, resource: Resource, group: Group) -> None:
    remove_perm("library.view_resource", group, resource)


RESOURCE_VIEWS = "library"  # the library's name in forums.services.reading.COUNTED_VIEWS


def resource_view_count(
    *, resource: Resource, viewer=None, views: int = 1, now: datetime | None = None
) -> None:
    """Count a view of `resource`'s page. Nothing is written here: the count waits in the
    cache and the periodic view flush (forums.services.reading, the same one that moves
    topic views) adds it to the resource's day (ResourceViewDay) and to
    Resource.view_count. The community team's own views (staff) are not readership and
    are not counted."""
    if viewer is not None and viewer.is_authenticated and viewer.is_staff:
        return
    views_record(RESOURCE_VIEWS, resource.pk, views=views, now=now)


def resource_views_apply(views: dict[tuple[int, datetime], int]) -> None:
    """The flush's part for resources: {(resource id, minute): views} added to the days'
    rows (the community's day of each minute) and to the resources' totals. Only one flush
    runs at a time (its lock), so reading the days' current rows and writing the sums
    cannot race. Resources deleted since are skipped."""
    tz = community_timezone()
    per_day: dict[tuple[int, date], int] = defaultdict(int)
    for (resource_id, minute), count in views.items():
        per_day[resource_id, minute.astimezone(tz).date()] += count
    live = set(
        Resource.objects.filter(pk__in={rid for rid, _ in per_day}).values_list("pk", flat=True)
    )
    per_day = {key: count for key, count in per_day.items() if key[0] in live}
    if not per_day:
        return
    days = {day for _, day in per_day}
    existing = {
        (row.resource_id, row.day): row
        for row in ResourceViewDay.objects.filter(resource_id__in=live, day__in=days)
    }
    new_rows, changed = [], []
    for (resource_id, day), count in per_day.items():
        row = existing.get((resource_id, day))
        if row is None:
            new_rows.append(ResourceViewDay(resource_id=resource_id, day=day, views=count))
        else:
            row.views += count
            changed.append(row)
    ResourceViewDay.objects.bulk_create(new_rows, batch_size=500)
    ResourceViewDay.objects.bulk_update(changed, ["views"], batch_size=500)
    totals: dict[int, int] = defaultdict(int)
    for (resource_id, _), count in per_day.items():
        totals[resource_id] += count
    items = sorted(totals.items())
    for start in range(0, len(items), 500):
        batch = items[start : start + 500]
        # updated_at is left alone: a view is not an edit.
        Resource.objects.filter(pk__in=[rid for rid, _ in batch]).update(
            view_count=F("view_count")
            + Case(
                *[When(pk=rid, then=Value(count)) for rid, count in batch],
                default=Value(0),
                output_field=PositiveIntegerField(),
            )
        )


@transaction.atomic
def file_download_record(*, version: FileVersion, user: User | None) -> Download:
    """Count a download of `version` (one the caller checked the downloader may see): a
    Download row for metrics, and the counts on the version and its resource."""
    download = Download.objects.create(
        resource_id=version.resource_id,
        version=version,
        user=user if user is not None and user.is_authenticated else None,
    )
    FileVersion.objects.filter(pk=version.pk).update(download_count=F("download_count") + 1)
    Resource.objects.filter(pk=version.resource_id).update(download_count=F("download_count") + 1)
    return download


# --- Collections ----------------------------------------------------------------------------


@transaction.atomic
def collection_create(
    *,
    actor: User,
    title: str,
    slug: str,
    summary: str = "",
    access: str,
    is_featured: bool = False,
    resources: Iterable[Resource] = (),
) -> Collection:
    """A collection of `resources`, in that order (community managers only)."""
    _check_manage(actor, "library.add_collection")
    collection = Collection(
        title=title, slug=slug, summary=summary, access=access, is_featured=is_featured
    )
    collection.full_clean()
    collection.save()
    collection_resources_set(actor=actor, collection=collection, resources=resources)
    return collection


@transaction.atomic
def collection_update(*, actor: User, collection: Collection, **fields) -> Collection:
    _check_manage(actor, "library.change_collection")
    unknown = set(fields) - COLLECTION_FIELDS
    if unknown:
        raise TypeError(f"collection_update() got unexpected fields: {sorted(unknown)}")
    access_before = Collection.objects.filter(pk=collection.pk).values_list("access", flat=True)[0]
    for name, value in fields.items():
        setattr(collection, name, value)
    collection.full_clean()
    collection.save()
    if collection.access != access_before:
        access_changed_for_everyone()
    return collection


@transaction.atomic
def collection_resources_set(
    *, actor: User, collection: Collection, resources: Iterable[Resource]
) -> None:
    """Make `resources` the collection's contents, in this order (positions 0, 1, …)."""
    _check_manage(actor, "library.change_collection")
    ids = list(dict.fromkeys(resource.pk for resource in resources))
    CollectionItem.objects.filter(collection=collection).exclude(resource_id__in=ids).delete()
    existing = dict(
        CollectionItem.objects.filter(collection=collection).values_list("resource_id", "pk")
    )
    CollectionItem.objects.bulk_create(
        [
            CollectionItem(collection=collection, resource_id=resource_id, position=position)
            for position, resource_id in enumerate(ids)
            if resource_id not in existing
        ]
    )
    _positions_write(collection, ids)


@transaction.atomic
def collection_reorder(*, actor: User, collection: Collection, resource_ids: list[int]) -> None:
    """Put the collection's resources in this order. `resource_ids` must name exactly the
    resources it holds (ValidationError otherwise): reordering never adds or drops one."""
    _check_manage(actor, "library.change_collection")
    current = set(
        CollectionItem.objects.select_for_update()
        .filter(collection=collection)
        .values_list("resource_id", flat=True)
    )
    if len(resource_ids) != len(set(resource_ids)) or set(resource_ids) != current:
        raise ValidationError(
            "The new order must list each resource of the collection exactly once."
        )
    _positions_write(collection, resource_ids)


def _positions_write(collection: Collection, ids: list[int]) -> None:
    items = list(CollectionItem.objects.filter(collection=collection, resource_id__in=ids))
    position_of = {resource_id: position for position, resource_id in enumerate(ids)}
    for item in items:
        item.position = position_of[item.resource_id]
    CollectionItem.objects.bulk_update(items, ["position"])


def collection_access_grant(*, collection: Collection, group: Group) -> None:
    assign_perm("library.view_collection", group, collection)


def collection_access_revoke(*, collection: Collection, group: Group) -> None:
    remove_perm("library.view_collection", group, collection)
