from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils import timezone

from community.db import BaseModel
from members.validators import validate_username_characters


class TrustLevel(models.IntegerChoices):
    """Discourse's ladder: earned by taking part, recomputed nightly (members.services.trust).
    Leader is never computed; community managers grant it."""

    NEW = 0, "New"
    BASIC = 1, "Basic"
    MEMBER = 2, "Member"
    REGULAR = 3, "Regular"
    LEADER = 4, "Leader"


class ApprovalStatus(models.TextChoices):
    APPROVED = "approved", "Approved"
    PENDING = "pending", "Waiting for approval"
    DECLINED = "declined", "Declined"


def sort_name():
    """How lists order members by name: the display name, else the username, ignoring case.
    The directory orders by it and two indexes are built on exactly this expression
    (migrations 0005 and 0007), so it lives here rather than in a selector."""
    return Lower(Coalesce(NullIf("display_name", Value("")), "username"))


class User(BaseModel, AbstractUser):
    """A member account. Members sign in by e-mail (allauth keeps the addresses); the
    username is the public handle used in @mentions and profile URLs."""

    username = models.CharField(
        max_length=30,
        unique=True,
        validators=[validate_username_characters],
        help_text="3–30 characters: letters a–z, digits and . _ -",
        error_messages={"unique": "That username is taken."},
    )
    display_name = models.CharField(max_length=80, blank=True)
    # Claimed before the welcome e-mail is sent, so a retried task never sends it twice.
    welcome_email_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    trust_level = models.PositiveSmallIntegerField(
        choices=TrustLevel.choices, default=TrustLevel.NEW, db_index=True
    )
    # Updated at most once a day per member by members.middleware.MemberVisitMiddleware.
    last_seen_at = models.DateTimeField(null=True, blank=True, db_index=True)
    approval_status = models.CharField(
        max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.APPROVED
    )
    # Set when the member (or a manager) erased the account: the row stays so that content
    # keeps an author ("Former member"), but everything personal is gone.
    erased_at = models.DateTimeField(null=True, blank=True)
    # A moderator's suspension: the member may read but not post, react or flag until then
    # (forums.services.moderation.member_suspend writes both with a moderation log entry).
    suspended_until = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.CharField(max_length=500, blank=True)
    # The directory's "most helpful" sort: reactions and accepted answers received in the
    # last 90 days. Stored and refreshed nightly (members.services.trust.helpfulness_recompute)
    # because counting support acts per request took ~400 ms of SQL on 100,000 members.
    helpful_score = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        constraints = [
            # "Alice" and "alice" are one handle.
            models.UniqueConstraint(Lower("username"), name="members_user_username_ci_unique")
        ]
        indexes = [
            models.Index(
                fields=["approval_status"],
                name="members_user_pending_idx",
                condition=models.Q(approval_status="pending"),
            ),
            # The "most helpful" sort walks this index: score, then the name sort's tiebreak.
            models.Index(
                F("helpful_score").desc(), sort_name(), F("id"), name="members_user_helpful_idx"
            ),
        ]
        permissions = [
            ("view_member_directory", "Can browse the member directory"),
            ("moderate_community", "Can moderate everywhere in the community"),
            ("view_kpi_dashboard", "Can read the KPI dashboard and 90-day plan reports"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > timezone.now()

    @property
    def public_name(self) -> str:
        if self.erased_at:
            return "Former member"
        return self.display_name or self.username
