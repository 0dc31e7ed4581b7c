from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from community.db import BaseModel

TOPIC_TITLE_MAX_LENGTH = 255


class Topic(BaseModel):
    category = models.ForeignKey("forums.Category", on_delete=models.PROTECT, related_name="topics")
    title = models.CharField(max_length=TOPIC_TITLE_MAX_LENGTH)
    slug = models.SlugField(max_length=TOPIC_TITLE_MAX_LENGTH, allow_unicode=True)
    # SET_NULL plus the name on the row: content outlives the account, lists need no join.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="forum_topics",
    )
    author_name = models.CharField(max_length=80)
    is_pinned = models.BooleanField(default=False)
    is_locked = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    # Denormalised; updated with F() by forums.services only. reply_count counts visible
    # replies (the opening post is not a reply).
    reply_count = models.PositiveIntegerField(default=0, editable=False)
    view_count = models.PositiveIntegerField(default=0, editable=False)
    last_post_at = models.DateTimeField(default=timezone.now, editable=False)
    last_poster = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_poster_name = models.CharField(max_length=80, blank=True)
    accepted_answer = models.ForeignKey(
        "forums.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tags = models.ManyToManyField("forums.Tag", blank=True, related_name="topics")
    # Merged into another topic by a moderator: this one is closed and points there.
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [
            # A category's topic list: pinned first, then last activity.
            models.Index(
                fields=["category", "-is_pinned", "-last_post_at"],
                name="forums_topic_category_list_idx",
            ),
            # "Latest" across categories.
            models.Index(fields=["-last_post_at"], name="forums_topic_latest_idx"),
            # "Latest" with pinned topics first: read in order, stopping at the page's end,
            # instead of sorting every visible topic.
            models.Index(
                fields=["-is_pinned", "-last_post_at", "-id"], name="forums_topic_pinned_latest_idx"
            ),
            # A shared list page's version: the newest change among all topics, or among a
            # category's (forums.page_cache.lists), read from the index's end.
            models.Index(fields=["updated_at"], name="forums_topic_changed_idx"),
            models.Index(fields=["category", "updated_at"], name="forums_topic_cat_changed_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_solved(self) -> bool:
        return self.accepted_answer_id is not None

    def get_absolute_url(self) -> str:
        return reverse("forums:topic-detail", args=[self.pk, self.slug])
