"""The content library: resources (a file with its versions, an external link, or an article
written in Markdown) and curated collections of them.

Access works as it does for forum categories (forums.models.category): `access` is public,
members or private, and a private resource or collection is opened to auth Groups (a private
group's group) by guardian object grants in direct-FK tables whose every write replaces the
community's access version (members.access)."""

import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.validators import MaxLengthValidator, URLValidator
from django.db import models
from django.urls import reverse
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from community.db import BaseModel
from community.markdown import MAX_MARKDOWN_LENGTH
from library.storage import library_storage
from members.access import GrantModelMixin, GroupGrantManager, UserGrantManager


class LibraryAccess(models.TextChoices):
    PUBLIC = "public", "Public: anyone who can see the community"
    MEMBERS = "members", "Members only: signed-in community members"
    PRIVATE = "private", "Private: only the groups granted 'view' on it"


class ResourceKind(models.TextChoices):
    FILE = "file", "File"
    LINK = "link", "External link"
    ARTICLE = "article", "Article"


# A video is a link resource: the library hosts no video and embeds none (the CSP allows
# no third-party frames). A link to one of these hosts (or their subdomains) is labelled
# "Video", judged from the address alone; nothing is fetched.
VIDEO_HOSTS = ("youtube.com", "youtu.be", "youtube-nocookie.com", "vimeo.com")
VIDEO_LABEL = "Video"


def is_video_url(url: str) -> bool:
    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return False
    return any(host == known or host.endswith("." + known) for known in VIDEO_HOSTS)


def _file_path(instance, filename: str) -> str:
    # Never the uploaded name: a random folder and name per file (the service passes a
    # generated name with the sniffed extension), so a path can be neither guessed nor abused.
    return f"files/{uuid.uuid4().hex}/{filename}"


def _cover_path(instance, filename: str) -> str:
    return f"covers/{uuid.uuid4().hex}/{filename}"


