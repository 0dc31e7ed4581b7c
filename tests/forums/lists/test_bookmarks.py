"""Bookmarks: toggling, notes and reminders, the list, and reminders sent exactly once."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from community.models import Notification
from forums.models import Bookmark
from forums.services.bookmarks import (
    bookmark_reminders_send,
    bookmark_save,
    bookmarked_post_ids,
)
from forums.tasks.bookmarks import bookmark_reminders_send_task
from tests.forums.factories import CategoryFactory, PostFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(db):
    topic = TopicFactory(category=CategoryFactory(), title="How do I export invoices?")
    return PostFactory(topic=topic, body="Use the export button on the billing page.")


@pytest.fixture
def private_post(private_category):
    topic = TopicFactory(category=private_category, title="Secret gizmo plans")
    return PostFactory(topic=topic)


def _url(post):
    return reverse("forums:post-bookmark", args=[post.pk])


def test_a_plain_post_toggles_the_bookmark_and_goes_back(client_as_member, member, post):
    back = post.topic.get_absolute_url() + f"#post-{post.pk}"
    response = client_as_member.post(_url(post), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert Bookmark.objects.filter(user=member, post=post).count() == 1
    client_as_member.post(_url(post), {"next": back})
    assert not Bookmark.objects.exists()


def test_htmx_swaps_the_bookmark_control(client_as_member, post):
    response = client_as_member.post(_url(post), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and "★ Bookmarked" in body and "Bookmarked." in body
    assert f'id="post-bookmark-{post.pk}"' in body


def test_note_and_reminder_are_saved(client_as_member, member, post):
    client_as_member.post(
        _url(post), {"action": "save", "note": "  try  this ", "remind_in": "week"}
    )
    bookmark = Bookmark.objects.get(user=member)
    assert bookmark.note == "try this"
    assert timedelta(days=6) < bookmark.remind_at - timezone.now() <= timedelta(days=7)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"remind_at": "2001-01-01T10:00"}, "Pick a reminder time in the future."),
        ({"remind_at": "3000-01-01T10:00"}, "up to five years ahead"),
        ({"remind_at": "not a date"}, "Enter a valid date/time."),
        ({"note": "x" * 10_000}, "at most 200 characters"),
        ({"note": "a\x00b"}, "Null characters are not allowed."),
        ({"action": "explode"}, "Select a valid choice."),
    ],
)
def test_bad_bookmark_input_gets_a_clear_message_and_keeps_what_was_stored(
    client_as_member, member, post, data, message
):
    bookmark_save(user=member, post=post, note="keep me")
    response = client_as_member.post(
        _url(post), {"action": "save", **data}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    bookmark = Bookmark.objects.get(user=member)
    assert (bookmark.note, bookmark.remind_at) == ("keep me", None)
    follow = client_as_member.post(_url(post), {"action": "save", **data}, follow=True)
    assert follow.status_code in (200, 404)  # back on the post (post-open), message shown


def test_the_next_url_must_be_on_this_site(client_as_member, post):
    for evil in ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:x"]:
        response = client_as_member.post(_url(post), {"next": evil})
        assert response["Location"] == reverse("forums:post-open", args=[post.pk])


def test_nobody_bookmarks_what_they_cannot_see(client, member, outsider, private_post):
    assert client.post(_url(private_post))["Location"].startswith(reverse("account_login"))
    client.force_login(outsider)
    assert client.post(_url(private_post)).status_code == 404
    assert client.post(reverse("forums:post-bookmark", args=[999999])).status_code == 404
    hidden = PostFactory(topic=TopicFactory(), is_hidden=True)
    assert client.post(_url(hidden)).status_code == 404
    assert client.get(_url(hidden)).status_code == 404  # nor its note form
    assert client.get(_url(private_post)).status_code == 404
    assert not Bookmark.objects.exists()


def test_bookmark_list_shows_only_posts_the_member_can_still_see(
    client, insider, private_post, post
):
    bookmark_save(user=insider, post=private_post, note="beta note")
    bookmark_save(user=insider, post=post, note="public note")
    client.force_login(insider)
    content = client.get(reverse("forums:bookmarks")).content.decode()
    assert "Secret gizmo plans" in content and "How do I export invoices?" in content

    Group.objects.get(name__startswith="Group for").user_set.remove(insider)
    content = client.get(reverse("forums:bookmarks")).content.decode()
    assert "Secret gizmo plans" not in content and "beta note" not in content
    assert "How do I export invoices?" in content


def test_bookmark_list_needs_sign_in(client):
    response = client.get(reverse("forums:bookmarks"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_bookmarked_post_ids_is_one_query(member, post, django_assert_num_queries):
    other = PostFactory(topic=post.topic)
    bookmark_save(user=member, post=post)
    with django_assert_num_queries(1):
        assert bookmarked_post_ids(member, [post.pk, other.pk]) == {post.pk}


def test_the_topic_page_shows_the_bookmark_state(client_as_member, member, post):
    bookmark_save(user=member, post=post)
    content = client_as_member.get(post.topic.get_absolute_url()).content.decode()
    assert "★ Bookmarked" in content and "☆ Bookmark" in content  # the opening post is not


def test_a_reminder_is_sent_once_even_if_the_task_runs_twice(member, post):
    bookmark_save(
        user=member, post=post, note="answer this", remind_at=timezone.now() + timedelta(hours=1)
    )
    assert bookmark_reminders_send() == 0  # not due yet
    later = timezone.now() + timedelta(hours=2)
    assert bookmark_reminders_send(now=later) == 1
    assert bookmark_reminders_send(now=later) == 0
    assert bookmark_reminders_send_task() == 0
    (notification,) = Notification.objects.filter(recipient=member)
    assert notification.kind == "bookmark_reminder"
    assert notification.verb == "Reminder: How do I export invoices? — answer this"
    assert notification.url == reverse("forums:post-open", args=[post.pk])


def test_a_new_reminder_time_rearms_the_reminder(member, post):
    bookmark_save(user=member, post=post, remind_at=timezone.now() + timedelta(minutes=1))
    assert bookmark_reminders_send(now=timezone.now() + timedelta(minutes=2)) == 1
    bookmark_save(user=member, post=post, remind_at=timezone.now() + timedelta(minutes=5))
    assert bookmark_reminders_send(now=timezone.now() + timedelta(minutes=6)) == 1


def test_no_reminder_for_a_post_the_member_can_no_longer_see(insider, private_post):
    bookmark_save(user=insider, post=private_post, remind_at=timezone.now() + timedelta(minutes=1))
    Group.objects.get(name__startswith="Group for").user_set.remove(insider)
    assert bookmark_reminders_send(now=timezone.now() + timedelta(minutes=2)) == 0
    assert not Notification.objects.filter(recipient=insider).exists()
    assert Bookmark.objects.get().reminded_at is not None  # claimed: not retried for ever


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers; the race needs PostgreSQL"
)
def test_two_reminder_runs_at_once_remind_once(migration_data):
    from tests.members.factories import UserFactory

    member = UserFactory()
    post = PostFactory(topic=TopicFactory(category=CategoryFactory()))
    for other in PostFactory.create_batch(5, topic=post.topic):
        bookmark_save(user=member, post=other, remind_at=timezone.now() + timedelta(minutes=1))
    later = timezone.now() + timedelta(minutes=2)
    barrier = threading.Barrier(2)

    def run(_):
        barrier.wait()
        try:
            return bookmark_reminders_send(now=later)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(2) as pool:
        sent = list(pool.map(run, range(2)))
    assert sorted(sent) in ([0, 5], [1, 4], [2, 3])
    assert Notification.objects.filter(recipient=member).count() == 5
