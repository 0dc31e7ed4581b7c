"""Searches are ranked once and shared (forums.selectors.search, search.views): the ranked
topics and their hits per reach and forum version, the topics-and-posts page per list
shape. Whoever filled the cache, each searcher finds only what they may open, and a change
made through a service shows in the very next search. A word in more posts than a search
ranks still finds topics, the best of its most recent matches."""

import pytest
from django.db import connection
from django.test import Client

from forums.page_cache.splice import marker
from forums.selectors import search as search_selectors
from forums.selectors.search import SearchCriteria, topic_search
from forums.services.moderation import post_hide
from forums.services.posts import post_create
from forums.services.topics import topic_create
from members import roles
from members.models import TrustLevel
from members.services import member_roles_set
from tests.forums.factories import CategoryFactory, private_category_for
from tests.html import parse_elements
from tests.members.factories import UserFactory
from tests.search.conftest import client_for

pytestmark = pytest.mark.django_db

SEARCH = "/search/"


def _results(user, q: str = "zorblax", kind: str = "forums", **params) -> str:
    """The results part of the page `user` (None: a visitor) gets, every hole filled."""
    response = client_for(user).get(SEARCH, {"q": q, "kind": kind, **params})
    assert response.status_code == 200
    html = response.content.decode()
    assert marker() not in html
    return html.split('id="search-results', 1)[1]


@pytest.fixture
def scene():
    ann = UserFactory(trust_level=TrustLevel.MEMBER)
    insider, outsider = (UserFactory(trust_level=TrustLevel.MEMBER) for _ in range(2))
    public = CategoryFactory(name="Billing")
    beta = private_category_for(insider, name="Beta Program")
    opened = topic_create(category=public, author=ann, title="Zorblax refunds", body="How?")
    secret = topic_create(category=beta, author=insider, title="Zorblax roadmap", body="Q3")
    return {
        "ann": ann,
        "insider": insider,
        "outsider": outsider,
        "public": public,
        "opened": opened,
        "secret": secret,
    }


@pytest.mark.parametrize("kind", ["forums", "all"])
def test_a_private_topic_found_first_by_its_group_never_reaches_anyone_else(scene, kind):
    insider_page = _results(scene["insider"], kind=kind)
    assert "roadmap" in insider_page and "refunds" in insider_page

    for someone in (None, scene["outsider"], scene["ann"]):
        page = _results(someone, kind=kind)
        assert "refunds" in page
        assert "roadmap" not in page


def test_a_group_member_finds_the_private_topic_after_others_filled_the_cache(scene):
    for someone in (None, scene["outsider"]):
        assert "roadmap" not in _results(someone)

    assert "roadmap" in _results(scene["insider"])


def test_the_selector_shares_ranks_only_between_viewers_who_see_the_same(scene):
    criteria = SearchCriteria(text="zorblax")

    def found(viewer):
        return {hit.topic for hit in topic_search(viewer=viewer, criteria=criteria, page=1).hits}

    assert found(scene["insider"]) == {scene["opened"], scene["secret"]}
    assert found(scene["outsider"]) == {scene["opened"]}
    assert found(scene["insider"]) == {scene["opened"], scene["secret"]}


def test_each_searcher_gets_their_own_token_and_account_corner(scene):
    pages = {}
    for name in ("ann", "outsider"):
        response = client_for(scene[name]).get(SEARCH, {"q": "zorblax", "kind": "forums"})
        html = response.content.decode()
        assert scene[name].public_name in html
        links = [a["href"] for tag, a in parse_elements(html) if tag == "a"]
        pages[name] = {link.split("/")[2] for link in links if "/open/topic/" in link}
    assert len(pages["ann"]) == len(pages["outsider"]) == 1
    assert pages["ann"] != pages["outsider"]
    visitor_tokens = set()
    for _ in range(2):
        html = Client().get(SEARCH, {"q": "zorblax", "kind": "forums"}).content.decode()
        links = [a["href"] for tag, a in parse_elements(html) if tag == "a"]
        visitor_tokens |= {link.split("/")[2] for link in links if "/open/topic/" in link}
    assert len(visitor_tokens) == 2


