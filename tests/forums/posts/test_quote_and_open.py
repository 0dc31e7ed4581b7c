import pytest
from django.urls import reverse

from forums.models import Post
from forums.services.drafts import draft_save
from forums.services.posts import POSTS_PER_PAGE
from tests.forums.factories import PostFactory, TopicFactory, private_category_for
from tests.html import parse_elements
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def _composer_text(response) -> str:
    import html

    content = response.content.decode()
    start = content.index("<textarea", content.index('id="reply"'))
    start = content.index(">", start) + 1
    return html.unescape(content[start : content.index("</textarea>", start)]).lstrip("\n")


def test_quote_prefills_the_reply_with_a_markdown_quote(client, thread, author):
    topic, reply = thread
    Post.objects.filter(pk=reply.pk).update(body="First line\n\nSecond *line*")
    client.force_login(author)
    page = client.get(topic.get_absolute_url()).content.decode()
    quote_links = [
        attrs["href"]
        for tag, attrs in parse_elements(page)
        if tag == "a" and "quote=" in attrs.get("href", "")
    ]
    assert f"{topic.get_absolute_url()}?page=1&quote={reply.pk}#reply" in quote_links

    response = client.get(f"{topic.get_absolute_url()}?page=1&quote={reply.pk}")
    assert response.status_code == 200
    assert _composer_text(response) == (
        "> **Rhea Reader** wrote:\n> First line\n>\n> Second *line*\n\n"
    )


def test_quote_keeps_the_members_draft(client, thread, author):
    topic, reply = thread
    draft_save(user=author, topic=topic, body="My thoughts so far")
    client.force_login(author)
    text = _composer_text(client.get(f"{topic.get_absolute_url()}?page=1&quote={reply.pk}"))
    assert text.startswith("My thoughts so far\n\n> **Rhea Reader** wrote:\n> A reply from Rhea")


@pytest.mark.parametrize("value", ["abc", "-1", "999999", "99999999999999999999999", "1.5", ""])
def test_quote_ignores_garbage(client, thread, author, value):
    topic, _ = thread
    client.force_login(author)
    response = client.get(f"{topic.get_absolute_url()}?page=1&quote={value}")
    assert response.status_code == 200
    assert "wrote:" not in _composer_text(response)


def test_quote_ignores_posts_of_other_topics_and_hidden_posts(client, thread, author, moderator):
    topic, _ = thread
    insider = UserFactory()
    secret = TopicFactory(category=private_category_for(insider), author=insider)
    secret_post = PostFactory(topic=secret, body="Project Nightjar")
    hidden = PostFactory(topic=topic, body="Hidden spam", is_hidden=True)
    for viewer in (author, moderator):
        client.force_login(viewer)
        for post in (secret_post, hidden):
            response = client.get(f"{topic.get_absolute_url()}?page=1&quote={post.pk}")
            assert response.status_code == 200
            assert "Project Nightjar" not in _composer_text(response)
            assert "Hidden spam" not in _composer_text(response)


def test_names_in_quotes_cannot_inject_markdown(client, thread, author, reader):
    topic, reply = thread
    Post.objects.filter(pk=reply.pk).update(author_name="**Evil** [x](javascript:1)")
    client.force_login(author)
    text = _composer_text(client.get(f"{topic.get_absolute_url()}?page=1&quote={reply.pk}"))
    assert text.startswith(r"> **\*\*Evil\*\* \[x\](javascript:1)** wrote:")


def test_a_long_post_is_quoted_in_part(client, thread, author):
    topic, reply = thread
    Post.objects.filter(pk=reply.pk).update(body="\n".join(["line " * 20] * 200))
    client.force_login(author)
    text = _composer_text(client.get(f"{topic.get_absolute_url()}?page=1&quote={reply.pk}"))
    assert len(text) < 3_500 and text.rstrip().endswith("> …")


def test_no_quote_link_where_the_viewer_cannot_reply(client, thread):
    topic, _ = thread
    page = client.get(topic.get_absolute_url()).content.decode()  # visitor
    assert "quote=" not in page


def test_post_open_redirects_to_the_posts_page(client, category):
    topic = TopicFactory(category=category)
    posts = PostFactory.create_batch(POSTS_PER_PAGE + 5, topic=topic)
    # Hidden posts before it move it up a page for members, not for moderators.
    target = posts[POSTS_PER_PAGE]  # the 22nd post counting the opening post
    response = client.get(reverse("forums:post-open", args=[target.pk]))
    assert response["Location"] == f"{topic.get_absolute_url()}?page=2#post-{target.pk}"
    Post.objects.filter(pk__in=[p.pk for p in posts[:3]]).update(is_hidden=True)
    response = client.get(reverse("forums:post-open", args=[target.pk]))
    assert response["Location"] == f"{topic.get_absolute_url()}?page=1#post-{target.pk}"
    client.force_login(UserFactory(roles=["Moderators"]))
    response = client.get(reverse("forums:post-open", args=[target.pk]))
    assert response["Location"] == f"{topic.get_absolute_url()}?page=2#post-{target.pk}"


def test_post_open_is_404_for_posts_the_viewer_cannot_see(client, category, member):
    insider = UserFactory()
    secret = TopicFactory(category=private_category_for(insider)).posts.get()
    hidden = PostFactory(topic=TopicFactory(category=category), is_hidden=True)
    client.force_login(member)
    for post in (secret, hidden):
        assert client.get(reverse("forums:post-open", args=[post.pk])).status_code == 404
    client.force_login(insider)
    assert client.get(reverse("forums:post-open", args=[secret.pk])).status_code == 302


def test_post_open_costs_a_bounded_number_of_queries(
    client, category, django_assert_max_num_queries
):
    topic = TopicFactory(category=category)
    post = PostFactory.create_batch(30, topic=topic)[-1]
    client.get(reverse("forums:post-open", args=[post.pk]))  # warm
    with django_assert_max_num_queries(3):
        client.get(reverse("forums:post-open", args=[post.pk]))
