"""Views and read positions: counted in the cache, never written on a read, flushed in bulk
exactly once, and read back as resume positions."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forums.models import Topic, TopicRead
from forums.services import reading
from forums.services.posts import POSTS_PER_PAGE
from forums.services.reading import (
    read_positions,
    resume_page,
    topic_viewed,
    views_and_reads_flush,
)
from forums.tasks.reading import views_and_reads_flush_task
from tests.forums.factories import CategoryFactory, TopicFactory
from tests.forums.lists.conftest import topic_with_replies
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def _writes(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]


def _later(minutes: int = 3):
    return timezone.now() + timedelta(minutes=minutes)


def _views(topic) -> int:
    return Topic.objects.values_list("view_count", flat=True).get(pk=topic.pk)


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_a_topic_page_get_writes_nothing_to_the_database(client, who):
    topic, _ = topic_with_replies(45, category=CategoryFactory())
    if who == "member":
        client.force_login(UserFactory())
    client.get("/forums/")  # a member's first request of the day records the visit
    for url in [topic.get_absolute_url(), f"{topic.get_absolute_url()}?page=2"]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        assert _writes(ctx) == []
    assert _views(topic) == 0  # counted in the cache only
    views_and_reads_flush(now=_later())
    assert _views(topic) == (2 if who == "visitor" else 1)  # a member's repeat counts once


def test_flush_adds_exactly_the_counted_views_across_two_flushes():
    one, two = TopicFactory(), TopicFactory()
    visitor = AnonymousUser()
    # At a minute's start: from second 55 on, `later` below would fall a minute further and
    # settle the second topic's minute too (this failed about one run in twelve).
    start = timezone.now().replace(second=0, microsecond=0)
    for _ in range(7):
        topic_viewed(visitor, one, [], now=start)
    for _ in range(3):
        topic_viewed(visitor, two, [], now=start + timedelta(seconds=61))

    # Views keep arriving while the first flush runs: only settled minutes are taken.
    later = start + timedelta(minutes=2, seconds=5)
    for _ in range(5):
        topic_viewed(visitor, one, [], now=later)
    first = views_and_reads_flush(now=later)
    assert (first.views, _views(one), _views(two)) == (7, 7, 0)

    second = views_and_reads_flush(now=later + timedelta(minutes=3))
    assert second.views == 3 + 5
    assert (_views(one), _views(two)) == (12, 3)
    assert views_and_reads_flush(now=later + timedelta(minutes=10)).views == 0
    assert (_views(one), _views(two)) == (12, 3)


def test_views_counted_by_many_threads_while_flushing_are_all_kept():
    topic = TopicFactory()
    visitor = AnonymousUser()
    start = timezone.now()
    for _ in range(40):
        topic_viewed(visitor, topic, [], now=start)
    barrier = threading.Barrier(5)
    busy = start + timedelta(minutes=2)

    def view(_):
        barrier.wait()
        for _ in range(50):
            topic_viewed(visitor, topic, [], now=busy)

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(view, n) for n in range(4)]
        barrier.wait()
        flushed = views_and_reads_flush(now=busy)
        for future in futures:
            future.result()
    assert flushed.views == 40
    views_and_reads_flush(now=busy + timedelta(minutes=3))
    assert _views(topic) == 40 + 4 * 50


def test_an_overlapping_flush_waits_its_turn_and_loses_nothing():
    topic = TopicFactory()
    start = timezone.now()
    for _ in range(4):
        topic_viewed(AnonymousUser(), topic, [], now=start)
    reading.cache.add(reading.FLUSH_LOCK_KEY, "another flush", timeout=60)
    assert views_and_reads_flush(now=_later()).skipped
    assert _views(topic) == 0
    reading.cache.delete(reading.FLUSH_LOCK_KEY)
    assert views_and_reads_flush(now=_later()).views == 4
    assert _views(topic) == 4


def test_a_flush_that_dies_before_writing_loses_no_views(monkeypatch):
    topic = TopicFactory()
    for _ in range(6):
        topic_viewed(AnonymousUser(), topic, [], now=timezone.now())

    def die(deltas):
        raise RuntimeError("worker killed")

    with monkeypatch.context() as patched:
        patched.setattr(reading, "_views_apply", die)
        with pytest.raises(RuntimeError):
            views_and_reads_flush(now=_later())
    assert _views(topic) == 0
    assert views_and_reads_flush(now=_later()).views == 6  # the lock was released
    assert _views(topic) == 6


def test_a_flush_that_died_after_its_commit_is_not_counted_again():
    topic = TopicFactory()
    now = timezone.now()
    topic_viewed(AnonymousUser(), topic, [], now=now)
    # Committed, recorded how far the minute was flushed, then died before deleting keys.
    reading.cache.set(reading._flushed_key(reading._bucket(now)), 1)
    assert views_and_reads_flush(now=_later()).views == 0
    assert _views(topic) == 0


def test_a_late_view_in_an_already_flushed_minute_is_counted_by_the_next_flush():
    topic = TopicFactory()
    now = timezone.now()
    topic_viewed(AnonymousUser(), topic, [], now=now)
    assert views_and_reads_flush(now=_later()).views == 1
    topic_viewed(AnonymousUser(), topic, [], now=now)  # a web node with a slow clock
    topic_viewed(AnonymousUser(), topic, [], now=now)
    assert views_and_reads_flush(now=_later()).views == 2
    assert _views(topic) == 3


def test_the_beat_task_flushes():
    topic = TopicFactory()
    topic_viewed(AnonymousUser(), topic, [], now=timezone.now() - timedelta(minutes=3))
    assert views_and_reads_flush_task() == 1
    assert _views(topic) == 1


def test_read_positions_are_flushed_and_never_move_backwards(member):
    topic, posts = topic_with_replies(30)
    now = timezone.now()
    topic_viewed(member, topic, posts[20:], now=now)
    topic_viewed(member, topic, posts[:20], now=now + timedelta(minutes=1))  # page 1 again
    views_and_reads_flush(now=now + timedelta(minutes=5))
    row = TopicRead.objects.get(user=member, topic=topic)
    assert row.last_read_post_id == posts[-1].pk
    assert row.last_read_at == posts[-1].created_at

    # After the overlay expires, an older page must still not move the database back.
    reading.cache.clear()
    topic_viewed(member, topic, posts[:20], now=now + timedelta(minutes=10))
    views_and_reads_flush(now=now + timedelta(minutes=15))
    row.refresh_from_db()
    assert row.last_read_post_id == posts[-1].pk


def test_read_positions_show_before_the_flush(member):
    topic, posts = topic_with_replies(5)
    topic_viewed(member, topic, posts[:3])
    assert read_positions(user=member, topic_ids=[topic.pk])[topic.pk].post_id == posts[2].pk
    assert not TopicRead.objects.exists()


def test_resume_page_points_at_the_first_unread_post(member):
    topic, posts = topic_with_replies(2 * POSTS_PER_PAGE + 4)
    assert resume_page(member, topic) is None  # never opened: start at the top
    topic_viewed(member, topic, posts[:POSTS_PER_PAGE])
    assert resume_page(member, topic) == (2, posts[POSTS_PER_PAGE].pk)
    views_and_reads_flush(now=_later())
    reading.cache.clear()  # from the database alone
    assert resume_page(member, topic) == (2, posts[POSTS_PER_PAGE].pk)
    topic_viewed(member, topic, posts[POSTS_PER_PAGE : 2 * POSTS_PER_PAGE + 1])
    assert resume_page(member, topic) == (3, posts[2 * POSTS_PER_PAGE + 1].pk)
    topic_viewed(member, topic, posts[2 * POSTS_PER_PAGE :])
    assert resume_page(member, topic) is None  # everything read
    assert resume_page(AnonymousUser(), topic) is None


def test_opening_a_half_read_topic_redirects_to_the_first_unread_post(client_as_member):
    topic, posts = topic_with_replies(POSTS_PER_PAGE + 5)
    url = topic.get_absolute_url()
    assert client_as_member.get(url).status_code == 200  # reads page 1
    response = client_as_member.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{url}?page=2#post-{posts[POSTS_PER_PAGE].pk}"
    assert client_as_member.get(f"{url}?page=2").status_code == 200
    assert client_as_member.get(url).status_code == 200  # all read: no redirect


def test_hidden_posts_are_skipped_when_resuming(member):
    topic, posts = topic_with_replies(POSTS_PER_PAGE + 3)
    topic_viewed(member, topic, posts[:POSTS_PER_PAGE])
    type(posts[0]).objects.filter(pk=posts[POSTS_PER_PAGE].pk).update(is_hidden=True)
    assert resume_page(member, topic) == (2, posts[POSTS_PER_PAGE + 1].pk)
