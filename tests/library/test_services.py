import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError

from library.models import FileVersion, LibraryAccess, Resource, ResourceKind
from library.services import (
    collection_create,
    collection_reorder,
    collection_resources_set,
    file_version_add,
    resource_create,
    resource_update,
)
from members.access import COMMUNITY_VERSION_KEY, access_versions
from tests.html import parse_elements, unsafe_markup
from tests.library.factories import CollectionFactory, ResourceFactory, pdf_upload, png_bytes
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = (
    "# Hello\n\n<script>alert(1)</script> <img src=x onerror=alert(1)> <svg onload=alert(1)>\n"
    "<iframe src=//evil></iframe> [x](javascript:alert(1)) [y](JaVaScRiPt:alert(1))\n"
    '<a href="/x" hx-get="/admin/" hx-trigger="load">z</a>'
)


def test_only_community_managers_create_resources(member):
    with pytest.raises(PermissionDenied):
        resource_create(
            actor=member,
            kind=ResourceKind.ARTICLE,
            title="Mine",
            slug="mine",
            body="Hello",
            access=LibraryAccess.PUBLIC,
        )


def test_an_article_is_rendered_and_sanitised_at_write_time(manager):
    resource = resource_create(
        actor=manager,
        kind=ResourceKind.ARTICLE,
        title="Guide",
        slug="guide",
        body=HOSTILE,
        access=LibraryAccess.PUBLIC,
    )
    assert "<h1>Hello</h1>" in resource.html
    assert unsafe_markup(resource.html) == []
    assert not [attrs for tag, attrs in parse_elements(resource.html) if tag == "a"]
    assert resource.body.startswith("# Hello")  # the source is kept


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        (ResourceKind.LINK, {}, "needs the address"),
        (ResourceKind.ARTICLE, {"body": "  "}, "needs a body"),
        (ResourceKind.FILE, {}, "needs a file"),
        (ResourceKind.LINK, {"url": "javascript:alert(1)"}, "Enter a valid URL"),
    ],
)
def test_each_kind_needs_its_content(manager, kind, fields, message):
    with pytest.raises(ValidationError) as caught:
        resource_create(
            actor=manager, kind=kind, title="T", slug="t", access=LibraryAccess.PUBLIC, **fields
        )
    assert message in str(caught.value)
    assert not Resource.objects.exists()


def test_a_new_file_version_keeps_the_old_ones(manager, file_resource):
    resource_update(actor=manager, resource=file_resource, upload=pdf_upload("v2.pdf"))
    file_version_add(actor=manager, resource=file_resource, upload=pdf_upload("v3.pdf"))
    versions = list(file_resource.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert [v.original_name for v in versions] == ["Onboarding guide.pdf", "v2.pdf", "v3.pdf"]
    assert len({v.file.name for v in versions}) == 3
    assert all(v.file.storage.exists(v.file.name) for v in versions)
    assert all(v.content_type == "application/pdf" for v in versions)


def test_stored_file_names_are_generated_not_the_uploaded_ones(manager, file_resource):
    version = file_version_add(
        actor=manager, resource=file_resource, upload=pdf_upload("../../etc/passwd.pdf")
    )
    assert ".." not in version.file.name
    assert version.file.name.startswith("files/")
    assert version.file.name.endswith("onboarding-guide-v2.pdf")
    assert version.original_name == "passwd.pdf"


def test_a_refused_upload_stores_nothing(manager, file_resource):
    with pytest.raises(ValidationError):
        file_version_add(
            actor=manager,
            resource=file_resource,
            upload=pdf_upload("x.pdf", b"<html><script>alert(1)</script>"),
        )
    assert FileVersion.objects.filter(resource=file_resource).count() == 1


def test_the_cover_is_re_encoded_into_private_storage(manager):
    from django.core.files.uploadedfile import SimpleUploadedFile

    resource = resource_create(
        actor=manager,
        kind=ResourceKind.LINK,
        title="Link",
        slug="link",
        url="https://example.org",
        access=LibraryAccess.PUBLIC,
        cover=SimpleUploadedFile("c.png", png_bytes(), content_type="image/png"),
    )
    assert resource.cover.name.startswith("covers/")
    with pytest.raises(ValueError, match="no public URL"):
        _ = resource.cover.url


def test_changing_access_replaces_everyones_access_version(manager):
    resource = ResourceFactory(public=True)
    before = access_versions(None, cache.get_many([COMMUNITY_VERSION_KEY]))
    resource_update(actor=manager, resource=resource, access=LibraryAccess.PRIVATE)
    after = access_versions(None, cache.get_many([COMMUNITY_VERSION_KEY]))
    assert before != after


def test_collection_keeps_the_order_given_and_reorders(manager):
    first, second, third = ResourceFactory.create_batch(3)
    collection = collection_create(
        actor=manager,
        title="Start here",
        slug="start-here",
        access=LibraryAccess.PUBLIC,
        resources=[second, first, third],
    )
    order = lambda: list(  # noqa: E731
        collection.items.order_by("position").values_list("resource_id", flat=True)
    )
    assert order() == [second.pk, first.pk, third.pk]
    collection_reorder(
        actor=manager, collection=collection, resource_ids=[third.pk, second.pk, first.pk]
    )
    assert order() == [third.pk, second.pk, first.pk]
    with pytest.raises(ValidationError):
        collection_reorder(actor=manager, collection=collection, resource_ids=[third.pk])
    collection_resources_set(actor=manager, collection=collection, resources=[first])
    assert order() == [first.pk]


def test_members_cannot_change_collections():
    with pytest.raises(PermissionDenied):
        collection_reorder(actor=UserFactory(), collection=CollectionFactory(), resource_ids=[])
