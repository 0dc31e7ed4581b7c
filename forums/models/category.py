from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from community.db import BaseModel
from members.access import GrantModelMixin, GroupGrantManager, UserGrantManager


class CategoryAccess(models.TextChoices):
    PUBLIC = "public", "Public: anyone who can see the community"
    MEMBERS = "members", "Members only: signed-in community members"
    PRIVATE = "private", "Private: only the groups granted 'view category'"


class Category(BaseModel):
    """A place for topics. One level of sub-categories: a sub-category is seen only by those
    who can see its parent as well (forums.permissions.visible_categories).

    Private categories are reached through guardian object permissions granted to auth
    Groups (a GroupProfile's group), so joining the group is the grant."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(max_length=2000, blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Lower comes first.")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="Leave empty for a top-level category. Only one level of nesting.",
    )
    access = models.CharField(
        max_length=10, choices=CategoryAccess.choices, default=CategoryAccess.PUBLIC
    )
    is_qa = models.BooleanField(
        "Q&A category",
        default=False,
        help_text="Replies can be marked as the accepted answer.",
    )
    # Denormalised for the category list; updated with F() by forums.services only.
    topic_count = models.PositiveIntegerField(default=0, editable=False)
    post_count = models.PositiveIntegerField(default=0, editable=False)
    last_activity_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"
        # view_category (Django's default) doubles as the guardian object permission that
        # opens a private category to a group.
        permissions = [
            ("post_category", "Can post in the category"),
            ("moderate_category", "Can moderate the category"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="forums_category_not_own_parent"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id is not None:
            if self.pk is not None and self.parent_id == self.pk:
                raise ValidationError({"parent": "A category cannot be its own parent."})
            if self.parent.parent_id is not None:
                raise ValidationError(
                    {"parent": "Sub-categories go one level deep: pick a top-level category."}
                )
            if self.pk is not None and self.children.exists():
                raise ValidationError(
                    {"parent": "This category has sub-categories, so it must stay top-level."}
                )

    def get_absolute_url(self) -> str:
        return reverse("forums:category-detail", args=[self.slug])


class CategoryUserObjectPermission(GrantModelMixin, UserObjectPermissionBase):
    """Direct-FK guardian table: deleting a category deletes its grants (no orphans).
    Every write replaces the community's access version (members.access)."""

    content_object = models.ForeignKey(Category, on_delete=models.CASCADE)
    objects = UserGrantManager()


class CategoryGroupObjectPermission(GrantModelMixin, GroupObjectPermissionBase):
    content_object = models.ForeignKey(Category, on_delete=models.CASCADE)
    objects = GroupGrantManager()
