"""Forums' part of a member's data: their posts in the export, and their name taken off the
rows that carry a copy of it when they erase their account (the posts themselves stay)."""

from collections.abc import Iterator

from forums.models import Post, Topic
from members.models import User
from members.services.data import ExportItem, data_eraser, data_exporter

FORMER_MEMBER = "Former member"


@data_exporter
def export_posts(member: User) -> Iterator[ExportItem]:
    posts = Post.objects.filter(author=member).select_related("topic").order_by("created_at")
    yield (
        "posts.json",
        [
            {
                "topic": post.topic.title,
                "topic_id": post.topic_id,
                "body": post.body,
                "opening_post": post.is_opening,
                "hidden": post.is_hidden,
                "posted_at": post.created_at.isoformat(),
            }
            for post in posts
        ],
    )


@data_eraser
def erase_author_names(member: User) -> None:
    Post.objects.filter(author=member).update(author_name=FORMER_MEMBER)
    Topic.objects.filter(author=member).update(author_name=FORMER_MEMBER)
    Topic.objects.filter(last_poster=member).update(last_poster_name=FORMER_MEMBER)
