"""Forums' part of a member's data. The export holds what they wrote (posts with their edit
history, uploaded images as files), what they did (reactions, flags, searches) and their
own state (bookmarks, drafts, watches). Erasing takes their name off the rows that carry a
copy of it and deletes their private state; the posts themselves, their reactions (now of
a former member) and their flags stay, so nothing the community relies on is lost."""

from collections.abc import Iterator
from pathlib import PurePosixPath

from django.utils import timezone

from forums.models import (
    Bookmark,
    Draft,
    Flag,
    Post,
    PostImage,
    PostRevision,
    Reaction,
    SearchQuery,
    Topic,
    TopicRead,
    Watch,
)
from members.models import User
from members.services.data import ExportItem, data_eraser, data_exporter

FORMER_MEMBER = "Former member"


def _iso(moment):
    return moment.isoformat() if moment else None


@data_exporter
def export_posts(member: User) -> Iterator[ExportItem]:
    posts = Post.objects.filter(author=member).select_related("topic").order_by("created_at")
    yield (
        "posts.json",
        [
            {
                "topic": post.topic.title,
                "topic_id": post.topic_id,
                "post_id": post.pk,
                "body": post.body,
                "opening_post": post.is_opening,
                "hidden": post.is_hidden,
                "posted_at": post.created_at.isoformat(),
                "edited_at": _iso(post.edited_at),
            }
            for post in posts
        ],
    )
    revisions = PostRevision.objects.filter(post__author=member).order_by("created_at")
    yield (
        "post_revisions.json",
        [
            {
                "post_id": revision.post_id,
                "title": revision.title,
                "body": revision.body,
                "replaced_at": revision.created_at.isoformat(),
            }
            for revision in revisions
        ],
    )


@data_exporter
def export_activity(member: User) -> Iterator[ExportItem]:
    yield (
        "forum_activity.json",
        {
            "reactions": [
                {"post_id": r.post_id, "reaction": r.kind, "at": r.created_at.isoformat()}
                for r in Reaction.objects.filter(user=member).order_by("created_at")
            ],
            "bookmarks": [
                {
                    "post_id": b.post_id,
                    "note": b.note,
                    "remind_at": _iso(b.remind_at),
                    "at": b.created_at.isoformat(),
                }
                for b in Bookmark.objects.filter(user=member).order_by("created_at")
            ],
            "drafts": [
                {
                    "category_id": d.category_id,
                    "topic_id": d.topic_id,
                    "title": d.title,
                    "body": d.body,
                    "saved_at": d.updated_at.isoformat(),
                }
                for d in Draft.objects.filter(user=member).order_by("created_at")
            ],
            "watching": [
                {
                    "topic_id": w.topic_id,
                    "category_id": w.category_id,
                    "tag_id": w.tag_id,
                    "level": w.get_level_display(),
                }
                for w in Watch.objects.filter(user=member).order_by("created_at")
            ],
            "flags": [
                {
                    "post_id": f.post_id,
                    "reason": f.reason,
                    "note": f.note,
                    "status": f.status,
                    "at": f.created_at.isoformat(),
                }
                for f in Flag.objects.filter(flagger=member).order_by("created_at")
            ],
            "searches": [
                {"query": q.query, "filters": q.filters, "at": q.created_at.isoformat()}
                for q in SearchQuery.objects.filter(user=member).order_by("created_at")
            ],
        },
    )


@data_exporter
def export_images(member: User) -> Iterator[ExportItem]:
    # The stored file itself, not its bytes: the export copies it into the zip in chunks
    # (and skips one that went missing from storage), so ten 10 MB images are never all in
    # memory at once.
    for image in PostImage.objects.filter(uploader=member).order_by("created_at"):
        yield (f"forum_images/{PurePosixPath(image.image.name).name}", image.image)


@data_eraser
def erase_forum_data(member: User) -> None:
    Post.objects.filter(author=member).update(author_name=FORMER_MEMBER)
    # Cached pages show the old name until their topic changes: change them all now.
    Topic.objects.filter(pk__in=Post.objects.filter(author=member).values("topic_id")).update(
        updated_at=timezone.now()
    )
    Topic.objects.filter(author=member).update(author_name=FORMER_MEMBER)
    Topic.objects.filter(last_poster=member).update(last_poster_name=FORMER_MEMBER)
    # Their private state goes; searches stay for metrics, no longer tied to them.
    Draft.objects.filter(user=member).delete()
    Bookmark.objects.filter(user=member).delete()
    Watch.objects.filter(user=member).delete()
    TopicRead.objects.filter(user=member).delete()
    SearchQuery.objects.filter(user=member).update(user=None)
