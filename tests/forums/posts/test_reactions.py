import html as html_lib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from forums.models import Post, Reaction, ReactionKind
from forums.services import reactions
from forums.services.reactions import reaction_add, reaction_remove
from members.models import SupportAct, SupportKind
from tests.forums.factories import PostFactory, TopicFactory, private_category_for
from tests.html import parse_elements
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _react(client, post, value, **extra):
    return client.post(reverse("forums:post-react", args=[post.pk]), {"reaction": value}, **extra)


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def _pressed(html: str) -> dict[str, str]:
    """The reaction buttons' aria-pressed, by kind."""
    return {
        attrs["value"].split(":")[0]: attrs["aria-pressed"]
        for tag, attrs in parse_elements(html)
        if tag == "button" and attrs.get("name") == "reaction"
    }


def test_reacting_twice_stores_one_reaction_one_count_and_one_support_act(thread, reader, author):
    topic, _ = thread
    opening = topic.posts.get(is_opening=True)
    assert reaction_add(post=opening, user=reader, kind=ReactionKind.LIKE) is True
    assert reaction_add(post=opening, user=reader, kind=ReactionKind.LIKE) is False
    opening.refresh_from_db()
    assert opening.reaction_count == 1
    assert Reaction.objects.filter(post=opening).count() == 1
    act = SupportAct.objects.get(kind=SupportKind.REACTION)
    assert (act.giver, act.receiver, act.target) == (reader, author, opening)


def test_each_kind_counts_but_a_post_earns_one_support_act_from_a_member(thread, reader):
    topic, _ = thread
    opening = topic.posts.get(is_opening=True)
    for kind in (ReactionKind.LIKE, ReactionKind.HEART, ReactionKind.THANKS):
        reaction_add(post=opening, user=reader, kind=kind)
    opening.refresh_from_db()
    assert opening.reaction_count == 3
    assert SupportAct.objects.filter(kind=SupportKind.REACTION).count() == 1


def test_taking_a_reaction_back_keeps_the_support_act_and_re_adding_adds_none(thread, reader):
    topic, _ = thread
    opening = topic.posts.get(is_opening=True)
    reaction_add(post=opening, user=reader, kind=ReactionKind.LIKE)
    assert reaction_remove(post=opening, user=reader, kind=ReactionKind.LIKE) is True
    assert reaction_remove(post=opening, user=reader, kind=ReactionKind.LIKE) is False
    opening.refresh_from_db()
    assert opening.reaction_count == 0
    reaction_add(post=opening, user=reader, kind=ReactionKind.LIKE)
    assert SupportAct.objects.filter(kind=SupportKind.REACTION).count() == 1


def test_a_double_click_through_the_page_stores_one_reaction(client, thread, reader):
    topic, _ = thread
    opening = topic.posts.get(is_opening=True)
    client.force_login(reader)
    first = _react(client, opening, "like:add")
    second = _react(client, opening, "like:add")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == f"{topic.get_absolute_url()}?page=1#post-{opening.pk}"
    opening.refresh_from_db()
    assert opening.reaction_count == 1
    assert Reaction.objects.filter(post=opening, user=reader).count() == 1


