from django.conf import settings
from django.db import models

from community.db import BaseModel


class MemberApplication(BaseModel):
    """What a person told us at sign-up when the community approves new accounts by hand
    (SiteBranding.approve_new_members). The decision lives on User.approval_status."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="application",
    )
    company = models.CharField(max_length=120, blank=True)
    headline = models.CharField(max_length=120, blank=True)
    reason = models.TextField(max_length=1000, blank=True, help_text="Why they want to join")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(max_length=1000, blank=True)

    def __str__(self) -> str:
        return f"Application of {self.user_id}"
