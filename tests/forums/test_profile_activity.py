"""A member's forum activity on their profile shows only what the viewer may see."""

import pytest
from django.urls import reverse

from tests.forums.factories import CategoryFactory, PostFactory, TopicFactory, private_category_for
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return UserFactory(username="ada")


@pytest.fixture
def insider():
    return UserFactory()


@pytest.fixture
def activity(author, insider):
    public = TopicFactory(category=CategoryFactory(), author=author, title="Public roadmap")
    private = TopicFactory(
        category=private_category_for(author, insider), author=author, title="Secret beta feedback"
    )
    PostFactory(topic=public, author=author, body="A visible reply about exports")
    PostFactory(topic=private, author=author, body="A private reply about the beta")
    PostFactory(topic=public, author=author, body="A reply moderators hid", is_hidden=True)
    return public, private


def _profile(client):
    response = client.get(reverse("members:profile", args=["ada"]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_visitor_sees_public_topics_and_replies_only(client, activity):
    html = _profile(client)
    assert "Public roadmap" in html
    assert "A visible reply about exports" in html
    assert "Secret beta feedback" not in html
    assert "private reply about the beta" not in html
    assert "moderators hid" not in html


def test_a_member_outside_the_group_does_not_see_the_private_topic(client, activity):
    client.force_login(UserFactory())
    html = _profile(client)
    assert "Public roadmap" in html
    assert "Secret beta feedback" not in html
    assert "private reply about the beta" not in html


def test_a_group_member_sees_the_private_topic_and_reply(client, activity, insider):
    client.force_login(insider)
    html = _profile(client)
    assert "Secret beta feedback" in html
    assert "A private reply about the beta" in html
    assert "moderators hid" not in html


def test_the_profile_lists_at_most_five_of_each_with_constant_queries(
    client, author, insider, django_assert_max_num_queries
):
    category = private_category_for(author, insider)
    client.force_login(insider)
    TopicFactory(category=category, author=author)
    with django_assert_max_num_queries(40) as few:
        _profile(client)
    for _ in range(12):
        PostFactory(topic=TopicFactory(category=category, author=author), author=author)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = _profile(client)
    assert html.count('class="profile__excerpt"') == 5
