"""A group's page links the categories opened to the group (forums.group_categories), only
for viewers who may see them: a private category's name never reaches anyone else."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forums.models import Category
from forums.services.categories import category_access_grant
from members import roles
from members.models import JoinPolicy
from members.services.groups import group_create
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory
from tests.members.groups.conftest import add_member

pytestmark = pytest.mark.django_db

SECRET = "Beta Program builds"


@pytest.fixture
def community_manager():
    return UserFactory(roles=[roles.COMMUNITY_MANAGERS])


def _group(community_manager, *, name: str, slug: str, join_policy=JoinPolicy.REQUEST):
    return group_create(actor=community_manager, name=name, slug=slug, join_policy=join_policy)


@pytest.fixture
def beta(community_manager):
    """As the demo sets up Beta Program: a listed group asked to join, and a private
    category opened to its auth group with category_access_grant."""
    group_profile = _group(community_manager, name="Beta Program", slug="beta-program")
    category = CategoryFactory(private=True, name=SECRET, slug="beta-builds")
    category_access_grant(category=category, group=group_profile.group)
    return group_profile, category


def _group_page(client, group_profile) -> str:
    response = client.get(reverse("groups:detail", args=[group_profile.slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_group_member_sees_the_link_to_the_groups_private_category_and_can_follow_it(
    client, beta
):
    group_profile, category = beta
    Category.objects.filter(pk=category.pk).update(last_activity_at=timezone.now())
    insider = add_member(group_profile, UserFactory())
    client.force_login(insider)

    html = _group_page(client, group_profile)

    assert "Forum category" in html
    assert "active <time" in html and "just now</time>" in html
    assert "0 minutes" not in html
    assert SECRET in html
    assert f'href="{category.get_absolute_url()}"' in html
    assert client.get(category.get_absolute_url()).status_code == 200


def test_a_member_outside_the_group_sees_neither_the_link_nor_the_categorys_name(client, beta):
    group_profile, category = beta
    client.force_login(UserFactory())

    html = _group_page(client, group_profile)

    assert SECRET not in html
    assert category.get_absolute_url() not in html
    assert "Forum category" not in html
    assert client.get(category.get_absolute_url()).status_code == 404


def test_a_visitor_on_a_public_groups_page_sees_no_private_category(
    client, community_manager, beta
):
    public_group = _group(
        community_manager, name="Open Space", slug="open-space", join_policy=JoinPolicy.OPEN
    )
    category_access_grant(category=beta[1], group=public_group.group)

    html = _group_page(client, public_group)

    assert SECRET not in html
    assert beta[1].get_absolute_url() not in html


def test_a_group_page_lists_only_the_categories_opened_to_that_group(
    client, community_manager, beta
):
    group_profile, _ = beta
    other = _group(community_manager, name="Advisory Board", slug="advisory-board")
    elsewhere = CategoryFactory(private=True, name="Board minutes")
    category_access_grant(category=elsewhere, group=other.group)
    second = CategoryFactory(private=True, name="Beta release notes")
    category_access_grant(category=second, group=group_profile.group)
    insider = add_member(group_profile, UserFactory())
    add_member(other, insider)
    client.force_login(insider)

    html = _group_page(client, group_profile)

    assert "Forum categories" in html
    assert SECRET in html and "Beta release notes" in html
    assert "Board minutes" not in html


def test_a_group_page_with_categories_does_not_query_more_with_more_categories_or_members(
    client, community_manager, beta
):
    group_profile, _ = beta
    insider = add_member(group_profile, UserFactory())
    client.force_login(insider)
    created = iter(range(1000))

    def grow(count: int) -> None:
        for _ in range(count):
            n = next(created)
            category = CategoryFactory(private=True, name=f"Beta room {n}")
            category_access_grant(category=category, group=group_profile.group)
            add_member(group_profile, UserFactory())

    def run() -> int:
        with CaptureQueriesContext(connection) as ctx:
            _group_page(client, group_profile)
        return len(ctx.captured_queries)

    grow(2)
    run()  # warm content types, the branding cache and the viewer's reach
    few = run()
    grow(15)
    run()  # the grants replaced the access version: the reach is computed again once
    assert run() == few
