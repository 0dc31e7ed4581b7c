import pytest
from django.urls import reverse

from forums.models import Post, Topic
from members import roles
from tests.forums.factories import CategoryFactory, PostFactory, TopicFactory, private_category_for
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET = "Project Nightjar roadmap"


@pytest.fixture
def insider():
    return UserFactory()


@pytest.fixture
def private_topic(insider):
    category = private_category_for(insider, name="Beta Program", slug="beta-program")
    topic = TopicFactory(category=category, title=SECRET)
    PostFactory(topic=topic, body="Secret reply body")
    return topic


@pytest.fixture
def public_topic(category):
    return TopicFactory(category=category, title="Welcome everyone")


@pytest.mark.parametrize("as_member", [False, True])
def test_private_content_never_appears_to_non_members(
    client, member, private_topic, public_topic, as_member
):
    if as_member:
        client.force_login(member)
    for url in [
        reverse("forums:category-list"),
        reverse("forums:latest"),
        public_topic.category.get_absolute_url(),
        public_topic.get_absolute_url(),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        assert SECRET not in content and "Beta Program" not in content, url

    for url in [
        private_topic.category.get_absolute_url(),
        private_topic.get_absolute_url(),
        reverse("forums:topic-create", args=[private_topic.category.slug]),
    ]:
        response = client.get(url)
        expected = 404 if as_member else (302 if url.endswith("/new/") else 404)
        assert response.status_code == expected, url
        assert SECRET not in response.content.decode()


def test_a_private_topic_answers_exactly_like_a_missing_one(client_as_member, private_topic):
    hidden = client_as_member.get(private_topic.get_absolute_url())
    missing = client_as_member.get(reverse("forums:topic-detail", args=[999_999, "nothing"]))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.templates[0].name == missing.templates[0].name
    # Also under a wrong slug: no redirect that would confirm the id exists.
    assert client_as_member.get(f"/forums/t/{private_topic.pk}/x/").status_code == 404


def test_posting_to_a_private_category_by_guessing_is_refused_and_stores_nothing(
    client_as_member, private_topic
):
    slug = private_topic.category.slug
    response = client_as_member.post(
        reverse("forums:topic-create", args=[slug]), {"title": "Hi", "body": "Let me in"}
    )
    assert response.status_code == 404
    response = client_as_member.post(
        reverse("forums:topic-reply", args=[private_topic.pk]), {"body": "Let me in"}
    )
    assert response.status_code == 404
    assert Topic.objects.count() == 1
    assert Post.objects.filter(topic=private_topic).count() == 2


def test_group_members_see_and_post_in_their_private_category(client, insider, private_topic):
    client.force_login(insider)
    assert "Beta Program" in client.get(reverse("forums:category-list")).content.decode()
    assert SECRET in client.get(reverse("forums:latest")).content.decode()
    assert SECRET in client.get(private_topic.category.get_absolute_url()).content.decode()
    assert SECRET in client.get(private_topic.get_absolute_url()).content.decode()

    response = client.post(
        reverse("forums:topic-create", args=[private_topic.category.slug]),
        {"title": "Beta 2 feedback", "body": "Works for me"},
    )
    topic = Topic.objects.get(title="Beta 2 feedback")
    assert response.status_code == 302 and response["Location"] == topic.get_absolute_url()
    response = client.post(reverse("forums:topic-reply", args=[private_topic.pk]), {"body": "+1"})
    assert response.status_code == 302
    assert private_topic.posts.count() == 3


def test_members_only_category_is_hidden_from_visitors(client, member):
    category = CategoryFactory(members=True, name="Members lounge")
    topic = TopicFactory(category=category)
    assert "Members lounge" not in client.get(reverse("forums:category-list")).content.decode()
    assert client.get(category.get_absolute_url()).status_code == 404
    assert client.get(topic.get_absolute_url()).status_code == 404
    client.force_login(member)
    assert "Members lounge" in client.get(reverse("forums:category-list")).content.decode()
    assert client.get(topic.get_absolute_url()).status_code == 200


def test_wrong_slug_redirects_to_the_canonical_url(client, public_topic):
    response = client.get(f"/forums/t/{public_topic.pk}/old-title/?page=1")
    assert response.status_code == 301
    assert response["Location"] == public_topic.get_absolute_url() + "?page=1"


def test_new_topic_button_only_for_those_who_may_post(client, member, category):
    new_url = reverse("forums:topic-create", args=[category.slug])
    assert new_url not in client.get(category.get_absolute_url()).content.decode()
    client.force_login(member)
    assert new_url in client.get(category.get_absolute_url()).content.decode()


def test_topic_form_errors_are_clear_and_store_nothing(client_as_member, category):
    url = reverse("forums:topic-create", args=[category.slug])
    response = client_as_member.post(url, {"title": "   ", "body": "  "})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Give your topic a title." in content and "Write something" in content
    response = client_as_member.post(url, {"title": "Long", "body": "x" * 100_000})
    assert response.status_code == 400
    assert "limited to 32,000 characters" in response.content.decode()
    assert not Topic.objects.exists()


def test_the_fourth_topic_of_a_new_member_in_a_day_gets_a_429(client_as_member, category):
    url = reverse("forums:topic-create", args=[category.slug])
    for n in range(3):
        response = client_as_member.post(url, {"title": f"Topic {n}", "body": "Hi"})
        assert response.status_code == 302
    response = client_as_member.post(url, {"title": "Fourth", "body": "Hi"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "3 new topics a day" in response.content.decode()
    assert Topic.objects.count() == 3


def test_reply_to_a_locked_topic_shows_why(client_as_member, category):
    topic = TopicFactory(category=category, locked=True)
    page = client_as_member.get(topic.get_absolute_url()).content.decode()
    assert "This topic is locked" in page
    response = client_as_member.post(reverse("forums:topic-reply", args=[topic.pk]), {"body": "x"})
    assert response.status_code == 403
    assert "This topic is locked" in response.content.decode()
    assert topic.posts.count() == 1


def test_reply_redirects_to_the_new_post(client_as_member, public_topic):
    response = client_as_member.post(
        reverse("forums:topic-reply", args=[public_topic.pk]), {"body": "Thanks!"}
    )
    post = public_topic.posts.latest("pk")
    assert response["Location"] == f"{public_topic.get_absolute_url()}?page=1#post-{post.pk}"


def test_visitors_are_sent_to_sign_in_to_reply(client, public_topic):
    response = client.post(reverse("forums:topic-reply", args=[public_topic.pk]), {"body": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert public_topic.posts.count() == 1


def test_hidden_posts_show_only_to_moderators(client, member, public_topic):
    PostFactory(topic=public_topic, body="Hidden spam here", is_hidden=True)
    client.force_login(member)
    assert "Hidden spam here" not in client.get(public_topic.get_absolute_url()).content.decode()
    client.force_login(UserFactory(roles=[roles.MODERATORS]))
    assert "Hidden spam here" in client.get(public_topic.get_absolute_url()).content.decode()


def test_former_members_posts_keep_their_place(client, public_topic):
    post = PostFactory(topic=public_topic, body="Left the building")
    post.author.delete()
    content = client.get(public_topic.get_absolute_url()).content.decode()
    assert "Left the building" in content and "Former member" in content


def test_xss_in_a_post_body_renders_inert_on_the_page(client_as_member, category):
    from tests.html import unsafe_markup

    body = "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    client_as_member.post(
        reverse("forums:topic-create", args=[category.slug]), {"title": "XSS", "body": body}
    )
    topic = Topic.objects.get()
    content = client_as_member.get(topic.get_absolute_url()).content.decode()
    # The member's content, not the page's own action forms around it.
    body = content[
        content.index('<div class="post__body') : content.index('<footer class="post__footer')
    ]
    assert "alert(1)" in body and unsafe_markup(body) == []
