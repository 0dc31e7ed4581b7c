from django.conf import settings
from django.db import models

from community.db import BaseModel


class FlagReason(models.TextChoices):
    SPAM = "spam", "Spam"
    OFF_TOPIC = "off_topic", "Off-topic"
    ABUSIVE = "abusive", "Abusive or harassing"
    OTHER = "other", "Something else"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Waiting for review"
    UPHELD = "upheld", "Upheld: the post was hidden"
    DISMISSED = "dismissed", "Dismissed"


class Flag(BaseModel):
    post = models.ForeignKey("forums.Post", on_delete=models.CASCADE, related_name="flags")
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(max_length=12, choices=FlagReason.choices)
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "flagger"], name="forums_flag_once_per_member")
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="forums_flag_open_idx",
                condition=models.Q(status="open"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} flag on post {self.post_id}"


class ModerationAction(models.TextChoices):
    HIDE = "hide", "Hid a post"
    RESTORE = "restore", "Restored a post"
    AUTO_HIDE = "auto_hide", "Flags hid a post"
    DISMISS_FLAGS = "dismiss_flags", "Dismissed flags"
    EDIT = "edit", "Edited a post"
    LOCK = "lock", "Locked a topic"
    UNLOCK = "unlock", "Unlocked a topic"
    PIN = "pin", "Pinned a topic"
    UNPIN = "unpin", "Unpinned a topic"
    MOVE = "move", "Moved a topic"
    MERGE = "merge", "Merged a topic"
    SUSPEND = "suspend", "Suspended a member"
    UNSUSPEND = "unsuspend", "Lifted a suspension"


class ModerationEvent(BaseModel):
    """The moderation log: every moderation action, by whom, on what, and why. Written by
    forums.services.moderation in the same transaction as the action; never edited."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=16, choices=ModerationAction.choices)
    category = models.ForeignKey(
        "forums.Category", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    topic = models.ForeignKey(
        "forums.Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    post = models.ForeignKey(
        "forums.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["-created_at"], name="forums_modevent_recent_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"
