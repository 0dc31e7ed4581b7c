"""The flag form and the bookmark's note and reminder form come on demand: a topic page
carries a link per post, htmx swaps the form in place, and without JavaScript the link
opens a page with the same form. Nobody gets a form for a post they may not see."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from forums.models import Bookmark, Flag
from forums.services.bookmarks import bookmark_save
from forums.services.moderation import post_hide
from forums.services.posts import post_create
from forums.services.topics import topic_create
from members import roles
from members.models import TrustLevel
from tests.forums.factories import CategoryFactory, private_category_for
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def thread():
    author = UserFactory(trust_level=TrustLevel.MEMBER, username="author")
    topic = topic_create(category=CategoryFactory(), author=author, title="Forms", body="Hi")
    reply = post_create(topic=topic, author=UserFactory(), body="A reply to flag")
    return topic, reply


@pytest.fixture
def member_client():
    client = Client(enforce_csrf_checks=True)
    member = UserFactory(trust_level=TrustLevel.MEMBER, username="mira")
    client.force_login(member)
    client.member = member
    return client


def _token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_the_topic_page_links_to_the_forms_instead_of_carrying_them(thread, member_client):
    topic, reply = thread
    html = member_client.get(topic.get_absolute_url()).content.decode()
    flag_url = reverse("forums:post-flag", args=[reply.pk])
    bookmark_url = reverse("forums:post-bookmark", args=[reply.pk])
    assert f'href="{flag_url}" hx-get="{flag_url}"' in html
    assert f'href="{bookmark_url}" hx-get="{bookmark_url}"' in html
    assert 'name="reason"' not in html and 'name="remind_in"' not in html


def test_the_flag_form_swaps_in_and_flags_the_post(thread, member_client):
    _, reply = thread
    url = reverse("forums:post-flag", args=[reply.pk])
    partial = member_client.get(url, **HTMX).content.decode()
    assert partial.lstrip().startswith(f'<div class="post-flag" id="post-flag-{reply.pk}">')
    assert 'name="reason" value="spam"' in partial and "<html" not in partial
    response = member_client.post(
        url, {"reason": "spam", "note": "", "csrfmiddlewaretoken": _token(partial)}, **HTMX
    )
    assert "moderators will review" in response.content.decode()
    assert Flag.objects.filter(post=reply, flagger=member_client.member).count() == 1


def test_without_javascript_the_flag_form_has_a_page_of_its_own(thread, member_client):
    topic, reply = thread
    url = reverse("forums:post-flag", args=[reply.pk])
    page = member_client.get(url).content.decode()
    assert "<h1>Flag a post by" in page and "A reply to flag" in page
    assert 'name="reason" value="off_topic"' in page
    response = member_client.post(
        url, {"reason": "off_topic", "note": "", "csrfmiddlewaretoken": _token(page)}
    )
    assert response.status_code == 302 and response["Location"].startswith(topic.get_absolute_url())
    assert Flag.objects.filter(post=reply).exists()


def test_no_flag_form_for_your_own_post(thread):
    topic, _ = thread
    client = Client()
    client.force_login(topic.author)
    opening = topic.posts.get(is_opening=True)
    partial = client.get(reverse("forums:post-flag", args=[opening.pk]), **HTMX)
    assert "This is your post." in partial.content.decode()
    assert 'name="reason"' not in partial.content.decode()


def test_no_form_for_posts_the_member_cannot_see(thread, member_client):
    _, reply = thread
    post_hide(post=reply, actor=UserFactory(roles=[roles.MODERATORS]), reason="Spam")
    for name in ("forums:post-flag", "forums:post-bookmark"):
        assert member_client.get(reverse(name, args=[reply.pk]), **HTMX).status_code == 404
    insider = UserFactory(trust_level=TrustLevel.MEMBER)
    outsider_post = topic_create(
        category=private_category_for(insider), author=insider, title="Beta", body="x"
    ).posts.get()
    for name in ("forums:post-flag", "forums:post-bookmark"):
        assert member_client.get(reverse(name, args=[outsider_post.pk])).status_code == 404
    visitor = Client().get(reverse("forums:post-flag", args=[outsider_post.pk]))
    assert visitor.status_code == 302 and "/accounts/login/" in visitor["Location"]


def test_the_note_form_comes_filled_with_the_saved_note(thread, member_client):
    _, reply = thread
    bookmark_save(user=member_client.member, post=reply, note="Read before Friday")
    url = reverse("forums:post-bookmark", args=[reply.pk])
    partial = member_client.get(url, **HTMX).content.decode()
    assert 'value="Read before Friday"' in partial and "★ Bookmarked" in partial
    response = member_client.post(
        url,
        {
            "action": "save",
            "note": "Read on Monday",
            "remind_in": "",
            "csrfmiddlewaretoken": _token(partial),
        },
        **HTMX,
    )
    assert "Bookmark saved." in response.content.decode()
    assert Bookmark.objects.get(user=member_client.member, post=reply).note == "Read on Monday"
    page = member_client.get(url).content.decode()
    assert "<h1>Bookmark a post by" in page and 'value="Read on Monday"' in page
