"""Topic lists and bookmarks in a real browser: "Load more" appends rows in place (htmx),
and a bookmark toggles in place and shows on the bookmarks page."""

import pytest
from playwright.sync_api import Page, expect

from forums.models import Bookmark
from members.models import TrustLevel
from tests.e2e.journeys import sign_in
from tests.forums.factories import CategoryFactory, TopicFactory
from tests.members.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_loads_more_topics_and_bookmarks_a_post_in_place(page: Page):
    UserFactory(username="lena", email="lena@example.org", trust_level=TrustLevel.BASIC)
    category = CategoryFactory(name="General", slug="general")
    topics = [TopicFactory(category=category, title=f"Topic {n:02d}") for n in range(35)]

    sign_in(page, "lena@example.org")
    page.goto("/forums/latest/")
    rows = page.locator("li.topic-row")
    expect(rows).to_have_count(30)
    page.evaluate("window.__samePage = true")
    page.get_by_role("link", name="Load more").click()
    expect(rows).to_have_count(35)
    expect(page.get_by_role("link", name="Load more")).to_have_count(0)
    assert page.evaluate("window.__samePage") is True

    opening = topics[0].posts.get()
    page.goto(topics[0].get_absolute_url())
    control = page.locator(f"#post-bookmark-{opening.pk}")
    control.get_by_role("button", name="☆ Bookmark").click()
    expect(control.get_by_role("button", name="★ Bookmarked")).to_be_visible()
    assert Bookmark.objects.filter(post=opening).count() == 1

    page.goto("/forums/bookmarks/")
    expect(page.get_by_role("link", name="Topic 00")).to_be_visible()
