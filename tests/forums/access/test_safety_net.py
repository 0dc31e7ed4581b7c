"""Writes that go through no service still take effect at once: the signals in
members.signals and forums.signals back the access versions up."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from members import roles
from tests.forums.factories import CategoryFactory, TopicFactory
from tests.members.factories import UserFactory, role_group

pytestmark = pytest.mark.django_db


def test_a_roles_permissions_edited_in_the_admin_take_effect_at_once():
    superuser = Client()
    superuser.force_login(UserFactory(is_superuser=True, is_staff=True))
    executive = UserFactory(roles=[roles.EXECUTIVES])
    topic = TopicFactory(category=CategoryFactory(private=True))
    client = Client()
    client.force_login(executive)
    assert client.get(topic.get_absolute_url()).status_code == 404
    executives = role_group(roles.EXECUTIVES)
    view_category = Permission.objects.get(
        content_type__app_label="forums", codename="view_category"
    )

    changed = superuser.post(
        reverse("admin:auth_group_change", args=[executives.pk]),
        {
            "name": executives.name,
            "permissions": [*executives.permissions.values_list("pk", flat=True), view_category.pk],
        },
    )

    assert changed.status_code == 302, changed.content.decode()[:2000]
    assert client.get(topic.get_absolute_url()).status_code == 200


def test_a_category_saved_outside_the_services_takes_effect_at_once(member):
    category = CategoryFactory(private=True)
    topic = TopicFactory(category=category)
    client = Client()
    client.force_login(member)
    assert client.get(topic.get_absolute_url()).status_code == 404

    category.access = "members"
    category.save()  # a shell session or a data migration

    assert client.get(topic.get_absolute_url()).status_code == 200
