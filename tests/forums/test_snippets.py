"""Search results and bookmarks show a post as text: what the reader sees, not its Markdown
(no ** or code fences), with the words kept and anything HTML-like escaped."""

import pytest
from django.urls import reverse

from community.markdown import html_to_text, render_markdown
from forums.selectors.search import SearchCriteria, _FallbackSearch
from forums.services.bookmarks import bookmark_save
from tests.forums.factories import CategoryFactory, PostFactory, TopicFactory

pytestmark = pytest.mark.django_db

BODY = (
    "The **zorblax** valve needs _care_ & patience <b>really</b>.\n\n"
    "```python\nzorblax.align(depth=3)\n```\n\n"
    "- first step\n- second step"
)


def _assert_text_not_markdown(snippet: str):
    assert "**" not in snippet and "```" not in snippet and "_care_" not in snippet
    assert "zorblax" in snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<b>" not in snippet  # escaped, never markup


def test_html_to_text_keeps_the_words_and_drops_the_markup():
    text = html_to_text(render_markdown(BODY))
    assert text == (
        "The zorblax valve needs care & patience <b>really</b>. "
        "zorblax.align(depth=3) first step second step"
    )


@pytest.fixture
def post():
    topic = TopicFactory(category=CategoryFactory(), title="Valve maintenance")
    return PostFactory(topic=topic, body=BODY)


def test_search_snippets_are_text(client, post):
    page = client.get(reverse("search:search"), {"q": "zorblax", "kind": "forums"}).content.decode()
    snippet = page.split('class="search-result__snippet">')[1].split("</p>")[0]
    _assert_text_not_markdown(snippet)
    assert "<mark>zorblax</mark>" in snippet
    assert "&amp; patience &lt;b&gt;really&lt;/b&gt;" in snippet


def test_fallback_search_snippets_are_text_too(post, member):
    search = _FallbackSearch(member, SearchCriteria(text="zorblax"))
    snippet = str(search.snippet_html(post))
    _assert_text_not_markdown(snippet)
    assert "needs care &amp; patience" in snippet


def test_bookmark_snippets_are_text(client_as_member, member, post):
    bookmark_save(user=member, post=post)
    page = client_as_member.get(reverse("forums:bookmarks")).content.decode()
    snippet = page.split('class="bookmark-row__excerpt">')[1].split("</p>")[0]
    _assert_text_not_markdown(snippet)
    assert "The zorblax valve needs care &amp; patience" in snippet
