import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from forums.models import Post, Topic
from members import roles
from tests.forums.factories import CategoryFactory, PostFactory, TopicFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client):
    client.force_login(UserFactory(roles=[roles.COMMUNITY_MANAGERS], is_staff=True))
    return client


def test_admin_lists_and_object_permissions_page_load(manager_client):
    category = CategoryFactory()
    PostFactory(topic=TopicFactory(category=category))
    for name in ["category", "topic", "post"]:
        url = reverse(f"admin:forums_{name}_changelist")
        assert manager_client.get(url, {"q": "x"}).status_code == 200, name
    url = reverse("admin:forums_category_permissions", args=[category.pk])
    assert manager_client.get(url).status_code == 200


def test_admin_actions_go_through_the_services(manager_client):
    topic = TopicFactory()
    reply = PostFactory(topic=topic)
    manager_client.post(
        reverse("admin:forums_topic_changelist"),
        {"action": "lock", ACTION_CHECKBOX_NAME: [topic.pk]},
    )
    manager_client.post(
        reverse("admin:forums_post_changelist"),
        {"action": "hide", ACTION_CHECKBOX_NAME: [reply.pk]},
    )
    assert Topic.objects.get(pk=topic.pk).is_locked
    hidden = Post.objects.get(pk=reply.pk)
    assert hidden.is_hidden and hidden.hidden_reason == "Hidden from the admin."
