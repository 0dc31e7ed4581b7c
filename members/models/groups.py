from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from community.db import BaseModel
from members.access import GrantModelMixin, GroupGrantManager, UserGrantManager


class GroupVisibility(models.TextChoices):
    LISTED = "listed", "Listed: anyone who can see the community finds it"
    HIDDEN = "hidden", "Hidden: only its members and managers know it exists"


class JoinPolicy(models.TextChoices):
    OPEN = "open", "Open: any member can join"
    REQUEST = "request", "Ask to join: a group manager approves"
    INVITATION = "invitation", "Invitation only"


class GroupProfile(BaseModel):
    """A private space. Membership *is* the Django auth Group's membership, so access that
    other apps grant to the group (a private category, a library collection) reaches
    every member with no per-member rows to keep in sync."""

    group = models.OneToOneField(
        Group, on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(max_length=2000, blank=True, help_text="Markdown")
    description_html = models.TextField(blank=True, editable=False)
    cover_image = models.ImageField(upload_to="groups/", blank=True)
    visibility = models.CharField(
        max_length=8, choices=GroupVisibility.choices, default=GroupVisibility.LISTED
    )
    join_policy = models.CharField(
        max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.REQUEST
    )
    # Denormalised for the group list; updated by the membership services.
    member_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["group__name"]
        permissions = [("manage_groupprofile", "Can manage the group's members and settings")]

    def __str__(self) -> str:
        return self.group.name

    @property
    def name(self) -> str:
        return self.group.name


class GroupProfileUserObjectPermission(GrantModelMixin, UserObjectPermissionBase):
    """Direct-FK guardian table: deleting a group deletes its grants (no orphans).
    Every write replaces the community's access version (members.access)."""

    content_object = models.ForeignKey(GroupProfile, on_delete=models.CASCADE)
    objects = UserGrantManager()


class GroupProfileGroupObjectPermission(GrantModelMixin, GroupObjectPermissionBase):
    content_object = models.ForeignKey(GroupProfile, on_delete=models.CASCADE)
    objects = GroupGrantManager()


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    WITHDRAWN = "withdrawn", "Withdrawn"


class GroupMembershipRequest(BaseModel):
    group_profile = models.ForeignKey(
        GroupProfile, on_delete=models.CASCADE, related_name="membership_requests"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_requests"
    )
    message = models.TextField(max_length=1000, blank=True)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group_profile", "user"],
                condition=models.Q(status="pending"),
                name="members_one_pending_request_per_group",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} asks to join {self.group_profile_id}"


class GroupInvitation(BaseModel):
    """An invitation by e-mail. The link carries a signed, expiring token naming this row;
    the row records who accepted and whether they signed up through it (a member-acquisition
    source for metrics)."""

    group_profile = models.ForeignKey(
        GroupProfile, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accepted_group_invitations",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_account = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["group_profile", "email"], name="members_invite_email_idx")]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.group_profile_id}"
