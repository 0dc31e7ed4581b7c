"""The library's pages and downloads: each kind renders, downloads serve the right version
and count, and anything private is the same 404 as a missing slug for outsiders, on every
path (list, detail, direct URL, download), until a group grants it and again at once after
leaving the group."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import SiteBranding
from community.services import branding_update
from community.timezones import community_today
from forums.models import Tag
from forums.services.reading import views_and_reads_flush
from library.models import Download, LibraryAccess, ResourceKind, ResourceViewDay
from library.permissions import visible_resources
from library.services import (
    collection_access_grant,
    collection_resources_set,
    file_version_add,
    resource_access_grant,
    resource_create,
)
from tests.forums.factories import CategoryFactory
from tests.html import unsafe_markup
from tests.library.conftest import client_for
from tests.library.factories import CollectionFactory, ResourceFactory, pdf_upload, png_bytes
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def content(response) -> bytes:
    # Read to the end: the test client then closes the download's file (response.close()
    # called directly would also close the test's database connection).
    return b"".join(response.streaming_content)


def status(client, url) -> int:
    response = client.get(url)
    if response.streaming:
        content(response)
    return response.status_code


# --- Each kind renders ----------------------------------------------------------------------


def test_an_article_renders_its_sanitised_body(client_as_member, manager):
    resource = resource_create(
        actor=manager,
        kind=ResourceKind.ARTICLE,
        title="How we run betas",
        slug="how-we-run-betas",
        body="Be **kind**.\n\n<script>alert(1)</script><img src=x onerror=alert(1)>",
        access=LibraryAccess.MEMBERS,
    )
    page = client_as_member.get(resource.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "<strong>kind</strong>" in html
    body = html.split('class="card prose">')[1].split("</div>")[0]
    assert unsafe_markup(body) == []
    assert "&lt;script&gt;" in body


def test_a_link_renders_with_a_safe_rel(client_as_member):
    resource = ResourceFactory(link=True, public=True)
    html = client_as_member.get(resource.get_absolute_url()).content.decode()
    assert 'href="https://example.org/guide" rel="nofollow noopener noreferrer ugc"' in html


def test_a_file_lists_its_versions_and_download_serves_the_latest(
    client_as_member, manager, file_resource
):
    file_version_add(
        actor=manager,
        resource=file_resource,
        upload=pdf_upload("Guide v2.pdf", b"%PDF-1.7 second version"),
    )
    html = client_as_member.get(file_resource.get_absolute_url()).content.decode()
    assert "Download Guide v2.pdf" in html
    assert "Version 1: Onboarding guide.pdf" in html

    latest = client_as_member.get(reverse("library:resource-download", args=[file_resource.slug]))
    assert latest.status_code == 200
    assert content(latest) == b"%PDF-1.7 second version"
    assert latest["Content-Type"] == "application/pdf"
    assert latest["Content-Disposition"] == 'attachment; filename="Guide v2.pdf"'
    assert latest["X-Content-Type-Options"] == "nosniff"

    first = client_as_member.get(
        reverse("library:resource-version-download", args=[file_resource.slug, 1])
    )
    assert content(first).startswith(b"%PDF-1.4")
    missing = reverse("library:resource-version-download", args=[file_resource.slug, 9])
    assert status(client_as_member, missing) == 404


def test_downloads_and_views_are_counted(client_as_member, member, file_resource):
    client_as_member.get(file_resource.get_absolute_url())
    url = reverse("library:resource-download", args=[file_resource.slug])
    content(client_as_member.get(url))
    content(client_as_member.get(url))
    file_resource.refresh_from_db()
    assert file_resource.view_count == 0  # a page view waits in the cache for the flush
    flushed = views_and_reads_flush(now=timezone.now() + timedelta(minutes=3))
    assert flushed.counted == {"library": 1}
    file_resource.refresh_from_db()
    assert file_resource.view_count == 1
    day = ResourceViewDay.objects.get(resource=file_resource)
    assert (day.day, day.views) == (community_today(), 1)
    assert file_resource.download_count == 2
    assert file_resource.versions.get().download_count == 2
    assert Download.objects.filter(resource=file_resource, user=member).count() == 2


def test_a_download_of_a_hidden_resource_counts_nothing(client, file_resource):
    assert status(client, reverse("library:resource-download", args=[file_resource.slug])) == 404
    assert not Download.objects.exists()


def test_links_and_articles_have_no_download(client_as_member):
    resource = ResourceFactory()
    url = reverse("library:resource-download", args=[resource.slug])
    assert status(client_as_member, url) == 404


# --- Who sees what --------------------------------------------------------------------------


def test_visitors_see_public_resources_only(client):
    public = ResourceFactory(public=True, title="Open guide")
    members = ResourceFactory(title="Members guide")
    html = client.get(reverse("library:home")).content.decode()
    assert "Open guide" in html
    assert "Members guide" not in html
    assert client.get(public.get_absolute_url()).status_code == 200
    assert client.get(members.get_absolute_url()).status_code == 404


@pytest.fixture
def private_things(manager, beta):
    """A private file resource and a private collection holding it, granted to Beta."""
    resource = resource_create(
        actor=manager,
        kind=ResourceKind.FILE,
        title="Build 42 roadmap",
        slug="build-42-roadmap",
        access=LibraryAccess.PRIVATE,
        upload=pdf_upload("roadmap.pdf"),
    )
    resource_access_grant(resource=resource, group=beta.group)
    collection = CollectionFactory(private=True, title="Beta kit", slug="beta-kit")
    collection_resources_set(actor=manager, collection=collection, resources=[resource])
    collection_access_grant(collection=collection, group=beta.group)
    return resource, collection


def private_urls(resource, collection) -> list[str]:
    return [
        resource.get_absolute_url(),
        reverse("library:resource-download", args=[resource.slug]),
        reverse("library:resource-version-download", args=[resource.slug, 1]),
        collection.get_absolute_url(),
    ]


def test_private_resource_and_collection_are_404_for_outsiders_everywhere(client, private_things):
    resource, collection = private_things
    outsider = client_for(UserFactory())
    for who in (client, outsider):
        for url in private_urls(resource, collection):
            assert status(who, url) == 404, url
        home = who.get(reverse("library:home")).content.decode()
        assert "Build 42 roadmap" not in home
        assert "Beta kit" not in home
    missing = outsider.get(reverse("library:resource-detail", args=["no-such-thing"]))
    assert missing.content == outsider.get(resource.get_absolute_url()).content


def test_a_private_resource_in_a_visible_collection_stays_hidden(manager, private_things):
    resource, _ = private_things
    open_collection = CollectionFactory(title="Everything")
    collection_resources_set(actor=manager, collection=open_collection, resources=[resource])
    html = client_for(UserFactory()).get(open_collection.get_absolute_url()).content.decode()
    assert "Build 42 roadmap" not in html


def test_joining_the_group_opens_it_and_leaving_closes_it_on_the_next_request(private_things, beta):
    resource, collection = private_things
    maya = UserFactory(username="maya")
    client = client_for(maya)
    assert client.get(resource.get_absolute_url()).status_code == 404  # warms the reach

    assert client.post(reverse("groups:join", args=[beta.slug])).status_code == 302
    for url in private_urls(resource, collection):
        assert status(client, url) == 200, url
    home = client.get(reverse("library:home")).content.decode()
    assert "Build 42 roadmap" in home
    assert "Beta kit" in home

    assert client.post(reverse("groups:leave", args=[beta.slug])).status_code == 302
    for url in private_urls(resource, collection):
        assert status(client, url) == 404, url
    home = client.get(reverse("library:home")).content.decode()
    assert "Build 42 roadmap" not in home
    assert "Beta kit" not in home


def test_community_managers_see_private_resources_without_a_grant(manager, private_things):
    resource, _ = private_things
    assert client_for(manager).get(resource.get_absolute_url()).status_code == 200


# --- Query counts ---------------------------------------------------------------------------


def test_library_home_queries_do_not_grow_with_resources(
    client_as_member, django_assert_max_num_queries
):
    ResourceFactory.create_batch(3)
    CollectionFactory.create_batch(2)
    client_as_member.get(reverse("library:home"))  # warm the reach and the branding
    # The session's user, the two lists, the tags of the listed resources.
    with django_assert_max_num_queries(5):
        client_as_member.get(reverse("library:home"))
    ResourceFactory.create_batch(20)
    CollectionFactory.create_batch(8, featured=True)
    with django_assert_max_num_queries(5):
        page = client_as_member.get(reverse("library:home"))
    assert page.status_code == 200


def test_resource_and_collection_pages_are_bounded(
    client_as_member, manager, file_resource, django_assert_max_num_queries
):
    for number in range(2, 6):
        file_version_add(actor=manager, resource=file_resource, upload=pdf_upload(f"v{number}.pdf"))
    collection = CollectionFactory()
    collection_resources_set(
        actor=manager,
        collection=collection,
        resources=[file_resource, *ResourceFactory.create_batch(15)],
    )
    client_as_member.get(file_resource.get_absolute_url())
    # The user, the resource, its versions, tags, topics and collections, the view count,
    # its reactions, credits and discussion category.
    with django_assert_max_num_queries(10):
        client_as_member.get(file_resource.get_absolute_url())
    client_as_member.get(collection.get_absolute_url())
    with django_assert_max_num_queries(5):
        client_as_member.get(collection.get_absolute_url())


def test_the_cover_is_served_only_to_those_who_see_the_resource(manager, client_as_member):
    resource = resource_create(
        actor=manager,
        kind=ResourceKind.LINK,
        title="Partner portal",
        slug="partner-portal",
        url="https://example.org/portal",
        access=LibraryAccess.MEMBERS,
        cover=SimpleUploadedFile("cover.png", png_bytes(), content_type="image/png"),
    )
    cover_url = reverse("library:resource-cover", args=[resource.slug])
    assert cover_url in client_as_member.get(resource.get_absolute_url()).content.decode()
    response = client_as_member.get(cover_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert content(response)[:2] == b"\xff\xd8"
    assert status(Client(), cover_url) == 404


def test_a_members_only_community_shows_visitors_nothing(django_capture_on_commit_callbacks):
    resource = ResourceFactory(public=True)
    assert list(visible_resources(AnonymousUser())) == [resource]
    with django_capture_on_commit_callbacks(execute=True):
        branding_update(branding=SiteBranding.objects.get(pk=1), members_only=True)
    # The middleware sends visitors to sign in first; the rule holds without it too.
    assert not visible_resources(AnonymousUser()).exists()
    assert visible_resources(UserFactory()).get() == resource


def test_revoking_the_grant_or_making_it_private_closes_it_on_the_next_request(
    manager, beta, private_things
):
    from library.services import resource_access_revoke, resource_update

    resource, _ = private_things
    maya = UserFactory(username="maya")
    client = client_for(maya)
    client.post(reverse("groups:join", args=[beta.slug]))
    assert status(client, resource.get_absolute_url()) == 200
    resource_access_revoke(resource=resource, group=beta.group)
    assert status(client, resource.get_absolute_url()) == 404

    open_resource = ResourceFactory(title="Soon private")
    assert status(client, open_resource.get_absolute_url()) == 200
    resource_update(actor=manager, resource=open_resource, access=LibraryAccess.PRIVATE)
    assert status(client, open_resource.get_absolute_url()) == 404


# --- A tag's page ---------------------------------------------------------------------------


def tag_page(client, tag) -> str:
    response = client.get(reverse("library:tag-detail", args=[tag.slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_tags_page_lists_what_each_reader_may_see_in_bounded_queries(
    client, manager, beta, django_assert_max_num_queries
):
    onboarding = Tag.objects.create(name="onboarding", slug="onboarding")
    other = Tag.objects.create(name="billing", slug="billing")
    public = ResourceFactory(public=True, title="Open guide")
    members = ResourceFactory(title="Members guide")
    private = ResourceFactory(private=True, title="Beta roadmap")
    resource_access_grant(resource=private, group=beta.group)
    elsewhere = ResourceFactory(public=True, title="Invoices explained")
    for resource in (public, members, private):
        resource.tags.add(onboarding)
    elsewhere.tags.add(other)

    visitor = tag_page(client, onboarding)
    assert "#onboarding" in visitor
    assert "Open guide" in visitor
    assert "Members guide" not in visitor
    assert "Beta roadmap" not in visitor
    assert "Invoices explained" not in visitor

    outsider = tag_page(client_for(UserFactory()), onboarding)
    assert "Open guide" in outsider
    assert "Members guide" in outsider
    assert "Beta roadmap" not in outsider

    insider = UserFactory()
    beta.group.user_set.add(insider)
    insider_client = client_for(insider)
    page = tag_page(insider_client, onboarding)
    assert all(title in page for title in ("Open guide", "Members guide", "Beta roadmap"))
    assert "Invoices explained" not in page

    # The session's user, the tag, the resources and their visible tags: not one per resource
    # (and the session itself, read from the database when there is no Redis).
    bound = 4 if settings.REDIS_URL else 5
    with django_assert_max_num_queries(bound):
        tag_page(insider_client, onboarding)
    for resource in ResourceFactory.create_batch(15) + ResourceFactory.create_batch(5, link=True):
        resource.tags.add(onboarding, other)
    with django_assert_max_num_queries(bound):
        page = tag_page(insider_client, onboarding)
    assert page.count('class="library-item"') == 23


def test_a_tag_made_only_for_a_private_category_is_missing_for_outsiders(client):
    secret = Tag.objects.create(name="codename", slug="codename")
    secret.categories.add(CategoryFactory(private=True))
    ResourceFactory(public=True, title="Open guide").tags.add(secret)
    for who in (client, client_for(UserFactory())):
        response = who.get(reverse("library:tag-detail", args=[secret.slug]))
        assert response.status_code == 404
        assert "Open guide" not in response.content.decode()


# --- Videos are links -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "Video"),
        ("https://youtu.be/dQw4w9WgXcQ", "Video"),
        ("https://vimeo.com/76979871", "Video"),
        ("https://player.vimeo.com/video/76979871", "Video"),
        ("https://example.org/guide", "External link"),
        ("https://notyoutube.com/watch", "External link"),
        ("https://youtube.com.example.org/watch", "External link"),
    ],
)
def test_a_link_to_a_video_host_is_labelled_video_and_not_embedded(client, url, label):
    resource = ResourceFactory(link=True, public=True, url=url, title="Welcome tour")
    listing = client.get(reverse("library:home")).content.decode()
    assert f'<span class="library-item__kind">{label}</span>' in listing
    page = client.get(resource.get_absolute_url()).content.decode()
    assert f'<p class="library-resource__meta">{label}' in page
    assert "<iframe" not in page
    assert "Open the link" in page
