"""What the library accepts as a file, decided from the bytes, never from the name or the
browser's claim: PDF, office documents (Office Open XML and OpenDocument), images (PNG,
JPEG, GIF, WebP) and CSV. Everything else is refused with a message that says what to do,
executables, HTML and SVG (which can carry scripts) first among them. The stored name is
generated with the sniffed type's extension; the uploader's name is kept only as cleaned,
truncated metadata for the download."""

from __future__ import annotations

import re
import unicodedata
import warnings
import zipfile
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from PIL import Image, UnidentifiedImageError

from community.images import MAX_PIXELS, TOO_MANY_PIXELS

FILE_MAX_BYTES = 25 * 1024 * 1024
ORIGINAL_NAME_MAX_LENGTH = 150
# How much of a file the text checks read (CSV, the HTML sniff).
SNIFF_BYTES = 64 * 1024
# A zip whose entries unpack to more than this is refused (a zip bomb), as is one with more
# entries than any office document needs.
ZIP_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
ZIP_MAX_ENTRIES = 5000


class SniffedType(NamedTuple):
    content_type: str
    extension: str
    label: str


PDF = SniffedType("application/pdf", "pdf", "PDF")
CSV = SniffedType("text/csv", "csv", "CSV")
IMAGES = {
    "PNG": SniffedType("image/png", "png", "PNG image"),
    "JPEG": SniffedType("image/jpeg", "jpg", "JPEG image"),
    "GIF": SniffedType("image/gif", "gif", "GIF image"),
    "WEBP": SniffedType("image/webp", "webp", "WebP image"),
}
OOXML = {
    "word/": SniffedType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
        "Word document",
    ),
    "xl/": SniffedType(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        "Excel workbook",
    ),
    "ppt/": SniffedType(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
        "PowerPoint presentation",
    ),
}
OPENDOCUMENT = {
    "application/vnd.oasis.opendocument.text": SniffedType(
        "application/vnd.oasis.opendocument.text", "odt", "OpenDocument text"
    ),
    "application/vnd.oasis.opendocument.spreadsheet": SniffedType(
        "application/vnd.oasis.opendocument.spreadsheet", "ods", "OpenDocument spreadsheet"
    ),
    "application/vnd.oasis.opendocument.presentation": SniffedType(
        "application/vnd.oasis.opendocument.presentation", "odp", "OpenDocument presentation"
    ),
}

ACCEPTED = (
    "PDF, Word/Excel/PowerPoint (.docx, .xlsx, .pptx), OpenDocument, PNG, JPEG, GIF, WebP or CSV"
)

