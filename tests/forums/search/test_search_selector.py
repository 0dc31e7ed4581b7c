"""forums.selectors.search.topic_search: what is found, in which order, for whom. Run on
SQLite and PostgreSQL; the PostgreSQL run exercises the full-text path."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone

from forums.models import Tag, Topic
from forums.selectors.search import (
    MARK_START,
    MARK_STOP,
    RESULTS_PER_PAGE,
    SearchCriteria,
    marked_html,
    topic_search,
)
from members.roles import MODERATORS
from tests.forums.factories import CategoryFactory, private_category_for
from tests.forums.search.helpers import found, hits, reply, topic_with, written_days_ago
from tests.html import parse_elements, unsafe_markup
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

visitor = AnonymousUser()


def test_a_title_match_ranks_above_a_body_only_match(category):
    body_only = topic_with(
        title="Weekly chat",
        body="The zorblax came up twice: zorblax settings, and the zorblax manual.",
        category=category,
    )
    in_title = topic_with(title="Zorblax keeps rebooting", body="Since Tuesday.", category=category)
    # The body-only topic is the more recent one: without ranking it would come first.
    Topic.objects.filter(pk=in_title.pk).update(last_post_at=timezone.now() - timedelta(days=30))

    assert found(visitor, "zorblax") == [in_title.pk, body_only.pk]


def test_words_are_found_in_titles_and_in_replies(category):
    by_title = topic_with(title="Frobnicator setup", category=category)
    by_reply = topic_with(category=category)
    reply(by_reply, "Have you tried the frobnicator reset?")
    topic_with(title="Something else entirely", category=category)

    assert set(found(visitor, "frobnicator")) == {by_title.pk, by_reply.pk}


def test_one_hit_per_topic_with_its_best_post(category):
    topic = topic_with(title="Printer trouble", category=category)
    reply(topic, "quibbleton once")
    best = reply(topic, "quibbleton quibbleton: the quibbleton driver fixed the quibbleton")

    [hit] = hits(visitor, "quibbleton")
    assert hit.topic == topic
    assert hit.post == best


def test_a_title_only_match_shows_the_opening_post(category):
    topic = topic_with(title="Gizmotron warranty", body="Bought it in May.", category=category)

    [hit] = hits(visitor, "gizmotron")
    assert hit.post.is_opening and hit.post.topic_id == topic.pk
    assert "Bought it in May." in hit.snippet_html


def test_matches_are_highlighted_and_the_snippet_is_escaped(category):
    topic_with(
        title='Zorblax <img src=x onerror="alert(1)"> guide',
        body="Before <script>alert('x')</script> the zorblax <b>bold</b> & more.",
        category=category,
    )

    [hit] = hits(visitor, "zorblax")
    for html in (hit.title_html, hit.snippet_html):
        assert unsafe_markup(html) == []
        assert {tag for tag, _attrs in parse_elements(html)} == {"mark"}
    assert "<mark>zorblax</mark>" in hit.snippet_html.lower()
    assert "&lt;script&gt;" in hit.snippet_html
    assert "<mark>zorblax</mark>" in hit.title_html.lower()
    assert "&lt;img" in hit.title_html


def test_a_post_cannot_forge_highlight_markers(category):
    topic_with(body=f"{MARK_START}fake{MARK_STOP} and the real zorblax", category=category)

    [hit] = hits(visitor, "zorblax")
    assert hit.snippet_html.count("<mark>") == 1
    assert "fake" in hit.snippet_html


def test_marked_html_is_always_balanced_and_escaped():
    html = marked_html(f"{MARK_STOP}a{MARK_START}<b>{MARK_START}c")
    assert html == "a<mark>&lt;b&gt;c</mark>"


def test_category_filter_includes_sub_categories():
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)
    elsewhere = CategoryFactory()
    in_parent = topic_with(title="Zorblax one", category=parent)
    in_child = topic_with(title="Zorblax two", category=child)
    topic_with(title="Zorblax three", category=elsewhere)

    assert set(found(visitor, "zorblax", category=parent)) == {in_parent.pk, in_child.pk}
    assert found(visitor, "zorblax", category=child) == [in_child.pk]


def test_author_filter_keeps_what_that_member_wrote(category):
    ada = UserFactory(username="ada")
    started = topic_with(title="Zorblax by Ada", author=ada, category=category)
    replied = topic_with(category=category)
    reply(replied, "Ada says: zorblax", author=ada)
    others = topic_with(title="Zorblax by someone", category=category)
    reply(others, "Ada was not here, but zorblax")

    assert set(found(visitor, "zorblax", author="ADA")) == {started.pk, replied.pk}
    assert found(visitor, "zorblax", author="nobody-by-that-name") == []


def test_tag_filter(category):
    tag = Tag.objects.create(name="Billing", slug="billing")
    tagged = topic_with(title="Zorblax invoice", category=category)
    tagged.tags.add(tag)
    topic_with(title="Zorblax other", category=category)

    assert found(visitor, "zorblax", tag="billing") == [tagged.pk]
    assert found(visitor, "zorblax", tag="no-such-tag") == []


def test_date_filters_are_inclusive_days(category):
    old = topic_with(title="Zorblax of old", category=category)
    written_days_ago(40, old, old.posts.get())
    recent = topic_with(category=category)
    recent_reply = reply(recent, "zorblax lately")
    written_days_ago(3, recent_reply)
    today = timezone.localdate()

    assert found(visitor, "zorblax", after=today - timedelta(days=10)) == [recent.pk]
    assert found(visitor, "zorblax", before=today - timedelta(days=10)) == [old.pk]
    assert found(visitor, "zorblax", after=today - timedelta(days=3)) == [recent.pk]
    assert set(found(visitor, "zorblax", before=today - timedelta(days=3))) == {recent.pk, old.pk}
    assert found(visitor, "zorblax", before=today - timedelta(days=4)) == [old.pk]


def test_solved_filter():
    category = CategoryFactory(qa=True)
    solved = topic_with(title="Zorblax crash", category=category)
    answer = reply(solved, "Update the firmware.")
    Topic.objects.filter(pk=solved.pk).update(accepted_answer=answer)
    open_question = topic_with(title="Zorblax noise", category=category)

    assert found(visitor, "zorblax", solved=True) == [solved.pk]
    assert found(visitor, "zorblax", solved=False) == [open_question.pk]
    assert set(found(visitor, "zorblax")) == {solved.pk, open_question.pk}


def test_private_category_content_stays_with_its_group():
    insider = UserFactory()
    outsider = UserFactory()
    secret = private_category_for(insider)
    by_title = topic_with(title="Zorblax roadmap", category=secret)
    by_body = topic_with(body="zorblax pricing draft", category=secret)

    assert found(visitor, "zorblax") == []
    assert found(outsider, "zorblax") == []
    assert set(found(insider, "zorblax")) == {by_title.pk, by_body.pk}
    # Naming the category as a filter doesn't open it either.
    assert found(outsider, "zorblax", category=secret) == []


def test_private_sub_category_of_a_private_parent_stays_private():
    insider = UserFactory()
    parent = private_category_for(insider)
    child = CategoryFactory(parent=parent)  # public itself, but under a private parent
    topic = topic_with(title="Zorblax beta notes", category=child)

    assert found(UserFactory(), "zorblax") == []
    assert found(visitor, "zorblax") == []
    assert found(insider, "zorblax") == [topic.pk]


def test_members_only_categories_are_not_searched_for_visitors():
    topic = topic_with(title="Zorblax lounge", category=CategoryFactory(members=True))

    assert found(visitor, "zorblax") == []
    assert found(UserFactory(), "zorblax") == [topic.pk]


def test_members_only_community_shows_visitors_nothing(members_only, category):
    topic_with(title="Zorblax public", category=category)

    assert found(visitor, "zorblax") == []


def test_hidden_posts_and_topics_never_match_for_members(category):
    member = UserFactory()
    topic = topic_with(category=category)
    hidden_reply = reply(topic, "zorblax spam", is_hidden=True)
    hidden_topic = topic_with(title="Zorblax hidden topic", category=category, hidden=True)
    hidden_opening = topic_with(category=category)
    hidden_opening.posts.update(is_hidden=True, body="zorblax in a hidden opening post")

    assert found(member, "zorblax") == []
    assert found(visitor, "zorblax") == []
    # The title of a visible topic still matches; the hidden reply never shows as its snippet.
    visible = topic_with(title="Zorblax visible", category=category)
    [hit] = hits(member, "zorblax")
    assert hit.topic == visible and hit.post != hidden_reply
    assert hidden_topic.pk not in found(member, "zorblax")


def test_moderators_find_hidden_posts_as_on_the_topic_page(category):
    moderator = UserFactory(roles=[MODERATORS])
    topic = topic_with(category=category)
    hidden_reply = reply(topic, "zorblax spam", is_hidden=True)

    [hit] = hits(moderator, "zorblax")
    assert hit.post == hidden_reply


def test_results_are_paginated_by_twenty(category):
    for n in range(RESULTS_PER_PAGE + 3):
        topic_with(title=f"Zorblax number {n}", category=category)

    first = topic_search(viewer=visitor, criteria=SearchCriteria(text="zorblax"), page=1)
    second = topic_search(viewer=visitor, criteria=SearchCriteria(text="zorblax"), page=2)
    assert first.count == RESULTS_PER_PAGE + 3
    assert len(first.hits) == RESULTS_PER_PAGE
    assert len(second.hits) == 3
    assert not {h.topic.pk for h in first.hits} & {h.topic.pk for h in second.hits}
    # A page past the end shows the last one, as the other lists do.
    assert (
        len(topic_search(viewer=visitor, criteria=SearchCriteria(text="zorblax"), page=99).hits)
        == 3
    )


@pytest.mark.parametrize(
    "text",
    [
        "' OR 1=1 --",
        '"unbalanced quote',
        "zorblax)(:*&|!\\",
        "%_%",
        "-",
        "the",  # only a stop word
        "a" * 200,
    ],
)
def test_hostile_text_is_searched_as_words(category, text):
    topic_with(title="Zorblax", category=category)

    results = topic_search(viewer=visitor, criteria=SearchCriteria(text=text), page=1)
    assert results.count == len(results.hits) <= 1


def test_websearch_syntax_on_postgres(category):
    if connection.vendor != "postgresql":
        pytest.skip("websearch syntax is PostgreSQL's")
    both = topic_with(title="Zorblax frobnicator", category=category)
    only_one = topic_with(title="Zorblax alone", category=category)
    phrase = topic_with(body="the blue zorblax", category=category)

    assert set(found(visitor, "zorblax -frobnicator")) == {only_one.pk, phrase.pk}
    assert found(visitor, '"blue zorblax"') == [phrase.pk]
    assert set(found(visitor, "frobnicator or blue")) == {both.pk, phrase.pk}
    # Stemming: "rebooting" finds "reboots".
    reboot = topic_with(title="It reboots nightly", category=category)
    assert found(visitor, "rebooting") == [reboot.pk]


def test_an_empty_search_finds_nothing(category):
    topic_with(title="Zorblax", category=category)

    assert topic_search(viewer=visitor, criteria=SearchCriteria(text=""), page=1).count == 0
