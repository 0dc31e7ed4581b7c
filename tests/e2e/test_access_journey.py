"""Leaving a private group closes its private category on the very next page, in a real
browser against the live server (the reach cache warm from the pages before)."""

import pytest
from playwright.sync_api import Page, expect

from forums.services.categories import category_access_grant
from members import roles
from members.models import JoinPolicy
from members.services.groups import group_create
from tests.e2e.journeys import sign_in
from tests.forums.factories import CategoryFactory, PostFactory, TopicFactory
from tests.members.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_joins_the_beta_reads_its_private_topic_leaves_and_it_is_gone(page: Page):
    carmen = UserFactory(username="carmen", roles=[roles.COMMUNITY_MANAGERS])
    UserFactory(username="maya", email="maya@example.org", display_name="Maya Patel")
    beta = group_create(
        actor=carmen, name="Beta Program", slug="beta-program", join_policy=JoinPolicy.OPEN
    )
    category = CategoryFactory(private=True, name="Beta", slug="beta")
    category_access_grant(category=category, group=beta.group)
    topic = TopicFactory(category=category, title="Build 42 release notes")
    PostFactory(topic=topic, author=topic.author, body="The unreleased roadmap")

    sign_in(page, "maya@example.org")
    response = page.goto(topic.get_absolute_url())
    assert response.status == 404

    page.goto("/groups/beta-program/")
    page.get_by_role("button", name="Join group").click()
    expect(page.get_by_role("button", name="Leave group")).to_be_visible()
    page.goto(topic.get_absolute_url())
    expect(page.get_by_text("The unreleased roadmap")).to_be_visible()
    page.goto("/forums/latest/")
    expect(page.get_by_role("link", name="Build 42 release notes")).to_be_visible()

    page.goto("/groups/beta-program/")
    page.get_by_role("button", name="Leave group").click()
    expect(page.get_by_role("button", name="Join group")).to_be_visible()

    response = page.goto(topic.get_absolute_url())
    assert response.status == 404
    expect(page.get_by_text("The unreleased roadmap")).to_have_count(0)
    page.goto("/forums/latest/")
    expect(page.get_by_role("link", name="Build 42 release notes")).to_have_count(0)
