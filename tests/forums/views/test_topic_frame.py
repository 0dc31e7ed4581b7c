"""A member's topic page is a shared frame with their own pieces filled in
(forums.page_cache.frame): the header's account corner, the watch menu, the composer with
their draft, their CSRF token. Whoever filled the cache, each member sees only their own,
and every change shows at once."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import SiteBranding
from community.services import branding_update
from forums.models import WatchLevel
from forums.page_cache.splice import marker
from forums.services.drafts import draft_save
from forums.services.moderation import member_suspend
from forums.services.posts import post_create
from forums.services.topics import topic_create
from forums.services.watching import watch_set
from members import roles
from members.models import TrustLevel
from tests.forums.factories import CategoryFactory, private_category_for
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic():
    author = UserFactory(trust_level=TrustLevel.MEMBER, username="author")
    return topic_create(category=CategoryFactory(), author=author, title="Framed", body="Hello")


def _member(username: str, **kwargs):
    user = UserFactory(trust_level=TrustLevel.MEMBER, username=username, **kwargs)
    client = Client()
    client.force_login(user)
    return user, client


def _page(client, topic, query="?page=1") -> str:
    response = client.get(topic.get_absolute_url() + query)
    assert response.status_code == 200
    return response.content.decode()


def _between(html: str, start: str, end: str) -> str:
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


@pytest.mark.parametrize("first", ["ann", "bob"])
def test_each_member_gets_their_own_header_watch_menu_and_draft(topic, first):
    ann, ann_client = _member("ann", roles=[roles.COMMUNITY_MANAGERS], display_name="Ann Archer")
    bob, bob_client = _member("bob", display_name="Bob Baker")
    watch_set(user=ann, topic=topic, level=WatchLevel.EVERY_POST)
    draft_save(user=bob, topic=topic, body="Bob's unfinished thought")
    clients = {"ann": ann_client, "bob": bob_client}
    _page(clients[first], topic)  # fills the shared frame as `first` sees it

    ann_html, bob_html = _page(ann_client, topic), _page(bob_client, topic)

    assert '<summary id="whoami">Ann Archer</summary>' in ann_html
    assert '<summary id="whoami">Bob Baker</summary>' in bob_html
    assert 'href="/members/ann/"' in ann_html and 'href="/members/bob/"' in bob_html
    assert "Community admin" in ann_html and "Community admin" not in bob_html
    assert "Watching for this topic" in ann_html
    assert "Normal (the default)" in bob_html
    bob_composer = _between(bob_html, 'id="composer"', "</form>")
    assert "Bob&#x27;s unfinished thought" in bob_composer and "Draft restored" in bob_html
    assert "unfinished thought" not in ann_html and "Draft restored" not in ann_html
    for html in (ann_html, bob_html):
        assert marker() not in html
        assert html.count('aria-label="Posts"') == 1 and "Hello" in html


def test_the_unread_count_is_each_members_own(topic, django_capture_on_commit_callbacks):
    ann, ann_client = _member("ann")
    _, bob_client = _member("bob")
    reply_author, _ = _member("carl")
    _page(bob_client, topic)
    with django_capture_on_commit_callbacks(execute=True):
        post_create(topic=topic, author=reply_author, body=f"@{ann.username} look at this")
    ann_bell = _between(_page(ann_client, topic), 'id="notification-bell"', "</a>")
    bob_bell = _between(_page(bob_client, topic), 'id="notification-bell"', "</a>")
    assert 'class="bell__count" aria-hidden="true">1<' in ann_bell
    assert "bell__count" not in bob_bell


def test_every_form_on_the_page_takes_the_members_own_token(topic):
    _, ann_client = _member("ann")
    _page(ann_client, topic)
    bob, _ = _member("bob")
    bob_client = Client(enforce_csrf_checks=True)
    bob_client.force_login(bob)
    html = _page(bob_client, topic)
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) >= 3  # the reply form, the watch menu, sign out
    composer = _between(html, 'id="composer"', "</form>")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', composer).group(1)
    response = bob_client.post(
        reverse("forums:topic-reply", args=[topic.pk]),
        {"body": "Posted through the shared frame", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert topic.posts.filter(author=bob, body="Posted through the shared frame").exists()


def test_suspended_members_each_read_their_own_end_date(topic):
    moderator = UserFactory(roles=[roles.MODERATORS])
    pages = {}
    for name, days in [("ann", 3), ("bob", 10)]:
        user, client = _member(name)
        until = timezone.now() + timedelta(days=days)
        member_suspend(member=user, actor=moderator, until=until, reason="Cooling off")
        pages[name] = (_page(client, topic), timezone.localtime(until).strftime("%-d %B %Y"))
    for name, (html, until) in pages.items():
        assert until in html, name
    assert pages["ann"][1] not in pages["bob"][0]


def test_a_message_for_the_member_is_shown_once(topic):
    _, client = _member("ann")
    _page(client, topic)  # the frame is cached
    opening = topic.posts.get(is_opening=True)
    response = client.post(
        reverse("forums:post-flag", args=[opening.pk]), {"reason": "spam"}, follow=True
    )
    thanks = "Thanks for flagging: the moderators will review the post."
    assert thanks in response.content.decode()
    assert thanks not in _page(client, topic)
    assert thanks not in _page(Client(), topic)


def test_topic_and_branding_changes_show_at_once(topic, django_capture_on_commit_callbacks):
    _, client = _member("ann")
    _page(client, topic)
    topic.title = "Framed anew"
    topic.save()
    with django_capture_on_commit_callbacks(execute=True):
        branding_update(branding=SiteBranding.objects.get(pk=1), community_name="Globex Guild")
    html = _page(client, topic)
    assert "<h1>Framed anew</h1>" in html
    assert "Globex Guild" in html


@pytest.mark.parametrize("first", ["alice", "bob"])
def test_each_moderator_is_offered_only_the_categories_they_see_to_move_to(topic, first):
    from guardian.shortcuts import assign_perm

    alice, alice_client = _member("alice")
    bob, bob_client = _member("bob")
    for moderator in (alice, bob):
        assign_perm("forums.moderate_category", moderator, topic.category)
    private_category_for(alice, name="Secret staff room")
    clients = {"alice": alice_client, "bob": bob_client}
    _page(clients[first], topic)  # fills the shared frame as `first` sees it

    alice_html, bob_html = _page(alice_client, topic), _page(bob_client, topic)
    assert "Secret staff room" in _between(alice_html, 'id="topic-move-category"', "</select>")
    assert "Secret staff room" not in bob_html
