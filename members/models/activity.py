from django.conf import settings
from django.db import models

from community.db import BaseModel


class MemberVisit(BaseModel):
    """A member was active (made an authenticated request) on `day`. At most one row per
    member per day; the base of days-visited trust rules and of DAU/WAU/MAU in metrics."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="visits"
    )
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="members_visit_once_a_day")
        ]
        indexes = [models.Index(fields=["day", "user"], name="members_visit_day_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.day}"


class Follow(BaseModel):
    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following_set"
    )
    followed = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follower_set"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="members_follow_once"),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("followed")), name="members_follow_not_self"
            ),
        ]
        indexes = [models.Index(fields=["followed", "-created_at"], name="members_followers_idx")]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.followed_id}"
