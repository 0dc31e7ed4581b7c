import html as html_lib

import pytest
from django.urls import reverse

from forums.models import Category, Post, Topic
from forums.services.answers import answer_accept
from forums.services.editing import AUTHOR_DELETED_REASON
from forums.services.posts import post_create
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def _delete(client, post):
    return client.post(reverse("forums:post-delete", args=[post.pk]))


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def test_deleting_your_reply_hides_it_keeps_it_and_moves_the_counters(
    client, thread, reader, moderator
):
    topic, reply = thread
    category = topic.category
    before_topic = Topic.objects.get(pk=topic.pk).reply_count
    before_category = Category.objects.get(pk=category.pk).post_count
    client.force_login(reader)
    assert "Delete this post?" in client.get(topic.get_absolute_url()).content.decode()

    response = _delete(client, reply)
    assert response.status_code == 302
    assert response["Location"] == f"{topic.get_absolute_url()}?page=1"
    reply.refresh_from_db()
    assert reply.is_hidden and reply.hidden_reason == AUTHOR_DELETED_REASON
    assert reply.hidden_at is not None and reply.hidden_by is None
    assert reply.body == "A reply from Rhea"  # not lost
    assert Topic.objects.get(pk=topic.pk).reply_count == before_topic - 1
    assert Category.objects.get(pk=category.pk).post_count == before_category - 1

    page = client.get(topic.get_absolute_url()).content.decode()
    assert "A reply from Rhea" not in page and "Your post was deleted." in page
    client.force_login(moderator)
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "A reply from Rhea" in page and "Deleted by the author" in page


def test_deleting_twice_or_someone_elses_post_is_refused(client, thread, reader, author):
    topic, reply = thread
    client.force_login(author)
    response = _delete(client, reply)
    assert response.status_code == 403
    assert "You can only delete your own posts." in _text(response)
    assert not Post.objects.get(pk=reply.pk).is_hidden
    client.force_login(reader)
    _delete(client, reply)
    # Once hidden, the author no longer sees it: like any hidden post, it is missing.
    assert _delete(client, reply).status_code == 404
    assert Topic.objects.get(pk=topic.pk).reply_count == 0


def test_the_opening_post_of_a_topic_with_replies_cannot_be_deleted(client, thread, author):
    topic, _ = thread
    opening = topic.posts.get(is_opening=True)
    client.force_login(author)
    page = client.get(topic.get_absolute_url()).content.decode()
    assert reverse("forums:post-delete", args=[opening.pk]) not in page
    response = _delete(client, opening)
    assert response.status_code == 403
    assert "This topic has replies, so its opening post can't be deleted" in _text(response)
    opening.refresh_from_db()
    assert not opening.is_hidden and not Topic.objects.get(pk=topic.pk).is_hidden


def test_deleting_the_opening_post_of_a_topic_without_replies_takes_the_topic(
    client, category, author
):
    from forums.services.topics import topic_create

    topic = topic_create(category=category, author=author, title="Oops", body="Wrong place")
    opening = topic.posts.get()
    client.force_login(author)
    response = _delete(client, opening)
    assert response.status_code == 302 and response["Location"] == category.get_absolute_url()
    assert Topic.objects.get(pk=topic.pk).is_hidden
    assert client.get(topic.get_absolute_url()).status_code == 404


def test_deleting_the_accepted_answer_unmarks_it(client, question, author, reader):
    topic, reply = question
    answer_accept(post=reply, actor=author)
    client.force_login(reader)
    _delete(client, reply)
    assert Topic.objects.get(pk=topic.pk).accepted_answer is None


def test_a_reply_counted_after_a_deleted_one_still_lands_on_its_page(client, thread, reader):
    topic, reply = thread
    later = post_create(topic=topic, author=UserFactory(), body="Later")
    client.force_login(reader)
    _delete(client, reply)
    response = client.get(reverse("forums:post-open", args=[later.pk]))
    assert response["Location"] == f"{topic.get_absolute_url()}?page=1#post-{later.pk}"


def test_deleting_is_post_only_and_for_members(client, thread):
    _, reply = thread
    url = reverse("forums:post-delete", args=[reply.pk])
    response = client.post(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(UserFactory())
    assert client.get(url).status_code == 405
    assert not Post.objects.get(pk=reply.pk).is_hidden
