from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from timezone_field import TimeZoneField

from community.db import BaseModel


class Visibility(models.TextChoices):
    """Who may see one profile field. Enforced by members.visibility on the profile page,
    the directory, search and exports alike."""

    PUBLIC = "public", "Everyone"
    MEMBERS = "members", "Signed-in members"
    PRIVATE = "private", "Only me"


def _visibility_field(default: str) -> models.CharField:
    return models.CharField(max_length=8, choices=Visibility.choices, default=default)


# The profile fields that carry their own visibility, in display order. The display name,
# username, avatar, trust level and "member since" are always public: content needs an
# author people can recognise.
VISIBLE_FIELDS = ("headline", "company", "location", "time_zone", "bio", "expertise", "links",
                  "last_seen")  # fmt: skip


class ExpertiseTag(BaseModel):
    name = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Profile(BaseModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    headline = models.CharField(max_length=120, blank=True, help_text="Job title or a short line")
    company = models.CharField(max_length=120, blank=True, db_index=True)
    location = models.CharField(max_length=120, blank=True)
    time_zone = TimeZoneField(blank=True, null=True)
    bio = models.TextField(max_length=5000, blank=True, help_text="Markdown")
    bio_html = models.TextField(blank=True, editable=False)
    website = models.URLField(
        max_length=300, blank=True, validators=[URLValidator(schemes=["http", "https"])]
    )
    # [{"label": "LinkedIn", "url": "https://…"}, …]; http(s) only, checked by the form.
    social_links = models.JSONField(default=list, blank=True)
    expertise = models.ManyToManyField(ExpertiseTag, blank=True, related_name="profiles")
    avatar = models.ImageField(upload_to="avatars/", blank=True)

    headline_visibility = _visibility_field(Visibility.PUBLIC)
    company_visibility = _visibility_field(Visibility.MEMBERS)
    location_visibility = _visibility_field(Visibility.MEMBERS)
    time_zone_visibility = _visibility_field(Visibility.MEMBERS)
    bio_visibility = _visibility_field(Visibility.PUBLIC)
    expertise_visibility = _visibility_field(Visibility.PUBLIC)
    links_visibility = _visibility_field(Visibility.PUBLIC)
    last_seen_visibility = _visibility_field(Visibility.MEMBERS)

    def __str__(self) -> str:
        return f"Profile of {self.user_id}"