_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows executables and DLLs
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",  # Mach-O, both byte orders, 32 and 64 bit, and universal binaries
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",  # scripts
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls/.ppt, .msi
_MARKUP = re.compile(
    rb"<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|\?xml|meta|a\s|img\s|div)",
    re.IGNORECASE,
)


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def original_name_clean(name: str) -> str:
    """The uploader's file name as harmless metadata: the last path part only, no control,
    format (bidi overrides, zero-width) or path characters, truncated, never empty."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(
        char
        for char in unicodedata.normalize("NFC", name)
        if unicodedata.category(char)[0] != "C" and char not in '<>:"|?*'
    )
    name = " ".join(name.split()).strip(". ")
    if len(name) > ORIGINAL_NAME_MAX_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 10:
            name = stem[: ORIGINAL_NAME_MAX_LENGTH - len(extension) - 1] + "." + extension
        else:
            name = name[:ORIGINAL_NAME_MAX_LENGTH]
    return name or "file"


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def file_sniff(upload, *, max_bytes: int = FILE_MAX_BYTES) -> SniffedType:
    """The type of `upload` (a Django File) judged from its bytes, or ValidationError with a
    message the uploader can act on. Reads at most SNIFF_BYTES plus what the format checks
    need (a zip's directory, an image's header)."""
    size = upload.size
    if size is None or size > max_bytes:
        raise _refuse(
            f"The file is {filesizeformat(size or 0)}; the largest allowed is "
            f"{filesizeformat(max_bytes)}. Compress it or split it, then upload again.",
            "file_too_large",
        )
    if size == 0:
        raise _refuse("The file is empty.", "file_empty")
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    claimed = _extension(getattr(upload, "name", "") or "")

    if head.startswith(_EXECUTABLE_MAGIC):
        raise _refuse(
            "Programs and scripts can't be shared in the library. Share a document instead "
            f"({ACCEPTED}).",
            "file_executable",
        )
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _zip_sniff(upload)
    if head.startswith(_OLE_MAGIC):
        raise _refuse(
            "Older Office files (.doc, .xls, .ppt) can carry macros and are not accepted. "
            "Save it as .docx, .xlsx or .pptx (or as a PDF) and upload that.",
            "file_legacy_office",
        )
    image = _image_sniff(upload)
    if image is not None:
        return image
    if _MARKUP.search(head.lstrip()[:1024]) or head.lstrip()[:1] == b"<":
        if b"<svg" in head.lower():
            raise _refuse(
                "SVG images can contain scripts, so the library doesn't take them. Export "
                "it as PNG and upload that.",
                "file_svg",
            )
        raise _refuse(
            "Web pages (HTML) can't be uploaded: they could run scripts. Save it as a PDF, "
            "or add it as a link resource instead.",
            "file_html",
        )
    if claimed == "csv":
        return _csv_sniff(head)
    if claimed == "pdf":
        raise _refuse(
            "This file is named .pdf but its content is not a PDF. Export it as a PDF again "
            "and upload that.",
            "file_not_pdf",
        )
    raise _refuse(
        f"This kind of file isn't accepted. The library takes {ACCEPTED}.",
        "file_type",
    )


def _zip_sniff(upload) -> SniffedType:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            if len(entries) > ZIP_MAX_ENTRIES or (
                sum(entry.file_size for entry in entries) > ZIP_MAX_UNPACKED_BYTES
            ):
                raise _refuse(
                    "The file unpacks to far more data than a document holds; it was refused.",
                    "file_zip_bomb",
                )
            names = {entry.filename for entry in entries}
            if "mimetype" in names:
                # Read only its start: the entry may declare up to the whole allowance.
                with archive.open("mimetype") as entry:
                    mimetype = entry.read(100).decode("ascii", "replace").strip()
                if mimetype in OPENDOCUMENT:
                    return OPENDOCUMENT[mimetype]
            if "[Content_Types].xml" in names:
                if any(name.lower().endswith("vbaproject.bin") for name in names):
                    raise _refuse(
                        "Documents with macros can't be shared in the library. Save it "
                        "without macros (.docx, .xlsx, .pptx) and upload that.",
                        "file_macros",
                    )
                for prefix, sniffed in OOXML.items():
                    if any(name.startswith(prefix) for name in names):
                        return sniffed
    except zipfile.BadZipFile as exc:
        raise _refuse("The file is damaged: it could not be opened.", "file_damaged") from exc
    finally:
        upload.seek(0)
    raise _refuse(f"Zip archives aren't accepted. The library takes {ACCEPTED}.", "file_archive")


def _image_sniff(upload) -> SniffedType | None:
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=tuple(IMAGES)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise _refuse(
                        f"The image is {image.width}×{image.height} pixels; the most allowed "
                        "is 40 megapixels.",
                        "image_too_many_pixels",
                    )
                image.verify()
                return IMAGES[image.format]
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow recognised an image and refused its size: say so, not "not accepted".
        raise _refuse(TOO_MANY_PIXELS, "image_too_many_pixels") from exc
    except UnidentifiedImageError:
        return None
    except (OSError, SyntaxError, ValueError) as exc:
        raise _refuse("The image is damaged: it could not be read.", "image_damaged") from exc
    finally:
        upload.seek(0)


def _csv_sniff(head: bytes) -> SniffedType:
    if b"\x00" in head:
        raise _refuse("This file is named .csv but it is not text.", "file_not_csv")
    try:
        # The cut may fall inside a character: ignore an incomplete last one.
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            raise _refuse(
                "The CSV file is not UTF-8 text. Save it as 'CSV UTF-8' and upload again.",
                "file_csv_encoding",
            ) from exc
    return CSV


# --- Refusing an oversized upload before it is stored ---------------------------------------

# Room for the form's other fields beside the file in the same request.
REQUEST_OVERHEAD_BYTES = 1024 * 1024


def too_large_message(max_bytes: int = FILE_MAX_BYTES) -> str:
    return (
        f"The file is larger than {filesizeformat(max_bytes)}, the largest allowed. "
        "Compress it or split it, then upload again."
    )


class UploadLimitHandler(FileUploadHandler):
    """Refuses a file over `max_bytes` while the request is read, before Django writes it
    to a temporary file: at once when the request's Content-Length already says it is too
    big, else as soon as the bytes received pass the limit. The file is skipped (its bytes
    are read off the connection and dropped) and `request.upload_refusals` maps its field
    to the message the form shows (library.admin)."""

    def __init__(self, request=None, *, max_bytes: int = FILE_MAX_BYTES):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.request_too_large = False
        request.upload_refusals = {}

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_too_large = content_length > self.max_bytes + REQUEST_OVERHEAD_BYTES
        return None

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        if self.request_too_large:
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.max_bytes:
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None

    def _refuse(self):
        self.request.upload_refusals[self.field_name] = too_large_message(self.max_bytes)
        raise SkipFile()


def upload_limit_middleware(get_response):
    """Puts UploadLimitHandler first on the library's upload pages (the admin's library
    pages), before anything reads the request's body."""

    def middleware(request):
        if request.method == "POST" and request.path.startswith(
            reverse("admin:index") + "library/"
        ):
            request.upload_handlers.insert(0, UploadLimitHandler(request))
        return get_response(request)

    return middleware
