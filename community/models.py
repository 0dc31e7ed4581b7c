from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from community.db import BaseModel
from community.validators import (
    validate_contrast_on_white,
    validate_hex_colour,
    validate_link_url,
)

BRANDING_ID = 1
LOGO_MAX_BYTES = 2 * 1024 * 1024


def time_zone_choices() -> list[tuple[str, str]]:
    import zoneinfo

    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class SiteBranding(BaseModel):
    """The community's look and front door: one row (id 1), edited by community managers in
    the admin and read through the cached `community.selectors.branding_get()`."""

    community_name = models.CharField(max_length=80, default="Hearth Community")
    tagline = models.CharField(max_length=160, blank=True)
    purpose = models.TextField(
        max_length=500,
        blank=True,
        help_text="What the community is for, in a sentence or two. Shown on the home page.",
    )
    welcome_text = models.TextField(
        max_length=5000,
        blank=True,
        help_text="Markdown. The welcome on the home page.",
    )
    welcome_html = models.TextField(blank=True, editable=False)
    logo = models.ImageField(
        upload_to="branding/",
        blank=True,
        help_text="PNG, JPEG, GIF or WebP, at most 2 MB. It is resized to fit 800×400.",
    )
    primary_color = models.CharField(
        max_length=7,
        default="#1f5fbf",
        validators=[validate_hex_colour],
        help_text="Header, buttons and links. White text sits on it, so it must be dark enough.",
    )
    accent_color = models.CharField(
        max_length=7,
        default="#b4531f",
        validators=[validate_hex_colour],
        help_text="Highlights and focus rings.",
    )
    members_only = models.BooleanField(
        default=False,
        help_text="Only signed-in members see anything except the sign-in and sign-up pages.",
    )
    directory_public = models.BooleanField(
        default=False,
        help_text="Visitors may browse the member directory (they still see only the profile "
        "fields members made public).",
    )
    approve_new_members = models.BooleanField(
        default=False,
        help_text="New sign-ups wait in the admin until a community manager approves them.",
    )

    time_zone = models.CharField(
        max_length=64,
        default=settings.TIME_ZONE,
        choices=time_zone_choices,
        help_text="The community's time zone: pages show times in it, and a day in the "
        "metrics (a visit, a daily snapshot) runs from midnight to midnight here.",
    )

    class Meta:
        verbose_name = "branding"
        verbose_name_plural = "branding"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=BRANDING_ID), name="branding_single_row")
        ]

    def __str__(self) -> str:
        return self.community_name

    def clean(self) -> None:
        errors = {}
        for field, minimum, use in (
            ("primary_color", 4.5, "as the background of white button text"),
            ("accent_color", 3.0, "as a highlight on the white page"),
        ):
            try:
                validate_contrast_on_white(getattr(self, field), minimum=minimum, use=use)
            except ValidationError as exc:
                errors[field] = exc
        if errors:
            raise ValidationError(errors)


class FooterLink(BaseModel):
    branding = models.ForeignKey(
        SiteBranding, on_delete=models.CASCADE, related_name="footer_links"
    )
    label = models.CharField(max_length=60)
    url = models.CharField(
        max_length=500,
        help_text="An https:// address, or a path on this site such as /about/.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        # In clean, not the field's validators: the rule can change without a migration.
        try:
            validate_link_url(self.url)
        except ValidationError as error:
            raise ValidationError({"url": error}) from None


class Notification(BaseModel):
    """One in-app notice to one member: "Maya gave you a shout-out", linking to a page on
    this site. Written only through `community.notifications` (which also keeps the cached
    unread count right); the apps that own the events (members, later forums) call it.

    `kind` is a free string, not choices: each app names its own kinds ("shout_out",
    "group_request", later "reply", "mention"…) without a migration here, and the forums'
    e-mail preferences key on it. `verb` is the sentence as shown, rendered
    when the event happens, so the list needs no join to the object it is about."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # community_notif_list_idx starts with it
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=40)
    verb = models.CharField(max_length=200)
    url = models.CharField(max_length=300, help_text="A path on this site, e.g. /members/maya/.")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The list page: a member's notifications, newest first (the id breaks ties
            # between rows written in the same instant).
            models.Index(
                fields=["recipient", "-created_at", "-id"], name="community_notif_list_idx"
            ),
            # The bell's unread count, "mark all read", and the unread-only lists of the
            # digests to come: unread rows are the few, read ones pile up.
            models.Index(
                fields=["recipient", "-created_at"],
                name="community_notif_unread_idx",
                condition=models.Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.verb

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class DigestFrequency(models.TextChoices):
    NEVER = "never", "Never"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


class EmailPreferences(BaseModel):
    """What a member wants by e-mail. A missing row means the defaults below (most members
    never change them, so no row is written until they do). Each switch is also reachable
    from the one-click unsubscribe link in the e-mails it governs."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    on_mention = models.BooleanField("E-mail me when someone @mentions me", default=True)
    on_reply = models.BooleanField("E-mail me when someone replies to me", default=True)
    on_outreach = models.BooleanField(
        "E-mail me now and then from the community team", default=True
    )
    digest = models.CharField(
        "Digest of watched activity",
        max_length=10,
        choices=DigestFrequency.choices,
        default=DigestFrequency.WEEKLY,
    )
    # The end of the span the last digest covered: the next one starts there, so a retried
    # or late run neither repeats nor skips activity.
    digest_sent_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "e-mail preferences"
        verbose_name_plural = "e-mail preferences"

    def __str__(self) -> str:
        return f"E-mail preferences of {self.user}"
