"""Images members upload to put in their posts (docs/writing-posts.md)."""

import logging
import posixpath
import re
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from community.images import image_normalize
from community.ratelimit import RateLimit, rate_limit_hit
from forums.models import Draft, Post, PostImage, PostRevision
from forums.permissions import check_not_suspended
from forums.services.limits import DAY
from members.models import TrustLevel, User
from members.permissions import is_community_member

IMAGE_MAX_BYTES = 10 * 1024 * 1024
IMAGE_MAX_SIZE = (1600, 1600)  # wide enough for a screenshot, small enough for a phone
IMAGE_ALT_MAX_LENGTH = 120
UPLOAD_LIMITS = (
    RateLimit(count=10, seconds=10 * 60, description="10 image uploads every 10 minutes"),
    RateLimit(count=50, seconds=DAY, description="50 image uploads a day"),
)
# As Discourse's orphan-upload grace period: long enough to finish a post, and a draft keeps
# its images for as long as it lives.
UNUSED_IMAGE_GRACE = timedelta(days=2)
UNUSED_IMAGE_BATCH = 500

logger = logging.getLogger(__name__)

NEW_MEMBER_UPLOAD_LIMITS = (
    RateLimit(count=5, seconds=DAY, description="5 image uploads a day for new members"),
)


def image_alt_clean(alt: str) -> str:
    """Alt text safe inside Markdown's `![...]`: one line, no brackets."""
    alt = re.sub(r"[\[\]\\\x00-\x1f\x7f]", " ", alt or "")
    return " ".join(alt.split())[:IMAGE_ALT_MAX_LENGTH] or "image"


def image_markdown(*, image: PostImage, alt: str = "") -> str:
    return f"![{image_alt_clean(alt)}]({image.image.url})"


@transaction.atomic
def post_image_create(*, uploader: User, upload: UploadedFile) -> PostImage:
    """Validate, re-encode (metadata dropped, at most IMAGE_MAX_SIZE) and store an image for
    a post under a generated name.

    Community members who are not suspended only (PermissionDenied). The upload counts
    against the rate limits *before* it is decoded: decoding is the expensive part, so a
    flood of bad files is limited too (RateLimited). Not an image, too big, too many pixels:
    ValidationError with a message the member can act on."""
    if not is_community_member(uploader):
        raise PermissionDenied("Only community members can upload images.")
    check_not_suspended(uploader)
    if uploader.trust_level == TrustLevel.NEW:
        rate_limit_hit(scope="forum-upload-new", key=uploader.pk, limits=NEW_MEMBER_UPLOAD_LIMITS)
    rate_limit_hit(scope="forum-upload", key=uploader.pk, limits=UPLOAD_LIMITS)
    content = image_normalize(
        upload, max_bytes=IMAGE_MAX_BYTES, max_size=IMAGE_MAX_SIZE, name_prefix="post"
    )
    image = PostImage(uploader=uploader, size=content.size)
    image.image.save(content.name, content, save=False)
    image.save()
    return image


def _image_mentioned(image: PostImage) -> tuple[bool, bool]:
    """(in a post, in a draft or an edit's history) for `image`'s generated file name,
    which is random and unique. The uploader's own later posts first (an index, and where
    nearly every image ends up); then every post, quotes and moderators' edits included."""
    token = posixpath.basename(image.image.name)
    own_posts = Post.objects.filter(
        author_id=image.uploader_id, created_at__gte=image.created_at, body__contains=token
    )
    if image.uploader_id is not None and own_posts.exists():
        return True, False
    if Post.objects.filter(body__contains=token).exists():
        return True, False
    kept_elsewhere = (
        Draft.objects.filter(body__contains=token).exists()
        or PostRevision.objects.filter(body__contains=token).exists()
    )
    return False, kept_elsewhere


def unused_images_purge(*, now: datetime | None = None, batch: int = UNUSED_IMAGE_BATCH) -> int:
    """Delete the images uploaded more than UNUSED_IMAGE_GRACE ago that no post, draft or
    edit history shows (uploaded, then never posted); returns how many. An image found in a
    post is marked in use and never looked at again; one only in a draft or an old revision
    is kept and looked at again next time. Files go after the rows are committed, so a
    failure leaves a stray file, never a post pointing at a missing one."""
    now = now or timezone.now()
    candidates = PostImage.objects.filter(
        in_use_since__isnull=True, created_at__lt=now - UNUSED_IMAGE_GRACE
    ).order_by("pk")[:batch]
    in_use, unused = [], []
    for image in candidates:
        in_post, kept_elsewhere = _image_mentioned(image)
        if in_post:
            in_use.append(image.pk)
        elif not kept_elsewhere:
            unused.append(image)
    PostImage.objects.filter(pk__in=in_use).update(in_use_since=now, updated_at=now)
    if not unused:
        return 0
    names = [image.image.name for image in unused]
    storage = unused[0].image.storage
    with transaction.atomic():
        # Not one that a concurrent run has found in use meanwhile.
        deleted, _ = PostImage.objects.filter(
            pk__in=[image.pk for image in unused], in_use_since__isnull=True
        ).delete()

    def delete_files() -> None:
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("could not delete unused forum image %s", name, exc_info=True)

    transaction.on_commit(delete_files)
    return deleted
