"""Featured collections on the home page (only what the viewer may see), oversized uploads
refused while the request is read, the library's part of a member's data export, and the
query counts of the library's lists."""

import io
import json
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from library import suggestions
from library.models import FileVersion, Resource
from library.services import (
    collection_access_grant,
    collection_resources_set,
    resource_access_grant,
)
from library.uploads import FILE_MAX_BYTES
from members.services.data import member_data_export
from tests.library.conftest import client_for
from tests.library.factories import CollectionFactory, ResourceFactory
from tests.library.test_admin import resource_form
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def featured_area(html: str) -> str:
    if 'id="featured-title"' not in html:
        return ""
    return html.split('id="featured-title"')[1].split("</section>")[0]


def test_featured_collections_and_their_newest_resources_are_on_the_home_page(client, manager):
    collection = CollectionFactory(public=True, featured=True, title="Start here")
    old, new = (
        ResourceFactory(public=True, title="Old guide"),
        ResourceFactory(public=True, title="Fresh guide"),
    )
    hidden = ResourceFactory(title="Members guide")  # members-only
    collection_resources_set(actor=manager, collection=collection, resources=[old, new, hidden])
    CollectionFactory(public=True, title="Not featured")
    area = featured_area(client.get("/").content.decode())
    assert "Start here" in area and "Fresh guide" in area
    assert "Members guide" not in area and "Not featured" not in area


def test_a_private_featured_collection_is_not_leaked_to_outsiders(client, manager):
    insider, outsider = UserFactory(), UserFactory()
    group = Group.objects.create(name="Partners")
    group.user_set.add(insider)
    collection = CollectionFactory(private=True, featured=True, title="Partner secrets")
    collection_access_grant(collection=collection, group=group)
    resource = ResourceFactory(private=True, title="Price list 2027")
    resource_access_grant(resource=resource, group=group)
    collection_resources_set(actor=manager, collection=collection, resources=[resource])
    assert "Partner secrets" in featured_area(client_for(insider).get("/").content.decode())
    for viewer in (client, client_for(outsider)):
        html = viewer.get("/").content.decode()
        assert "Partner secrets" not in html and "Price list 2027" not in html


def test_an_oversized_upload_is_refused_before_it_is_stored(manager, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    big = SimpleUploadedFile("huge.pdf", b"%PDF-1.4\n" + b"0" * FILE_MAX_BYTES)
    response = client_for(manager).post(
        reverse("admin:library_resource_add"), resource_form(new_file=big)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The file is larger than 25.0" in html and "Compress it or split it" in html
    assert not Resource.objects.exists()
    assert list(tmp_path.iterdir()) == []  # never written to a temporary file


def test_a_file_within_the_limit_still_uploads(manager):
    response = client_for(manager).post(
        reverse("admin:library_resource_add"),
        resource_form(new_file=SimpleUploadedFile("ok.pdf", b"%PDF-1.4\n" + b"0" * 1000)),
    )
    assert response.status_code == 302
    assert FileVersion.objects.get().uploaded_by == manager


def test_the_data_export_holds_uploaded_files_and_suggestions(manager):
    client_for(manager).post(
        reverse("admin:library_resource_add"),
        resource_form(new_file=SimpleUploadedFile("Handbook.pdf", b"%PDF-1.4 mine")),
    )
    suggestions.suggestion_create(
        author=manager, title="A great link", url="https://a.example/", reason="Useful."
    )
    other = UserFactory()
    suggestions.suggestion_create(
        author=other, title="Someone else's", url="https://b.example/", reason="Hm."
    )
    archive = zipfile.ZipFile(io.BytesIO(member_data_export(member=manager)))
    names = archive.namelist()
    library = json.loads(archive.read(next(n for n in names if n.endswith("/library.json"))))
    assert [u["file_name"] for u in library["uploads"]] == ["Handbook.pdf"]
    assert [s["title"] for s in library["suggestions"]] == ["A great link"]
    stored = next(n for n in names if "/library_files/" in n)
    assert archive.read(stored) == b"%PDF-1.4 mine"


def test_library_lists_are_bounded(client_as_member, manager, django_assert_max_num_queries):
    collection = CollectionFactory(featured=True)
    resources = ResourceFactory.create_batch(25)
    collection_resources_set(actor=manager, collection=collection, resources=resources)
    CollectionFactory.create_batch(5)
    for url in ("/library/", collection.get_absolute_url()):
        client_as_member.get(url)
        with django_assert_max_num_queries(5):
            assert client_as_member.get(url).status_code == 200
