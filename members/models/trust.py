from django.conf import settings
from django.db import models

from community.db import BaseModel
from members.models.user import TrustLevel


class TrustLevelChange(BaseModel):
    """A member's trust level moved from `from_level` to `to_level` at `changed_at`.

    The user row keeps only the current level; this history is what lets the metrics count
    who rose to a level in a window. Written by members.services.trust (one row per change,
    never per request): the nightly recompute, and a community manager setting the level in
    the admin (`changed_by`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trust_level_changes"
    )
    from_level = models.PositiveSmallIntegerField(choices=TrustLevel.choices)
    to_level = models.PositiveSmallIntegerField(choices=TrustLevel.choices)
    changed_at = models.DateTimeField()
    # Empty when the nightly recompute made the change.
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        indexes = [
            # Windows of the trust-level KPI read a range of changes.
            models.Index(fields=["changed_at"], name="members_trust_change_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.from_level} → {self.to_level} at {self.changed_at}"
