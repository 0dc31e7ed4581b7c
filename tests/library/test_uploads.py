"""What the library accepts, judged from the bytes."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from library.uploads import (
    CSV,
    IMAGES,
    OOXML,
    OPENDOCUMENT,
    PDF,
    file_sniff,
    original_name_clean,
)
from tests.library.factories import PDF_BYTES, png_bytes


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def office(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def refusal(file) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        file_sniff(file)
    return caught.value


def test_a_pdf_is_accepted_whatever_the_browser_claims():
    assert file_sniff(upload("guide.bin", PDF_BYTES, "text/html")) == PDF


def test_images_are_sniffed_from_their_bytes():
    assert file_sniff(upload("photo.pdf", png_bytes())) == IMAGES["PNG"]


def test_office_open_xml_documents_are_accepted():
    docx = office({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    assert file_sniff(upload("plan.docx", docx)) == OOXML["word/"]


def test_opendocument_files_are_recognised_by_their_mimetype_entry():
    odt = office({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
    assert (
        file_sniff(upload("notes.odt", odt))
        == OPENDOCUMENT["application/vnd.oasis.opendocument.text"]
    )
    other = office({"mimetype": b"application/x-something-else", "content.xml": b"<x/>"})
    assert refusal(upload("notes.odt", other)).code == "file_archive"


def test_a_document_with_macros_is_refused():
    xlsm = office({"[Content_Types].xml": b"<Types/>", "xl/vbaProject.bin": b"\x00macro"})
    assert refusal(upload("numbers.xlsx", xlsm)).code == "file_macros"


def test_a_plain_zip_is_refused():
    assert refusal(upload("stuff.zip", office({"a.txt": b"hello"}))).code == "file_archive"


def test_csv_text_is_accepted_by_its_name_and_content():
    assert file_sniff(upload("members.csv", b"name,joined\nMaya,2026-01-02\n")) == CSV


def test_a_binary_file_named_csv_is_refused():
    assert refusal(upload("members.csv", b"a,b\x00\x01\x02")).code == "file_not_csv"


def test_an_oversized_file_is_refused_before_it_is_read():
    big = upload("huge.pdf", PDF_BYTES)
    big.size = 26 * 1024 * 1024
    error = refusal(big)
    assert error.code == "file_too_large"
    assert "largest allowed is 25.0\xa0MB" in error.messages[0]


def test_html_disguised_as_a_pdf_is_refused():
    error = refusal(
        upload("report.pdf", b"<html><script>alert(1)</script></html>", "application/pdf")
    )
    assert error.code == "file_html"
    assert "HTML" in error.messages[0]


def test_text_named_pdf_is_refused_as_not_a_pdf():
    assert refusal(upload("report.pdf", b"just some words")).code == "file_not_pdf"


@pytest.mark.parametrize(
    "content",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b'<?xml version="1.0"?>\n<svg><script>alert(1)</script></svg>',
    ],
)
def test_svg_is_refused_even_renamed_as_png(content):
    assert refusal(upload("logo.png", content, "image/png")).code == "file_svg"


@pytest.mark.parametrize(
    "content", [b"MZ\x90\x00\x03" + b"\x00" * 60, b"\x7fELF\x02\x01\x01", b"#!/bin/sh\nrm -rf /"]
)
def test_executables_and_scripts_are_refused(content):
    assert refusal(upload("guide.pdf", content)).code == "file_executable"


def test_legacy_office_files_are_refused_with_what_to_do():
    error = refusal(upload("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100))
    assert error.code == "file_legacy_office"
    assert ".docx" in error.messages[0]


def test_an_empty_file_is_refused():
    assert refusal(upload("empty.pdf", b"")).code == "file_empty"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("/abs.txt", "abs.txt"),
        ("nul\x00byte.pdf", "nulbyte.pdf"),
        ("gpj\u202e.exe", "gpj.exe"),
        ("", "file"),
        ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
    ],
)
def test_the_uploaded_name_is_kept_only_as_clean_metadata(name, expected):
    assert original_name_clean(name) == expected
