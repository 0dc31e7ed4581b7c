from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from community.db import BaseModel


class SupportKind(models.TextChoices):
    """Every member-to-member act of support ("give to get"). Forum reactions, replies,
    accepted answers and library shares are recorded by the forums services when those land."""

    REACTION = "reaction", "Reacted to a post"
    REPLY = "reply", "Replied"
    ACCEPTED_ANSWER = "accepted_answer", "Answer accepted"
    SHARE = "share", "Shared"
    SHOUT_OUT = "shout_out", "Shout-out"
    FOLLOW = "follow", "Followed"
    LIBRARY_CREDIT = "library_credit", "Credited in the library"


class SupportAct(BaseModel):
    """Recorded once, by the service that performs the act (forums calls members, never the
    other way round). Append-only: the ledger and the reciprocity KPI read it."""

    giver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="support_given"
    )
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="support_received"
    )
    kind = models.CharField(max_length=20, choices=SupportKind.choices)
    # What the support was about (a post, a library item, a shout-out), when there is one.
    target_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    occurred_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(giver=models.F("receiver")), name="members_support_not_self"
            ),
            # The same act is recorded once, however often a service is retried.
            models.UniqueConstraint(
                fields=["giver", "receiver", "kind", "target_type", "target_id"],
                name="members_support_act_once",
            ),
        ]
        indexes = [
            models.Index(fields=["receiver", "-occurred_at"], name="members_support_recv_idx"),
            models.Index(fields=["giver", "-occurred_at"], name="members_support_giver_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.giver_id} → {self.receiver_id}: {self.kind}"


class ShoutOut(BaseModel):
    """'You should follow X, because …': a public recommendation on X's profile."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shout_outs_given"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shout_outs_received"
    )
    message = models.CharField(max_length=280)
    hidden_at = models.DateTimeField(null=True, blank=True)  # moderation hides, never deletes

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(author=models.F("recipient")), name="members_shout_not_self"
            )
        ]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="members_shout_recv_idx")]

    def __str__(self) -> str:
        return f"{self.author_id} → {self.recipient_id}"
