import re

import pytest
from django.contrib.admin.templatetags.admin_list import result_headers
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forums.admin import TOPIC_TITLE_CHARS
from forums.models import Flag, FlagReason, Post
from members import roles
from tests.forums.factories import CategoryFactory, PostFactory, TopicFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

LONG_TITLE = "How do I connect the billing export to our warehouse when the nightly job fails"
LONG_BODY = "This is a long reply that goes on and on about the billing export. " * 20


@pytest.fixture
def manager_client(client):
    client.force_login(UserFactory(roles=[roles.COMMUNITY_MANAGERS]))
    return client


def _add_rows(count: int) -> None:
    """`count` topics, each with a long title and two flagged long replies."""
    category = CategoryFactory()
    flagger = UserFactory()
    for _ in range(count):
        topic = TopicFactory(category=category, title=LONG_TITLE)
        for post in PostFactory.create_batch(2, topic=topic, body=LONG_BODY):
            Flag.objects.create(post=post, flagger=flagger, reason=FlagReason.SPAM)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("model", ["post", "topic"])
def test_changelist_queries_do_not_grow_with_rows(
    manager_client, model, django_assert_max_num_queries
):
    url = reverse(f"admin:forums_{model}_changelist")
    # Each round warms first: new members bump the access versions, so the next request
    # reloads the manager's permissions once, whatever the number of rows.
    _add_rows(2)
    _queries(manager_client, url)
    few = _queries(manager_client, url)
    _add_rows(60)  # more than a page (100 rows) of posts
    _queries(manager_client, url)
    assert _queries(manager_client, url) == few
    with django_assert_max_num_queries(few):
        manager_client.get(url, {"review": "queue"} if model == "post" else {})


def test_posts_changelist_rows_are_short_and_name_the_topic(manager_client):
    _add_rows(3)
    response = manager_client.get(reverse("admin:forums_post_changelist"))
    content = response.content.decode()
    headers = [h["text"] for h in result_headers(response.context["cl"])]
    assert headers[1:4] == ["Post", "Topic", "Category"]  # after the action checkbox
    assert "Post 1 in topic" not in content
    # The topic title is cut (the whole one is in the tooltip) and the excerpt is short.
    short_title = LONG_TITLE[: TOPIC_TITLE_CHARS - 1]
    assert f'<span title="{LONG_TITLE}">' in content
    assert short_title in content
    cells = re.findall(r'<th class="field-excerpt"><a [^>]*>([^<]*)</a>', content)
    assert cells and all(len(cell) <= 90 for cell in cells)


def test_post_str_is_a_short_excerpt_by_its_author():
    post = PostFactory(body=LONG_BODY, author_name="Maya")
    text = str(post)
    assert text.startswith("“This is a long reply") and text.endswith("” by Maya")
    assert len(text) < 80
    assert str(Post(body="Hi\n\nthere")) == "“Hi there”"


def test_post_str_shows_the_words_not_the_markdown():
    post = Post(
        body="Ask in **Product Q&A** or `code`",
        html="<p>Ask in <strong>Product Q&amp;A</strong> or <code>code</code></p>",
    )
    assert str(post) == "“Ask in Product Q&A or code”"
