from django.conf import settings
from django.db import models

from community.db import BaseModel
from community.markdown import MAX_MARKDOWN_LENGTH

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
    )
    author_name = models.CharField(max_length=80)
    body = models.TextField(max_length=POST_BODY_MAX_LENGTH)
    html = models.TextField(editable=False)
    is_opening = models.BooleanField(default=False)
    # Moderation hides, never deletes (DESIGN.md).
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=500, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["topic", "created_at"], name="forums_post_topic_idx")]

    def __str__(self) -> str:
        return f"Post {self.pk} in topic {self.topic_id}"
