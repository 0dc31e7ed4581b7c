"""Validate and re-encode uploaded images: size cap before decoding,
a format allow-list checked on the bytes (not the name), a pixel cap against decompression
bombs, and a re-encode that drops metadata and anything hidden after the image data. The
stored name is generated; the uploaded name is never used as a path."""

import io
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
MAX_PIXELS = 40_000_000  # Discourse's max_image_megapixels
# Pillow refuses the largest images itself, before their size can be read back.
TOO_MANY_PIXELS = "The image has far too many pixels; the most allowed is 40 megapixels."


def image_normalize(
    upload,
    *,
    max_bytes: int,
    max_size: tuple[int, int],
    name_prefix: str,
) -> ContentFile:
    """Return a re-encoded copy of `upload` no larger than `max_size`, or raise
    ValidationError with a message a member can act on."""
    if upload.size > max_bytes:
        raise ValidationError(
            "The image is %(size)s; the largest allowed is %(max)s.",
            code="image_too_large",
            params={"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)},
        )
    upload.seek(0)
    data = upload.read()
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 89 and 179 megapixels; treat that as the error it is.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
        with probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(
                    "The image is %(w)s×%(h)s pixels; the most allowed is 40 megapixels.",
                    code="image_too_many_pixels",
                    params={"w": probe.width, "h": probe.height},
                )
            probe.verify()
        with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as image:
            image.load()
            has_alpha = image.mode in ("RGBA", "LA", "P")
            image = image.convert("RGBA" if has_alpha else "RGB")
            image.thumbnail(max_size)
            buffer = io.BytesIO()
            if has_alpha:
                image.save(buffer, format="PNG", optimize=True)
                extension = "png"
            else:
                image.save(buffer, format="JPEG", quality=88, optimize=True)
                extension = "jpg"
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(TOO_MANY_PIXELS, code="image_too_many_pixels") from exc
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
    ) as exc:
        raise ValidationError(
            "Upload a PNG, JPEG, GIF or WebP image. The file you chose is not one "
            "(or it is damaged).",
            code="not_an_image",
        ) from exc
    return ContentFile(buffer.getvalue(), name=f"{name_prefix}-{uuid.uuid4().hex}.{extension}")