def test_htmx_swaps_the_bar_showing_the_count_and_the_choice(client, thread, reader):
    topic, _ = thread
    opening = topic.posts.get(is_opening=True)
    client.force_login(reader)
    response = _react(client, opening, "heart:add", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<div class="reactions" id="reactions-{opening.pk}"')
    assert _pressed(html)["heart"] == "true" and _pressed(html)["like"] == "false"
    assert 'value="heart:remove"' in html

    html = _react(client, opening, "heart:remove", **HTMX).content.decode()
    assert _pressed(html)["heart"] == "false"
    assert not Reaction.objects.exists()


def test_the_topic_page_shows_counts_per_kind_and_what_the_viewer_chose(client, thread, reader):
    topic, reply = thread
    opening = topic.posts.get(is_opening=True)
    others = UserFactory.create_batch(2)
    for user in others:
        reaction_add(post=opening, user=user, kind=ReactionKind.LIKE)
    reaction_add(post=opening, user=reader, kind=ReactionKind.INSIGHTFUL)

    client.force_login(reader)
    page = client.get(topic.get_absolute_url()).content.decode()
    bar = page[page.index(f'id="reactions-{opening.pk}"') :]
    bar = bar[: bar.index("</div>")]
    assert _pressed(bar) == {
        "like": "false",
        "heart": "false",
        "laugh": "false",
        "insightful": "true",
        "thanks": "false",
    }
    assert '<span class="reaction__count">2</span>' in bar
    assert '<span class="reaction__count">1</span>' in bar
    # Their own reply: counts only, no buttons.
    own = page[page.index(f'id="reactions-{reply.pk}"') :]
    assert "<button" not in own[: own.index("</div>")]


def test_visitors_see_counts_but_no_buttons(client, thread, reader):
    topic, _ = thread
    opening = topic.posts.get(is_opening=True)
    reaction_add(post=opening, user=reader, kind=ReactionKind.LAUGH)
    page = client.get(topic.get_absolute_url()).content.decode()
    bar = page[page.index(f'id="reactions-{opening.pk}"') :]
    bar = bar[: bar.index("</div>")]
    assert "Funny" in bar and '<span class="reaction__count">1</span>' in bar
    assert "<button" not in bar and "<form" not in bar
    response = _react(client, opening, "like:add")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Reaction.objects.count() == 1


def test_reacting_to_your_own_post_is_refused(client, thread, author):
    topic, _ = thread
    opening = topic.posts.get(is_opening=True)
    with pytest.raises(PermissionDenied):
        reaction_add(post=opening, user=author, kind=ReactionKind.LIKE)
    client.force_login(author)
    response = _react(client, opening, "like:add")
    assert response.status_code == 403
    assert "You can't react to your own post." in _text(response)
    response = _react(client, opening, "like:add", **HTMX)
    assert response.status_code == 200  # htmx swaps only 2xx: the bar says why
    assert "You can't react to your own post." in _text(response)
    assert not Reaction.objects.exists()
    assert not SupportAct.objects.filter(kind=SupportKind.REACTION).exists()


def test_reacting_to_a_hidden_post_is_refused_and_hidden_from_members(
    client, thread, reader, moderator
):
    topic, _ = thread
    hidden = PostFactory(topic=topic, is_hidden=True)
    client.force_login(reader)
    assert _react(client, hidden, "like:add").status_code == 404
    client.force_login(moderator)
    response = _react(client, hidden, "like:add")
    assert response.status_code == 403
    assert "hidden" in response.content.decode()
    assert not Reaction.objects.exists()


def test_reacting_in_a_category_you_cannot_see_answers_404(client, reader):
    insider = UserFactory()
    topic = TopicFactory(category=private_category_for(insider))
    post = topic.posts.get()
    client.force_login(reader)
    response = _react(client, post, "like:add")
    missing = client.post(reverse("forums:post-react", args=[999_999]), {"reaction": "like:add"})
    assert response.status_code == missing.status_code == 404
    assert not Reaction.objects.exists()
    with pytest.raises(PermissionDenied):
        reaction_add(post=post, user=reader, kind=ReactionKind.LIKE)
    # The group member may.
    client.force_login(insider)
    # ... but not to their own opening post; a reply by someone else works.
    reply = PostFactory(topic=topic)
    assert _react(client, reply, "like:add").status_code == 302
    assert Reaction.objects.filter(post=reply, user=insider).exists()


def test_a_suspended_member_cannot_react_but_can_take_one_back(client, thread, reader):
    topic, _ = thread
    opening = topic.posts.get(is_opening=True)
    reaction_add(post=opening, user=reader, kind=ReactionKind.LIKE)
    reader.suspended_until = timezone.now() + timedelta(days=3)
    reader.suspension_reason = "Cooling off"
    reader.save()
    client.force_login(reader)
    response = _react(client, opening, "heart:add")
    assert response.status_code == 403 and "suspended" in response.content.decode()
    assert _react(client, opening, "like:remove").status_code == 302
    assert not Reaction.objects.exists()


@pytest.mark.parametrize("value", ["", "angry:add", "like", ":add", "<script>:add", "x" * 5000])
def test_unknown_reactions_get_a_clear_400_and_store_nothing(client, thread, reader, value):
    topic, _ = thread
    opening = topic.posts.get(is_opening=True)
    client.force_login(reader)
    response = _react(client, opening, value)
    if value == "like":  # no action: taken as "add"
        assert response.status_code == 302
        return
    assert response.status_code == 400
    assert "Pick one of the reactions shown." in response.content.decode()
    assert not Reaction.objects.exists()


def test_reacting_is_post_only(client, thread, reader):
    topic, _ = thread
    client.force_login(reader)
    url = reverse("forums:post-react", args=[topic.posts.get(is_opening=True).pk])
    assert client.get(url).status_code == 405


def test_reacting_past_the_rate_limit_gets_a_429_with_retry_after(
    client, thread, reader, monkeypatch
):
    from community.ratelimit import RateLimit

    monkeypatch.setattr(
        reactions, "REACTION_LIMITS", (RateLimit(count=2, seconds=60, description="2 a minute"),)
    )
    topic, _ = thread
    opening = topic.posts.get(is_opening=True)
    client.force_login(reader)
    assert _react(client, opening, "like:add", **HTMX).status_code == 200
    assert _react(client, opening, "heart:add", **HTMX).status_code == 200
    response = _react(client, opening, "thanks:add", **HTMX)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "2 a minute" in response.content.decode()
    response = _react(client, opening, "thanks:add")
    assert response.status_code == 429 and "2 a minute" in response.content.decode()
    assert Post.objects.get(pk=opening.pk).reaction_count == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_reaction_stores_one_and_no_server_error(migration_data):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writes and hides the race; CI runs this on PostgreSQL")
    reactor = UserFactory()
    post = TopicFactory().posts.get()
    barrier = threading.Barrier(2)

    def react(_):
        client = Client(raise_request_exception=False)
        client.force_login(reactor)
        barrier.wait()  # both requests reach the view together
        try:
            return _react(client, post, "like:add").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        codes = list(pool.map(react, range(2)))

    assert 500 not in codes
    assert Reaction.objects.filter(post=post, user=reactor).count() == 1
    assert Post.objects.get(pk=post.pk).reaction_count == 1
    assert SupportAct.objects.filter(giver=reactor, kind=SupportKind.REACTION).count() == 1
