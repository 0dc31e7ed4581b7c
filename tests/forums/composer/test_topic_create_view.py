import pytest
from django.urls import reverse

from forums.models import Category, Draft, Post, Tag, Topic
from members import roles
from tests.forums.factories import TopicFactory, private_category_for
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def new_topic_url(category):
    return reverse("forums:topic-create", args=[category.slug])


def test_the_new_topic_page_has_the_composer(client_as_member, category):
    page = client_as_member.get(new_topic_url(category)).content.decode()
    assert f'data-mention-source="/forums/mentions/?category={category.pk}"' in page
    assert 'hx-post="/forums/drafts/"' in page and 'hx-trigger="keyup changed delay:1s"' in page
    assert 'hx-post="/forums/preview/"' in page
    assert 'data-composer-upload="/forums/uploads/"' in page
    assert "js/mentions.js" in page and "js/composer.js" in page
    assert "Formatting help" in page and "```" in page


def test_posting_a_topic_redirects_to_it(client_as_member, category):
    response = client_as_member.post(
        new_topic_url(category), {"title": "  Spaced   out  ", "body": "Hello"}
    )
    topic = Topic.objects.get()
    assert response.status_code == 302 and response["Location"] == topic.get_absolute_url()
    assert topic.title == "Spaced out"


@pytest.mark.parametrize("title", ["", "    ", "\t\n"])
def test_an_empty_or_whitespace_title_is_a_clear_form_error(client_as_member, category, title):
    response = client_as_member.post(new_topic_url(category), {"title": title, "body": "Body"})
    assert response.status_code == 400
    assert "Give your topic a title." in response.content.decode()
    assert "Body</textarea>" in response.content.decode()  # nothing the member wrote is lost
    assert not Topic.objects.exists()


def test_a_100_mb_body_is_refused_with_a_400_and_stores_nothing(client_as_member, category):
    response = client_as_member.post(
        new_topic_url(category), {"title": "Huge", "body": "x" * 100_000_000}
    )
    assert response.status_code == 400
    assert not Topic.objects.exists()
    assert Category.objects.get(pk=category.pk).topic_count == 0


def test_a_body_just_over_the_limit_gets_the_form_message(client_as_member, category):
    response = client_as_member.post(
        new_topic_url(category), {"title": "Long", "body": "x" * 32_001}
    )
    assert response.status_code == 400
    assert "Posts are limited to 32,000 characters" in response.content.decode()


def test_a_100_mb_reply_is_refused_with_a_400(client_as_member, category):
    topic = TopicFactory(category=category)
    response = client_as_member.post(
        reverse("forums:topic-reply", args=[topic.pk]), {"body": "x" * 100_000_000}
    )
    assert response.status_code == 400
    assert topic.posts.count() == 1


def test_a_guessed_private_category_answers_404_and_stores_nothing(client_as_member):
    private = private_category_for(UserFactory())
    for method in ("get", "post"):
        response = getattr(client_as_member, method)(
            new_topic_url(private), {"title": "In", "body": "Let me in"}
        )
        assert response.status_code == 404
    assert not Topic.objects.exists()


def test_a_forged_category_field_cannot_move_the_topic(client_as_member, category):
    private = private_category_for(UserFactory())
    client_as_member.post(
        new_topic_url(category),
        {"title": "Forged", "body": "Body", "category": private.pk, "category_id": private.pk},
    )
    assert Topic.objects.get().category == category
    assert Category.objects.get(pk=private.pk).topic_count == 0


def test_a_reply_through_a_forged_form_lands_only_in_the_topic_of_the_url(
    client_as_member, category
):
    topic = TopicFactory(category=category)
    other = TopicFactory(category=private_category_for(UserFactory()))
    client_as_member.post(
        reverse("forums:topic-reply", args=[topic.pk]),
        {"body": "Hello", "topic": other.pk, "category": other.category_id},
    )
    assert other.posts.count() == 1
    # The reply URL of a topic the member can't see is a 404, like a missing one.
    response = client_as_member.post(
        reverse("forums:topic-reply", args=[other.pk]), {"body": "Hello"}
    )
    assert response.status_code == 404
    assert other.posts.count() == 1


@pytest.mark.parametrize("state", ["locked", "hidden"])
def test_a_reply_to_a_locked_or_hidden_topic_is_refused(client_as_member, category, state):
    topic = TopicFactory(category=category, **{state: True})
    response = client_as_member.post(
        reverse("forums:topic-reply", args=[topic.pk]), {"body": "Let me in"}
    )
    assert response.status_code in (403, 404)
    assert topic.posts.count() == 1 and not Draft.objects.exists()


def test_the_reply_composer_points_mentions_and_drafts_at_the_topic(client_as_member, category):
    topic = TopicFactory(category=category)
    page = client_as_member.get(topic.get_absolute_url()).content.decode()
    assert f'data-mention-source="/forums/mentions/?topic={topic.pk}"' in page
    assert f'<input type="hidden" name="topic" value="{topic.pk}">' in page
    assert f'action="/forums/t/{topic.pk}/reply/"' in page


def test_a_visitor_is_sent_to_sign_in(client, category):
    response = client.get(new_topic_url(category))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("group", [False, True])
def test_the_new_topic_page_makes_few_queries(
    client, category, django_assert_max_num_queries, group
):
    author = UserFactory(roles=[roles.MODERATORS] if group else [])
    target = private_category_for(author) if group else category
    for n in range(8):
        Tag.objects.create(name=f"Tag {n}", slug=f"tag-{n}")
    client.force_login(author)
    client.get(new_topic_url(target))
    with django_assert_max_num_queries(10):
        assert client.get(new_topic_url(target)).status_code == 200


def test_nothing_is_stored_when_any_field_is_wrong(client_as_member, category):
    response = client_as_member.post(
        new_topic_url(category), {"title": "", "body": "", "tags": ["999"]}
    )
    assert response.status_code == 400
    assert not Topic.objects.exists() and not Post.objects.exists()
