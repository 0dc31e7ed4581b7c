"""The topic page is rendered once and shared (forums.page_cache): visitors get the
whole page from the cache, members the shared posts with their own few rendered for them.
Whoever filled the cache, each viewer sees exactly their own state and rights, every change
shows at once, and every form carries the viewer's own CSRF token."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forums.models import ReactionKind, Tag, WatchLevel
from forums.page_cache.splice import marker
from forums.services.bookmarks import bookmark_save
from forums.services.editing import post_edit
from forums.services.moderation import member_suspend, post_hide
from forums.services.posts import post_create
from forums.services.reactions import reaction_add
from forums.services.tags import topic_tags_set
from forums.services.topics import topic_create
from forums.services.watching import watch_set
from members import roles
from members.models import TrustLevel
from tests.forums.factories import CategoryFactory
from tests.members.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic():
    author = UserFactory(trust_level=TrustLevel.MEMBER)
    topic = topic_create(
        category=CategoryFactory(), author=author, title="Cached", body="First words"
    )
    return topic


def _page(client, topic, query="") -> str:
    response = client.get(topic.get_absolute_url() + query)
    assert response.status_code == 200
    return response.content.decode()


def _post_html(html: str, post) -> str:
    start = html.index(f'id="post-{post.pk}"')
    return html[start : html.index("</article>", start)]


def _client_for(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def test_a_visitors_repeat_visit_costs_only_the_topic(client, topic):
    _page(client, topic)
    with CaptureQueriesContext(connection) as ctx:
        html = _page(client, topic)
    assert "First words" in html
    assert len(ctx.captured_queries) == 1, [q["sql"][:80] for q in ctx.captured_queries]


def test_the_visitor_page_carries_no_forms_token_or_cookie(client, topic):
    """Nothing on it to protect; without a Set-Cookie a shared cache in front may keep it."""
    response = client.get(topic.get_absolute_url())
    html = response.content.decode()
    assert "csrfmiddlewaretoken" not in html
    assert marker() not in html
    assert '"X-CSRFToken": ""' in html
    assert not response.cookies
    # Signing in from there still works: the sign-in page hands out its own token.
    login = Client(enforce_csrf_checks=True)
    login_page = login.get(reverse("account_login")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
    UserFactory(username="vera", email="vera@example.org")
    response = login.post(
        reverse("account_login"),
        {"login": "vera@example.org", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302 and "_auth_user_id" in login.session


def test_replies_edits_reactions_and_hiding_show_to_visitors_at_once(client, topic):
    replier = UserFactory(trust_level=TrustLevel.MEMBER)
    _page(client, topic)

    reply = post_create(topic=topic, author=replier, body="A fresh reply")
    assert "A fresh reply" in _page(client, topic)

    post_edit(post=reply, editor=replier, body="An edited reply")
    assert "An edited reply" in _page(client, topic)

    reaction_add(post=reply, user=topic.author, kind=ReactionKind.THANKS)
    assert 'class="reaction__count">1<' in _page(client, topic)

    tag = Tag.objects.create(name="Invoices", slug="invoices")
    topic_tags_set(topic=topic, tags=[tag], actor=topic.author)
    assert 'href="/forums/tags/invoices/"' in _page(client, topic)

    post_hide(post=reply, actor=UserFactory(roles=[roles.MODERATORS]), reason="Spam")
    assert "An edited reply" not in _page(client, topic)


@pytest.fixture
def conversation(topic):
    """Ann wrote a reply, thanked Bob's reply and bookmarked Cy's; Dee did nothing."""
    ann, bob, cy, dee = (UserFactory(trust_level=TrustLevel.MEMBER) for _ in range(4))
    replies = {
        name: post_create(topic=topic, author=person, body=f"Reply by {name}")
        for name, person in [("ann", ann), ("bob", bob), ("cy", cy)]
    }
    reaction_add(post=replies["bob"], user=ann, kind=ReactionKind.THANKS)
    bookmark_save(user=ann, post=replies["cy"])
    topic.refresh_from_db()
    return {"topic": topic, "ann": ann, "dee": dee, **{f"{k}_reply": v for k, v in replies.items()}}


@pytest.mark.parametrize("first", ["ann", "dee"])
def test_each_member_sees_their_own_state_whoever_filled_the_cache(conversation, first):
    topic = conversation["topic"]
    clients = {name: _client_for(conversation[name]) for name in ("ann", "dee")}
    _page(clients[first], topic)  # fills the shared cache as `first` sees it

    ann_html, dee_html = _page(clients["ann"], topic), _page(clients["dee"], topic)

    ann_own = _post_html(ann_html, conversation["ann_reply"])
    assert "Edit</a>" in ann_own and "Delete this post?" in ann_own
    assert "post-flag__open" not in ann_own
    assert 'name="reaction"' not in ann_own  # nobody reacts to their own post
    dee_on_ann = _post_html(dee_html, conversation["ann_reply"])
    assert "Edit</a>" not in dee_on_ann and "Delete this post?" not in dee_on_ann
    assert "post-flag__open" in dee_on_ann and 'name="reaction"' in dee_on_ann

    assert 'aria-pressed="true"' in _post_html(ann_html, conversation["bob_reply"])
    assert 'aria-pressed="true"' not in _post_html(dee_html, conversation["bob_reply"])
    assert "★ Bookmarked" in _post_html(ann_html, conversation["cy_reply"])
    assert "★ Bookmarked" not in dee_html
    # Both see the same count on Bob's reply: only the "you chose it" differs.
    for html in (ann_html, dee_html):
        assert 'class="reaction__count">1<' in _post_html(html, conversation["bob_reply"])


def test_every_form_carries_the_viewers_own_token(conversation):
    topic = conversation["topic"]
    _page(_client_for(conversation["ann"]), topic)  # Ann's visit fills the cache
    dee = _client_for(conversation["dee"], enforce_csrf_checks=True)
    html = _page(dee, topic)
    assert marker() not in html
    in_shared_post = re.findall(
        r'name="csrfmiddlewaretoken" value="([^"]+)"',
        _post_html(html, conversation["bob_reply"]),
    )
    assert len(set(in_shared_post)) == 1
    response = dee.post(
        reverse("forums:post-react", args=[conversation["bob_reply"].pk]),
        {"reaction": "like:add", "csrfmiddlewaretoken": in_shared_post[0]},
    )
    assert response.status_code in (200, 302)
    assert conversation["bob_reply"].reactions.filter(user=conversation["dee"]).exists()


def test_a_members_repeat_visit_loads_no_posts(conversation):
    dee = _client_for(conversation["dee"])
    topic = conversation["topic"]
    _page(dee, topic)
    with CaptureQueriesContext(connection) as ctx:
        html = _page(dee, topic, "?page=1")
    assert "Reply by bob" in html
    sql = [q["sql"] for q in ctx.captured_queries]
    assert not [q for q in sql if q.startswith('SELECT "forums_post"')], sql
    # session, member, topic, their reactions and bookmarks here, tags, watch level, draft
    assert len(sql) <= 7, sql


def test_moderators_and_members_get_their_own_controls(conversation):
    topic = conversation["topic"]
    moderator = _client_for(UserFactory(roles=[roles.MODERATORS]))
    dee = _client_for(conversation["dee"])
    member_html = _page(dee, topic)
    moderator_html = _page(moderator, topic)
    assert "Hide post" in moderator_html and "Moderate this topic" in moderator_html
    assert "Hide post" not in _page(dee, topic)
    assert "Hide post" not in member_html


def test_a_suspended_member_gets_no_reaction_buttons(conversation):
    topic = conversation["topic"]
    _page(_client_for(conversation["dee"]), topic)
    member_suspend(
        member=conversation["ann"],
        actor=UserFactory(roles=[roles.MODERATORS]),
        until=timezone.now() + timedelta(days=3),
        reason="Cooling off",
    )
    ann = _client_for(conversation["ann"])
    html = _page(ann, topic)
    assert 'name="reaction"' not in _post_html(html, conversation["cy_reply"])


@pytest.mark.parametrize("query", ["?page=abc", "?page=0", "?page=99999999999999", "?page=1"])
def test_odd_page_numbers_get_a_real_page(client, topic, query):
    html = _page(client, topic, query)
    assert "First words" in html


@pytest.mark.parametrize("watched", ["topic", "category", "parent", "tag", "nothing"])
def test_the_topic_pages_watch_menu_says_what_applies_and_why(watched):
    parent = CategoryFactory(name="Products")
    category = CategoryFactory(name="Billing", parent=parent)
    author, member = (UserFactory(trust_level=TrustLevel.MEMBER) for _ in range(2))
    topic = topic_create(category=category, author=author, title="Refunds", body="How?")
    tag = Tag.objects.create(name="Invoices", slug="invoices")
    topic_tags_set(topic=topic, tags=[tag], actor=author)
    targets = {"topic": {"topic": topic}, "category": {"category": category}}
    targets |= {"parent": {"category": parent}, "tag": {"tag": tag}}
    if watched != "nothing":
        watch_set(user=member, level=WatchLevel.EVERY_POST, **targets[watched])
    html = _page(_client_for(member), topic)
    expected = {
        "topic": "Watching for this topic: every new post notifies you.",
        "category": "Watching, from the category “Billing”: every new post notifies you.",
        "parent": "Watching, from the category “Products”: every new post notifies you.",
        "tag": "Watching, from the tag “Invoices”: every new post notifies you.",
        "nothing": "Normal (the default): you hear of mentions and replies to you.",
    }
    assert expected[watched] in html
