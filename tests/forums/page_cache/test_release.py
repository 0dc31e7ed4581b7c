"""Shared pages are cached per release (settings.RELEASE_ID, docs/deployment.md): a deploy
never serves what the code before it rendered, and what is kept is plain values, never
model instances that another release would unpickle."""

import pytest
from django.core.cache import cache
from django.test import Client

from community.models import SiteBranding
from community.selectors import branding_get
from community.services import branding_update
from forums.models import Tag
from forums.page_cache.frame import visitor_page_key
from forums.page_cache.posts import facts_cache_key
from forums.services.tags import topic_tags_set
from forums.services.topics import topic_create
from members.models import TrustLevel
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic():
    author = UserFactory(trust_level=TrustLevel.MEMBER)
    return topic_create(category=CategoryFactory(), author=author, title="Release", body="Hi")


def test_a_new_release_does_not_serve_the_pages_the_old_one_cached(client, topic, settings):
    url = topic.get_absolute_url() + "?page=1"
    client.get(url)
    # What the running release cached is what it serves...
    cache.set(visitor_page_key(topic, 1, branding_get()), b"<p>cached by this release</p>")
    assert Client().get(url).content == b"<p>cached by this release</p>"
    # ...and the next release renders its own.
    settings.RELEASE_ID = "the-next-release"
    page = Client().get(url).content.decode()
    assert "cached by this release" not in page and "<h1>Release</h1>" in page


def _plain(value) -> bool:
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(_plain(key) and _plain(item) for key, item in value.items())
    return value is None or isinstance(value, (str, bytes, int, float, bool))


def test_the_topic_facts_are_kept_as_plain_values(client, topic):
    tag = Tag.objects.create(name="billing", slug="billing")
    topic_tags_set(topic=topic, tags=[tag], actor=topic.author)
    topic.refresh_from_db()
    page = client.get(topic.get_absolute_url() + "?page=1").content.decode()
    assert 'href="/forums/tags/billing/"' in page
    facts = cache.get(facts_cache_key(topic, moderates=False))
    assert facts is not None and _plain(facts), facts


def test_a_branding_change_reaches_a_process_of_another_release(
    settings, django_capture_on_commit_callbacks
):
    """During a rolling deploy two releases run at once: a manager's save in one must not
    leave the other showing the old branding (the members-only switch above all)."""
    settings.RELEASE_ID = "the-release-before"
    assert branding_get().members_only is False  # cached by the release before
    settings.RELEASE_ID = "the-next-release"
    with django_capture_on_commit_callbacks(execute=True):
        branding_update(branding=SiteBranding.objects.get(pk=1), members_only=True)
    settings.RELEASE_ID = "the-release-before"

    assert branding_get().members_only is True
    # One entry, whatever the release, of plain values: any release's save replaces it.
    values = cache.get("community:branding:v4")
    assert values is not None and values["members_only"] is True and _plain(values), values
