"""Community managers run the library in the admin; saves go through the services and
uploads through the same checks."""

import html
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from library.models import Collection, FileVersion, LibraryAccess, Resource, ResourceKind
from library.storage import library_storage
from library.uploads import ZIP_MAX_ENTRIES, ZIP_MAX_UNPACKED_BYTES
from tests.library.conftest import client_for
from tests.library.factories import ResourceFactory, pdf_upload

pytestmark = pytest.mark.django_db


def resource_form(**overrides):
    data = {
        "kind": ResourceKind.FILE,
        "title": "Partner handbook",
        "slug": "partner-handbook",
        "summary": "",
        "body": "",
        "url": "",
        "access": LibraryAccess.MEMBERS,
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
        "versions-MIN_NUM_FORMS": "0",
        "versions-MAX_NUM_FORMS": "1000",
        "credits-TOTAL_FORMS": "0",
        "credits-INITIAL_FORMS": "0",
        "credits-MIN_NUM_FORMS": "0",
        "credits-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_a_manager_adds_a_file_resource_in_the_admin(manager):
    admin = client_for(manager)
    response = admin.post(
        reverse("admin:library_resource_add"),
        resource_form(new_file=pdf_upload("Handbook.pdf")),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    resource = Resource.objects.get(slug="partner-handbook")
    assert resource.owner == manager
    version = resource.versions.get()
    assert (version.number, version.original_name) == (1, "Handbook.pdf")

    changed = admin.post(
        reverse("admin:library_resource_change", args=[resource.pk]),
        resource_form(new_file=pdf_upload("Handbook 2.pdf")),
    )
    assert changed.status_code == 302
    assert list(resource.versions.order_by("number").values_list("number", flat=True)) == [1, 2]
    page = admin.get(reverse("admin:library_resource_change", args=[resource.pk]))
    assert page.status_code == 200
    assert "Handbook 2.pdf" in page.content.decode()


def test_the_admin_refuses_html_disguised_as_a_pdf_with_a_form_error(manager):
    response = client_for(manager).post(
        reverse("admin:library_resource_add"),
        resource_form(new_file=pdf_upload("x.pdf", b"<html><script>alert(1)</script></html>")),
    )
    assert response.status_code == 200
    assert "Web pages (HTML) can&#x27;t be uploaded" in response.content.decode()
    assert not Resource.objects.exists()


def test_the_admin_asks_a_file_resource_for_its_file(manager):
    response = client_for(manager).post(reverse("admin:library_resource_add"), resource_form())
    assert response.status_code == 200
    assert "needs a file" in response.content.decode()


def test_a_manager_makes_an_ordered_collection_in_the_admin(manager):
    first, second = ResourceFactory.create_batch(2)
    response = client_for(manager).post(
        reverse("admin:library_collection_add"),
        {
            "title": "Start here",
            "slug": "start-here",
            "summary": "",
            "access": LibraryAccess.PUBLIC,
            "is_featured": "on",
            "items-TOTAL_FORMS": "2",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
            "items-0-resource": str(first.pk),
            "items-0-position": "2",
            "items-1-resource": str(second.pk),
            "items-1-position": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    collection = Collection.objects.get(slug="start-here")
    assert collection.is_featured
    assert list(collection.items.values_list("resource_id", flat=True)) == [second.pk, first.pk]


def test_members_cannot_reach_the_library_admin(client_as_member):
    response = client_as_member.get(reverse("admin:library_resource_changelist"))
    assert response.status_code in {302, 403}


def test_the_admin_lists_render_for_a_manager(manager, file_resource):
    admin = client_for(manager)
    for name in ("resource", "collection"):
        assert admin.get(reverse(f"admin:library_{name}_changelist")).status_code == 200
    assert admin.get(reverse("admin:library_resource_add")).status_code == 200
    page = admin.get(reverse("admin:library_resource_change", args=[file_resource.pk]))
    assert "Onboarding guide.pdf" in page.content.decode()


# --- Refusals the manager sees on the form; nothing is stored --------------------------------


def office_bomb(unpacked_mb: int) -> bytes:
    """A Word document whose one part unpacks to `unpacked_mb` MB of zeros: some hundreds of
    KB on the wire, written in chunks so the test never holds the unpacked data."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(unpacked_mb):
                part.write(chunk)
    return buffer.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares `width`×`height` pixels and holds next to none: what a
    decompression bomb looks like to whoever reads its header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def stored_files() -> set[Path]:
    return {path for path in Path(library_storage().location).rglob("*") if path.is_file()}


def refused_upload(manager, **files) -> str:
    """The admin page after a refused upload, its HTML unescaped; nothing was stored."""
    before = stored_files()
    response = client_for(manager).post(
        reverse("admin:library_resource_add"), resource_form(**files)
    )
    assert response.status_code == 200
    assert not Resource.objects.exists()
    assert not FileVersion.objects.exists()
    assert stored_files() == before
    return html.unescape(response.content.decode())


def test_the_admin_refuses_a_zip_bomb_dressed_as_a_word_document(manager):
    bomb = office_bomb(ZIP_MAX_UNPACKED_BYTES // (1024 * 1024) + 1)
    assert len(bomb) < 2 * 1024 * 1024
    page = refused_upload(manager, new_file=SimpleUploadedFile("plan.docx", bomb))
    assert "The file unpacks to far more data than a document holds; it was refused." in page


def test_the_admin_refuses_a_zip_with_more_entries_than_a_document_has(manager):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        for n in range(ZIP_MAX_ENTRIES):
            archive.writestr(f"word/media/{n}.xml", b"")
    page = refused_upload(manager, new_file=SimpleUploadedFile("plan.docx", buffer.getvalue()))
    assert "The file unpacks to far more data than a document holds" in page


@pytest.mark.parametrize(
    ("width", "height", "message"),
    [
        # Past Pillow's own limit: refused before its size can be read back.
        (100_000, 100_000, "The image has far too many pixels; the most allowed is 40 megapixels."),
        (9_500, 9_500, "The image has far too many pixels; the most allowed is 40 megapixels."),
        (8_000, 8_000, "The image is 8000×8000 pixels; the most allowed is 40 megapixels."),
    ],
    ids=["bomb", "pillow-warning", "64-mp"],
)
def test_the_admin_refuses_an_image_bomb_as_a_file_and_as_a_cover(manager, width, height, message):
    bomb = png_header(width, height)
    page = refused_upload(manager, new_file=SimpleUploadedFile("poster.png", bomb))
    assert message in page
    page = refused_upload(
        manager,
        kind=ResourceKind.ARTICLE,
        body="Words.",
        new_cover=SimpleUploadedFile("cover.png", bomb, content_type="image/png"),
    )
    assert "megapixels" in page


def test_the_admin_refuses_a_program_named_pdf(manager):
    program = b"MZ\x90\x00\x03" + b"\x00" * 200
    page = refused_upload(manager, new_file=pdf_upload("invoice.pdf", program))
    assert "Programs and scripts can't be shared in the library." in page


def test_the_admin_refuses_an_svg_with_a_script(manager):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    page = refused_upload(
        manager, new_file=SimpleUploadedFile("diagram.svg", svg, content_type="image/svg+xml")
    )
    assert "SVG images can contain scripts, so the library doesn't take them." in page
    page = refused_upload(
        manager, new_file=SimpleUploadedFile("diagram.png", svg, content_type="image/png")
    )
    assert "Export it as PNG and upload that." in page
