"""Images uploaded and never posted are deleted after two days; nothing a post, a draft or a
moderator's edit history shows is ever taken."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forums.models import PostImage
from forums.services.drafts import draft_save
from forums.services.editing import post_edit
from forums.services.posts import post_create
from forums.services.topics import topic_create
from forums.services.uploads import (
    UNUSED_IMAGE_GRACE,
    image_markdown,
    post_image_create,
    unused_images_purge,
)
from forums.tasks.uploads import unused_images_purge_task
from members import roles
from members.models import TrustLevel
from tests.forums.composer.helpers import image_bytes
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer():
    return UserFactory(trust_level=TrustLevel.MEMBER)


@pytest.fixture
def category():
    return CategoryFactory()


def _upload(user) -> PostImage:
    return post_image_create(
        uploader=user, upload=SimpleUploadedFile("shot.png", image_bytes(), "image/png")
    )


def _later():
    return timezone.now() + UNUSED_IMAGE_GRACE + timedelta(minutes=1)


def test_an_image_never_posted_is_deleted_with_its_file_after_the_grace_period(
    writer, django_capture_on_commit_callbacks
):
    image = _upload(writer)
    name = image.image.name
    assert default_storage.exists(name)

    assert unused_images_purge() == 0  # still within the grace period
    assert PostImage.objects.filter(pk=image.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert unused_images_purge(now=_later()) == 1
    assert not PostImage.objects.filter(pk=image.pk).exists()
    assert not default_storage.exists(name)


def test_a_posted_image_is_kept_and_never_looked_at_again(writer, category):
    image = _upload(writer)
    topic_create(
        category=category,
        author=writer,
        title="Our dashboard",
        body=f"Here it is:\n\n{image_markdown(image=image, alt='dashboard')}",
    )
    assert unused_images_purge(now=_later()) == 0
    image.refresh_from_db()
    assert image.in_use_since is not None
    assert default_storage.exists(image.image.name)

    with CaptureQueriesContext(connection) as ctx:
        assert unused_images_purge(now=_later() + timedelta(days=30)) == 0
    assert len(ctx.captured_queries) == 1  # the candidate list, empty


def test_an_image_quoted_in_someone_elses_post_is_kept(writer, category):
    image = _upload(writer)
    topic = topic_create(category=category, author=writer, title="Screens", body="Soon")
    quoter = UserFactory(trust_level=TrustLevel.MEMBER)
    post_create(topic=topic, author=quoter, body=f"> {image_markdown(image=image)}\n\nNice")
    assert unused_images_purge(now=_later()) == 0
    image.refresh_from_db()
    assert image.in_use_since is not None


def test_an_image_in_a_draft_is_kept_but_looked_at_again(writer, category):
    image = _upload(writer)
    draft_save(user=writer, category=category, title="Later", body=image_markdown(image=image))
    assert unused_images_purge(now=_later()) == 0
    image.refresh_from_db()
    assert image.in_use_since is None
    assert default_storage.exists(image.image.name)


def test_an_image_a_moderator_edited_out_stays_for_the_history(writer, category):
    image = _upload(writer)
    topic = topic_create(
        category=category, author=writer, title="Oops", body=image_markdown(image=image)
    )
    moderator = UserFactory(roles=[roles.MODERATORS])
    post_edit(
        post=topic.posts.get(), editor=moderator, body="Screenshot removed: it had a password."
    )
    # The scan finds it only in the edit history: kept, so the history still shows it.
    PostImage.objects.filter(pk=image.pk).update(in_use_since=None)
    assert unused_images_purge(now=_later()) == 0
    assert PostImage.objects.filter(pk=image.pk).exists()


def test_the_nightly_task_runs_the_purge(writer):
    image = _upload(writer)
    PostImage.objects.filter(pk=image.pk).update(
        created_at=timezone.now() - UNUSED_IMAGE_GRACE - timedelta(hours=1)
    )
    assert unused_images_purge_task.apply().get() == 1
    assert not PostImage.objects.filter(pk=image.pk).exists()
