from django.conf import settings
from django.db import models
from django.utils.text import Truncator

from community.db import BaseModel
from community.markdown import MAX_MARKDOWN_LENGTH, html_to_text

POST_BODY_MAX_LENGTH = MAX_MARKDOWN_LENGTH  # 32,000, Discourse's max_post_length


class Post(BaseModel):
    """A topic's opening post or a reply. `body` is the member's Markdown, kept as written;
    `html` is rendered and sanitised once, at write time (community.markdown)."""

    topic = models.ForeignKey("forums.Topic", on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="forum_posts",
        db_index=False,  # forums_post_author_idx starts with it
    )
    author_name = models.CharField(max_length=80)
    body = models.TextField(max_length=POST_BODY_MAX_LENGTH)
    html = models.TextField(editable=False)
    is_opening = models.BooleanField(default=False)
    # Moderation hides, never deletes.
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=500, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The moderator who hid it; empty when the author deleted it or flags did.",
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    edit_count = models.PositiveIntegerField(default=0, editable=False)
    # Denormalised total of reactions, kept with F() by forums.services.reactions; the
    # per-kind counts of a page's posts come from one GROUP BY.
    reaction_count = models.PositiveIntegerField(default=0, editable=False)

    # Indexed by forums_post_window_idx below, which starts with it.
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["topic", "created_at"], name="forums_post_topic_idx"),
            # A member's posts in time order (profile lists, "first post ever" for metrics).
            models.Index(fields=["author", "created_at"], name="forums_post_author_idx"),
            # The posts of a time window with what the KPIs filter and group by, read from
            # the index alone on PostgreSQL (an index-only scan; docs/performance.md has the
            # measurement). SQLite has no INCLUDE and builds a plain created_at index.
            models.Index(
                fields=["created_at"],
                include=["id", "author", "topic", "is_hidden", "is_opening"],
                name="forums_post_window_idx",
            ),
        ]

    def __str__(self) -> str:
        # Read in admin lists, action pages and the moderation log: what was written and by
        # whom, short, from the row alone (no query for the topic).
        # The words as readers see them (no Markdown syntax) when the post has been rendered.
        text = html_to_text(self.html) if self.html else " ".join(self.body.split())
        excerpt = Truncator(text).chars(60)
        return f"“{excerpt}” by {self.author_name}" if self.author_name else f"“{excerpt}”"


class PostRevision(BaseModel):
    """The body as it was before an edit (moderators read the history). One row per edit;
    `editor` may be a moderator rather than the author."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField(
        max_length=255, blank=True, help_text="The topic title, for an opening post."
    )
    body = models.TextField(max_length=POST_BODY_MAX_LENGTH)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Revision of post {self.post_id} at {self.created_at:%Y-%m-%d %H:%M}"


class ReactionKind(models.TextChoices):
    """A small fixed set, like Discourse's: one "like" plus a few that say more."""

    LIKE = "like", "👍 Like"
    HEART = "heart", "❤️ Love"
    LAUGH = "laugh", "😄 Funny"
    INSIGHTFUL = "insightful", "💡 Insightful"
    THANKS = "thanks", "🙏 Thanks"


class Reaction(BaseModel):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_reactions"
    )
    kind = models.CharField(max_length=12, choices=ReactionKind.choices, default=ReactionKind.LIKE)

    class Meta:
        constraints = [
            # A double click or two racing requests: the database keeps one.
            models.UniqueConstraint(
                fields=["post", "user", "kind"], name="forums_reaction_once_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} post {self.post_id}"


class PostMention(BaseModel):
    """Who a post @mentions (only members who may see the post are recorded), so an edit
    notifies only the newly mentioned."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_mentions"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="forums_mention_once")]


def _upload_to(instance, filename: str) -> str:
    # The name is generated (forums.services.uploads); the member's file name is not kept.
    return f"forums/uploads/{filename}"


class PostImage(BaseModel):
    """An image a member uploaded to put in a post: validated, re-encoded and resized by
    community.images before it is stored."""

    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="forum_images",
    )
    image = models.ImageField(upload_to=_upload_to, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField(default=0, help_text="Bytes, after re-encoding.")
    in_use_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the nightly clean-up first found a post showing it; unset until then. "
        "Images still unset two days after upload, in no post, draft or edit history, are "
        "deleted (forums.services.uploads.unused_images_purge).",
    )

    def __str__(self) -> str:
        return self.image.name
