from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower

from community.db import BaseModel
from members.validators import validate_username_characters


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

    class Meta:
        constraints = [
            # "Alice" and "alice" are one handle.
            models.UniqueConstraint(Lower("username"), name="members_user_username_ci_unique")
        ]
        permissions = [
            ("view_member_directory", "Can browse the member directory"),
            ("moderate_community", "Can moderate everywhere in the community"),
            ("view_kpi_dashboard", "Can read the KPI dashboard and 90-day plan reports"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def public_name(self) -> str:
        return self.display_name or self.username
