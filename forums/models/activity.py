"""A member's own state around the forums: drafts, bookmarks, what they watch and how far
they have read."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from community.db import BaseModel


class Draft(BaseModel):
    """What a member was writing, saved as they type: a new topic in a category, or a reply
    to a topic. One per place; posting deletes it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_drafts"
    )
    category = models.ForeignKey(
        "forums.Category", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    topic = models.ForeignKey(
        "forums.Topic", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=255, blank=True)
    body = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(category__isnull=False, topic__isnull=True)
                | Q(category__isnull=True, topic__isnull=False),
                name="forums_draft_one_place",
            ),
            models.UniqueConstraint(
                fields=["user", "category"],
                condition=Q(topic__isnull=True),
                name="forums_draft_one_per_category",
            ),
            models.UniqueConstraint(
                fields=["user", "topic"],
                condition=Q(category__isnull=True),
                name="forums_draft_one_per_topic",
            ),
        ]

    def __str__(self) -> str:
        return f"Draft by {self.user_id}"


class Bookmark(BaseModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_bookmarks"
    )
    post = models.ForeignKey("forums.Post", on_delete=models.CASCADE, related_name="bookmarks")
    note = models.CharField(max_length=200, blank=True)
    remind_at = models.DateTimeField(null=True, blank=True)
    # Claimed by the reminder task before it notifies, so a retry never reminds twice.
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "post"], name="forums_bookmark_once")
        ]
        indexes = [
            models.Index(
                fields=["remind_at"],
                name="forums_bookmark_due_idx",
                condition=Q(remind_at__isnull=False, reminded_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"Bookmark of post {self.post_id} by {self.user_id}"


class WatchLevel(models.IntegerChoices):
    MUTED = 0, "Muted: never notify me"
    MENTIONS = 1, "Normal: only mentions and replies to me"
    EVERY_POST = 2, "Watching: every new post"


class Watch(BaseModel):
    """A member's notification level for one topic, category or tag (exactly one). The
    most specific wins: topic over category and tag (forums.services.watching)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_watches"
    )
    level = models.PositiveSmallIntegerField(choices=WatchLevel.choices)
    topic = models.ForeignKey(
        "forums.Topic", on_delete=models.CASCADE, null=True, blank=True, related_name="watches"
    )
    category = models.ForeignKey(
        "forums.Category", on_delete=models.CASCADE, null=True, blank=True, related_name="watches"
    )
    tag = models.ForeignKey(
        "forums.Tag", on_delete=models.CASCADE, null=True, blank=True, related_name="watches"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(topic__isnull=False, category__isnull=True, tag__isnull=True)
                | Q(topic__isnull=True, category__isnull=False, tag__isnull=True)
                | Q(topic__isnull=True, category__isnull=True, tag__isnull=False),
                name="forums_watch_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "topic"],
                condition=Q(topic__isnull=False),
                name="forums_watch_topic_once",
            ),
            models.UniqueConstraint(
                fields=["user", "category"],
                condition=Q(category__isnull=False),
                name="forums_watch_category_once",
            ),
            models.UniqueConstraint(
                fields=["user", "tag"], condition=Q(tag__isnull=False), name="forums_watch_tag_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Watch {self.get_level_display()} by {self.user_id}"


class TopicRead(BaseModel):
    """How far a member has read a topic: the newest post they have seen. Page views record
    it in the cache; forums.tasks flushes the cache here in bulk (a read never writes to the
    database). Unread markers compare it with Topic.last_post_at."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_reads"
    )
    topic = models.ForeignKey("forums.Topic", on_delete=models.CASCADE, related_name="reads")
    last_read_post = models.ForeignKey(
        "forums.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_read_at = models.DateTimeField(help_text="created_at of the newest post seen")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="forums_topicread_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read topic {self.topic_id} to {self.last_read_at}"


class TopicViewDay(models.Model):
    """How many views a topic had on one day (the community's day): written by the views
    flush in bulk, beside Topic.view_count, so views over a period can be measured
    (Topic.view_count alone is a running total). Never written per page view."""

    topic = models.ForeignKey("forums.Topic", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # Day first: the index also serves "views between two days" across topics.
            models.UniqueConstraint(fields=["day", "topic"], name="forums_topicviewday_once")
        ]

    def __str__(self) -> str:
        return f"Topic {self.topic_id} on {self.day}: {self.views} views"