class Resource(BaseModel):
    kind = models.CharField(max_length=10, choices=ResourceKind.choices)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    # A TextField's max_length only sizes the admin's box: the validator makes full_clean
    # enforce it.
    summary = models.TextField(max_length=1000, blank=True, validators=[MaxLengthValidator(1000)])
    # Articles: the Markdown source, and the sanitised HTML rendered from it at write time.
    body = models.TextField(
        blank=True,
        max_length=MAX_MARKDOWN_LENGTH,
        validators=[MaxLengthValidator(MAX_MARKDOWN_LENGTH)],
        help_text="Articles: Markdown, as in forum posts.",
    )
    html = models.TextField(blank=True, editable=False)
    url = models.URLField(
        "link", max_length=2000, blank=True, validators=[URLValidator(schemes=["http", "https"])]
    )
    cover = models.ImageField(storage=library_storage, upload_to=_cover_path, blank=True)
    tags = models.ManyToManyField("forums.Tag", blank=True, related_name="library_resources")
    source_topics = models.ManyToManyField(
        "forums.Topic",
        blank=True,
        related_name="library_resources",
        help_text="Forum topics this resource grew out of.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="library_resources",
    )
    access = models.CharField(
        max_length=10, choices=LibraryAccess.choices, default=LibraryAccess.MEMBERS
    )
    is_featured = models.BooleanField(default=False)
    # Comments are a forum topic (library.services.comment_add): where it is started, when
    # the library's default category would be wider than the resource (a private resource
    # needs a private category its groups reach), and the topic once the first comment
    # made it.
    discussion_category = models.ForeignKey(
        "forums.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Where comments on this resource are discussed. Empty: the library's "
        "discussion category. A private resource needs a private category open to no "
        "group it is not open to.",
    )
    discussion_topic = models.ForeignKey(
        "forums.Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Denormalised counters, written with F() by library.services only.
    view_count = models.PositiveIntegerField(default=0, editable=False)
    download_count = models.PositiveIntegerField(default=0, editable=False)
    share_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["access", "-created_at"], name="library_res_access_new"),
            # The library's version for its cached searches (library.selectors.library_version):
            # the newest change, one index read.
            models.Index(fields=["updated_at"], name="library_res_updated"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("library:resource-detail", args=[self.slug])

    @property
    def kind_label(self) -> str:
        """The kind as readers see it: "Video" for a link to a video host."""
        if self.kind == ResourceKind.LINK and is_video_url(self.url):
            return VIDEO_LABEL
        return self.get_kind_display()


class FileVersion(BaseModel):
    """One upload of a file resource. A new upload adds a version; older ones stay."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(storage=library_storage, upload_to=_file_path, max_length=300)
    # The uploader's file name, cleaned and truncated: metadata for the download's name only.
    original_name = models.CharField(max_length=150)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    download_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["resource", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "number"], name="library_fileversion_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource} v{self.number}"


class Download(BaseModel):
    """One download: the event the library's download counts and metrics are made of."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="downloads")
    version = models.ForeignKey(FileVersion, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        # Metrics count the downloads of a window (metrics.kpis.participation).
        indexes = [models.Index(fields=["created_at"], name="library_download_created_idx")]


class ResourceViewDay(models.Model):
    """How many times a resource's page was viewed on a day (the community's day). Written
    in bulk by the periodic view flush (library.services.resource_views_apply), never by a
    page view; metrics sum the days of a window, Resource.view_count holds the total."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="view_days")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "day"], name="library_view_day_once")
        ]
        # A window's views: a range over day, whatever the number of resources.
        indexes = [models.Index(fields=["day"], name="library_view_day_idx")]

    def __str__(self) -> str:
        return f"{self.resource_id} on {self.day}: {self.views}"


class Collection(BaseModel):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(max_length=1000, blank=True, validators=[MaxLengthValidator(1000)])
    is_featured = models.BooleanField(default=False)
    access = models.CharField(
        max_length=10, choices=LibraryAccess.choices, default=LibraryAccess.MEMBERS
    )
    resources = models.ManyToManyField(
        Resource, through="CollectionItem", related_name="collections", blank=True
    )

    class Meta:
        ordering = ["-is_featured", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("library:collection-detail", args=[self.slug])


class CollectionItem(BaseModel):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "resource"], name="library_item_unique_resource"
            )
        ]

    def __str__(self) -> str:
        return f"{self.collection}: {self.resource}"


# Direct-FK guardian tables: deleting a resource or collection deletes its grants, and every
# grant written or removed replaces the community's access version (members.access).


class ResourceUserObjectPermission(GrantModelMixin, UserObjectPermissionBase):
    content_object = models.ForeignKey(Resource, on_delete=models.CASCADE)
    objects = UserGrantManager()


class ResourceGroupObjectPermission(GrantModelMixin, GroupObjectPermissionBase):
    content_object = models.ForeignKey(Resource, on_delete=models.CASCADE)
    objects = GroupGrantManager()


class CollectionUserObjectPermission(GrantModelMixin, UserObjectPermissionBase):
    content_object = models.ForeignKey(Collection, on_delete=models.CASCADE)
    objects = UserGrantManager()


class CollectionGroupObjectPermission(GrantModelMixin, GroupObjectPermissionBase):
    content_object = models.ForeignKey(Collection, on_delete=models.CASCADE)
    objects = GroupGrantManager()


# --- Community around resources -------------------------------------------------------------


class CreditRole(models.TextChoices):
    TOPIC_AUTHOR = "topic_author", "Topic author"
    ANSWER_AUTHOR = "answer_author", "Answer author"
    CONTRIBUTOR = "contributor", "Contributor"


class Credit(BaseModel):
    """A member who wrote what a resource is made of (a promoted topic's starter, its
    accepted answer's author, a quoted contributor, a suggester)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="credits")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="library_credits"
    )
    role = models.CharField(max_length=20, choices=CreditRole.choices)

    class Meta:
        ordering = ["resource", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "member"], name="library_credit_once")
        ]

    def __str__(self) -> str:
        return f"{self.member} ({self.get_role_display()}) on {self.resource}"


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a curator"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


SUGGESTION_TITLE_MAX_LENGTH = 200
SUGGESTION_TEXT_MAX_LENGTH = 2000


class Suggestion(BaseModel):
    """A member's "this belongs in the library": a curation queue for community managers."""

    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="library_suggestions"
    )
    title = models.CharField(max_length=SUGGESTION_TITLE_MAX_LENGTH)
    url = models.URLField(
        "link",
        max_length=2000,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
    )
    description = models.TextField(
        blank=True,
        max_length=SUGGESTION_TEXT_MAX_LENGTH,
        validators=[MaxLengthValidator(SUGGESTION_TEXT_MAX_LENGTH)],
    )
    reason = models.TextField(
        "why it belongs",
        max_length=SUGGESTION_TEXT_MAX_LENGTH,
        validators=[MaxLengthValidator(SUGGESTION_TEXT_MAX_LENGTH)],
    )
    collection = models.ForeignKey(
        Collection, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(
        blank=True,
        max_length=SUGGESTION_TEXT_MAX_LENGTH,
        validators=[MaxLengthValidator(SUGGESTION_TEXT_MAX_LENGTH)],
    )
    resource = models.ForeignKey(
        Resource, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"], name="library_sugg_status")]

    def __str__(self) -> str:
        return self.title


class ResourceReaction(BaseModel):
    """The forum's reaction kinds (forums.models.ReactionKind), on a resource."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="library_reactions"
    )
    kind = models.CharField(max_length=12)

    class Meta:
        constraints = [
            # A double click or two racing requests: the database keeps one.
            models.UniqueConstraint(
                fields=["resource", "user", "kind"], name="library_reaction_once_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.resource}"


class Share(BaseModel):
    """A member shared a resource's link; at most one a day per member and resource."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="library_shares"
    )
    day = models.DateField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "user", "day"], name="library_share_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} shared {self.resource} on {self.day}"
