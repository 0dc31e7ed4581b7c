"""Images members upload to put in their posts (docs/writing-posts.md)."""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from PIL import Image

from community.images import image_normalize
from community.ratelimit import RateLimit, rate_limit_hit
from forums.models import PostImage
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
NEW_MEMBER_UPLOAD_LIMITS = (
    RateLimit(count=5, seconds=DAY, description="5 image uploads a day for new members"),
)


def image_alt_clean(alt: str) -> str:
    """Alt text safe inside Markdown's `![...]`: one line, no brackets."""
    alt = re.sub(r"[\[\]\\\x00-\x1f\x7f]", " ", alt or "")
    return " ".join(alt.split())[:IMAGE_ALT_MAX_LENGTH] or "image"


def image_markdown(*, image: PostImage, alt: str = "") -> str:
    return f"![{image_alt_clean(alt)}]({image.image.url})"


def _image_normalize(upload: UploadedFile):
    try:
        return image_normalize(
            upload, max_bytes=IMAGE_MAX_BYTES, max_size=IMAGE_MAX_SIZE, name_prefix="post"
        )
    except ValidationError as exc:
        # Pillow refuses the largest bombs itself, which community.images reports as "not an
        # image": say what is actually wrong.
        if isinstance(exc.__cause__, Image.DecompressionBombError | Image.DecompressionBombWarning):
            raise ValidationError(
                "The image has far too many pixels; the most allowed is 40 megapixels.",
                code="image_too_many_pixels",
            ) from exc
        raise


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
    content = _image_normalize(upload)
    image = PostImage(uploader=uploader, size=content.size)
    image.image.save(content.name, content, save=False)
    image.save()
    return image
