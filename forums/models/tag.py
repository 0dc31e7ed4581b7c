from django.db import models
from django.urls import reverse

from community.db import BaseModel


class Tag(BaseModel):
    """Community managers define tags (members pick from them, never invent them); a tag
    with categories is offered only there, one without is offered everywhere."""

    name = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(max_length=40, unique=True)
    description = models.CharField(max_length=300, blank=True)
    categories = models.ManyToManyField(
        "forums.Category",
        blank=True,
        related_name="tags",
        help_text="Leave empty to allow the tag in every category.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("forums:tag-detail", args=[self.slug])
