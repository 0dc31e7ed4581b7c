import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory
from PIL import Image

from community.markdown import render_markdown
from library.models import LibraryAccess, ResourceKind

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name: str = "guide.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format="PNG")
    return buffer.getvalue()


class ResourceFactory(DjangoModelFactory):
    """An article by default; file resources are made through the service (it stores the
    file), see tests/library/conftest.py."""

    class Meta:
        model = "library.Resource"

    kind = ResourceKind.ARTICLE
    title = factory.Sequence(lambda n: f"Resource {n}")
    slug = factory.Sequence(lambda n: f"resource-{n}")
    summary = "A short summary."
    body = "Some **useful** words."
    html = factory.LazyAttribute(lambda o: render_markdown(o.body))
    access = LibraryAccess.MEMBERS

    class Params:
        public = factory.Trait(access=LibraryAccess.PUBLIC)
        private = factory.Trait(access=LibraryAccess.PRIVATE)
        link = factory.Trait(kind=ResourceKind.LINK, url="https://example.org/guide", body="")


class CollectionFactory(DjangoModelFactory):
    class Meta:
        model = "library.Collection"

    title = factory.Sequence(lambda n: f"Collection {n}")
    slug = factory.Sequence(lambda n: f"collection-{n}")
    access = LibraryAccess.MEMBERS

    class Params:
        public = factory.Trait(access=LibraryAccess.PUBLIC)
        private = factory.Trait(access=LibraryAccess.PRIVATE)
        featured = factory.Trait(is_featured=True)