def test_a_new_reply_and_a_new_topic_show_in_the_next_search(scene):
    assert "refunds" not in _results(None, q="quuxwidget")

    post_create(topic=scene["opened"], author=scene["ann"], body="The quuxwidget fixed it.")
    assert "refunds" in _results(None, q="quuxwidget")
    assert "quuxwidget" in _results(scene["outsider"], q="quuxwidget", kind="all")

    topic_create(
        category=scene["public"], author=scene["ann"], title="Quuxwidget pricing", body="Cost?"
    )
    page = _results(None, q="quuxwidget")
    assert "Quuxwidget" in page and "2 topics found" in page


def test_a_hidden_post_disappears_from_the_next_search(scene):
    reply = post_create(topic=scene["opened"], author=scene["ann"], body="A quuxwidget tip.")
    assert "refunds" in _results(None, q="quuxwidget")
    assert "refunds" in _results(scene["outsider"], q="quuxwidget", kind="all")

    moderator = UserFactory(roles=[roles.MODERATORS])
    post_hide(post=reply, actor=moderator, reason="Spam")

    assert "Nothing matched" in _results(None, q="quuxwidget")
    assert "refunds" not in _results(scene["outsider"], q="quuxwidget", kind="all")
    # The moderator still finds it, marked, and sharing it with nobody else.
    moderator_page = _results(moderator, q="quuxwidget")
    assert "refunds" in moderator_page and "Hidden post" in moderator_page
    assert "refunds" not in _results(scene["outsider"], q="quuxwidget")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's full-text ranking bounds its work"
)
def test_a_word_in_more_posts_than_are_ranked_still_finds_the_most_recent(scene, monkeypatch):
    monkeypatch.setattr(search_selectors, "RANKED_POSTS", 3)
    monkeypatch.setattr(search_selectors, "RANKED_TITLES", 3)
    topics = [
        topic_create(
            category=scene["public"], author=scene["ann"], title=f"Topic {n}", body="zorblax"
        )
        for n in range(6)
    ]

    page = _results(None)
    assert "+ topics found" in page
    assert "the best of the most recent matches" in page
    assert "Topic 5" in page and "Topic 3" in page  # the newest matching posts
    assert "Topic 0" not in page
    assert "refunds" in page  # and the most recently active title matches
    assert len(topics) == 6


def test_a_cached_results_page_costs_the_version_and_little_else(
    scene, django_assert_max_num_queries
):
    visitor, member = Client(), client_for(scene["outsider"])
    params = {"q": "zorblax", "kind": "forums"}
    for client in (visitor, member):
        client.get(SEARCH, params)
    # A visitor: the forum's version only. A member: their session and user, the version
    # (whether they may search members is cached under their access versions).
    with django_assert_max_num_queries(1):
        assert visitor.get(SEARCH, params).status_code == 200
    with django_assert_max_num_queries(3):
        assert member.get(SEARCH, params).status_code == 200


def test_losing_the_directory_permission_takes_members_out_of_the_next_search(scene):
    member = scene["outsider"]
    client = client_for(member)
    assert client.get(SEARCH, {"q": "zorblax", "kind": "members"}).status_code == 200
    assert 'value="members"' in client.get(SEARCH, {"q": "zorblax"}).content.decode()

    # Out of every role: no longer a community member's permissions (members.access moves
    # their version, so the cached answer is not used again).
    member_roles_set(user=member, role_names=[])

    html = client.get(SEARCH, {"q": "zorblax"}).content.decode()
    assert 'value="members"' not in html
    refused = client.get(SEARCH, {"q": "zorblax", "kind": "members"}).content.decode()
    assert "Searching for members is for signed-in community members." in refused
