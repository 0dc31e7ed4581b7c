"""Community managers run the library in the admin; saves go through the services and
uploads through the same checks."""

import pytest
from django.urls import reverse

from library.models import Collection, LibraryAccess, Resource, ResourceKind
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
