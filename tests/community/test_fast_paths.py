"""The shortcuts the busiest pages take must behave exactly like the long way round:
key lookups compiled once (community.db.KeyLookup), values read once per request and cache
entries prefetched for it (community.per_request), the member loaded by the authentication
backends, and the cache's incr (existing keys only)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from community.db import KeyLookup
from community.per_request import (
    PerRequestMiddleware,
    cache_get_many_prefetched,
    cache_prefetch,
    per_request,
    per_request_forget,
)
from forums.models import Category, Topic
from tests.forums.factories import CategoryFactory, TopicFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

topic_by_key = KeyLookup(lambda: Topic.objects.select_related("category"))


def test_a_key_lookup_gives_what_the_orm_gives_in_one_query():
    topic = TopicFactory(category=CategoryFactory(name="Billing"))
    expected = Topic.objects.select_related("category").get(pk=topic.pk)
    topic_by_key.get(topic.pk)  # compiled on first use
    with CaptureQueriesContext(connection) as ctx:
        found = topic_by_key.get(topic.pk)
        category_name = found.category.name
    assert len(ctx.captured_queries) == 1, ctx.captured_queries
    assert category_name == "Billing"
    for field in Topic._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert not found._state.adding and found._state.db == "default"
    found.title = "Saved through the instance"
    found.save()
    assert Topic.objects.get(pk=topic.pk).title == "Saved through the instance"


@pytest.mark.parametrize("key", [0, -1, "abc", "", 10**30, "1; DROP TABLE forums_topic"])
def test_a_key_lookup_of_a_missing_or_malformed_key_is_none(key):
    TopicFactory()
    assert topic_by_key.get(key) is None


def test_a_category_page_lookup_by_slug_gives_the_orm_row_and_its_newest_topic_change():
    """The category page's lookup (forums.permissions.access_category_page): by slug, with
    its parent and the newest change of its topics, in one statement."""
    from forums.page_cache.lists import with_topics_changed
    from forums.permissions import _category_for_page

    parent = CategoryFactory(name="Product")
    category = CategoryFactory(name="Exports", parent=parent)
    TopicFactory(category=category)
    newest = TopicFactory(category=category)
    expected = with_topics_changed(Category.objects.select_related("parent")).get(pk=category.pk)
    _category_for_page.get(category.slug)  # compiled on first use
    with CaptureQueriesContext(connection) as ctx:
        found = _category_for_page.get(category.slug)
        parent_name = found.parent.name
    assert len(ctx.captured_queries) == 1, ctx.captured_queries
    assert parent_name == "Product"
    assert found.topics_changed == expected.topics_changed
    assert found.topics_changed == Topic.objects.get(pk=newest.pk).updated_at
    for field in Category._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    for missing in ("nope", "", "x" * 500, "'; DROP TABLE forums_category; --"):
        assert _category_for_page.get(missing) is None


def _in_request(function):
    """Run `function` as a view would: inside PerRequestMiddleware."""
    result = {}

    def view(request):
        result["value"] = function()
        return None

    PerRequestMiddleware(view)(None)
    return result["value"]


def test_per_request_computes_once_inside_a_request_and_every_time_outside():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert _in_request(lambda: [per_request("k", compute), per_request("k", compute)]) == [1, 1]
    assert per_request("k", compute) == 2 and per_request("k", compute) == 3

    def forgetting():
        first = per_request("k", compute)
        per_request_forget()
        return first, per_request("k", compute)

    assert _in_request(forgetting) == (4, 5)


def test_a_prefetched_entry_serves_one_read_then_the_cache_answers():
    cache.set("a", "old")

    def read_write_read():
        cache_prefetch(["a", "missing"])
        cache.set("a", "new")  # written after the prefetch
        first = cache_get_many_prefetched(["a", "missing"])
        second = cache_get_many_prefetched(["a"])
        return first, second

    first, second = _in_request(read_write_read)
    assert first == {"a": "old"}  # what the page saw when it started
    assert second == {"a": "new"}
    # Outside a request nothing is held back.
    cache_prefetch(["a"])
    cache.set("a", "newest")
    assert cache_get_many_prefetched(["a"]) == {"a": "newest"}


def test_a_kept_entry_serves_every_read_until_the_request_forgets():
    cache.set("version", "v1")

    def reads():
        cache_prefetch(["version"], kept=frozenset({"version"}))
        cache.set("version", "v2")  # by someone else, after the page started
        first = cache_get_many_prefetched(["version"])
        second = cache_get_many_prefetched(["version"])
        per_request_forget()  # what a writer of versions does
        return first, second, cache_get_many_prefetched(["version"])

    assert _in_request(reads) == ({"version": "v1"}, {"version": "v1"}, {"version": "v2"})


def test_a_members_request_fetches_what_their_page_reads_in_one_round_trip():
    """The session names the member; their access versions, reach, read version, ledger
    version, dashboard link and notification count come in one more cache round trip, and
    the parts of the page read them from there."""
    member = UserFactory()
    client = Client()
    client.force_login(member)
    client.get("/forums/latest/")  # fills what the page keeps
    calls = []
    original = cache.get_many

    def counted(keys, *args, **kwargs):
        calls.append(list(keys))
        return original(keys, *args, **kwargs)

    cache.get_many = counted
    try:
        assert client.get("/forums/latest/").status_code == 200
    finally:
        del cache.get_many
    read = [key for keys in calls for key in keys]
    for part in (
        "access:version:member:",
        "forums:reach:",
        "forums:read-version:",
        "metrics:dashboard-link:",
        "notifications:unread:",
    ):
        assert sum(part in key for key in read) == 1, (part, calls)
    # The branding and session; the member's parts; the page with their reading state.
    assert len(calls) == 3, calls


def test_the_cache_incr_counts_only_existing_keys():
    cache.set("views", 1, timeout=60)
    assert cache.incr("views") == 2
    assert cache.incr("views", 5) == 7
    with pytest.raises(ValueError):
        cache.incr("never-set")
    assert cache.get("never-set") is None  # incr did not create it


def test_members_stay_signed_in_and_deactivated_ones_are_signed_out():
    user = UserFactory(username="nina")
    client = Client()
    client.force_login(user)
    assert client.get("/groups/").context["user"] == user
    user.is_active = False
    user.save()
    assert not client.get("/groups/").context["user"].is_authenticated


def test_a_members_topic_page_costs_three_queries_and_signs_out_the_deactivated():
    member = UserFactory(username="tess", display_name="Tess Tester")
    topic = TopicFactory()
    client = Client()
    client.force_login(member)
    url = topic.get_absolute_url() + "?page=1"
    client.get(url)  # fills the shared caches
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url).content.decode()
    assert "Tess Tester" in page
    # The member (loaded by the authentication backend), the topic, her own state on the
    # page; the session comes from Redis where there is one.
    sql = [q["sql"] for q in ctx.captured_queries if "django_session" not in q["sql"]]
    assert len(sql) == 3, sql
    member.is_active = False
    member.save()
    assert "Tess Tester" not in client.get(url).content.decode()  # signed out, as ever


@pytest.mark.parametrize(
    "legacy",
    [
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ],
)
def test_sessions_from_before_hearths_own_backends_stay_signed_in(legacy):
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    member = UserFactory(username="olga", display_name="Olga Old-Session")
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = legacy
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.create()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key

    assert client.get("/groups/").context["user"] == member
    stored = import_module(settings.SESSION_ENGINE).SessionStore(session.session_key)
    assert stored[BACKEND_SESSION_KEY].startswith("members.backends.")
    assert client.get("/groups/").context["user"] == member
