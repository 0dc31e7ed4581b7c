"""Post interactions in a real browser: a reaction swaps its bar in place (htmx), Quote
fills the composer, and the asker marks the accepted answer."""

import os

import pytest
from playwright.sync_api import Page, expect

from forums.models import Reaction, Topic
from forums.services.posts import post_create
from forums.services.topics import topic_create
from members.models import TrustLevel
from tests.e2e.journeys import sign_in
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_asker_reacts_in_place_quotes_and_accepts_an_answer(page: Page, screenshot_dir):
    maya = UserFactory(
        username="maya", email="maya@example.org", display_name="Maya Patel",
        trust_level=TrustLevel.BASIC,
    )  # fmt: skip
    omar = UserFactory(username="omar", display_name="Omar Haddad", trust_level=TrustLevel.BASIC)
    category = CategoryFactory(name="Product Q&A", slug="product-qa", is_qa=True)
    topic = topic_create(
        category=category, author=maya, title="How do I rotate my API key?", body="Where?"
    )
    answer = post_create(topic=topic, author=omar, body="Settings → **Keys** → Rotate.")

    sign_in(page, "maya@example.org")
    page.goto(topic.get_absolute_url() + "?page=1")
    bar = page.locator(f"#reactions-{answer.pk}")
    like = bar.get_by_role("button", name="Like")
    expect(like).to_have_attribute("aria-pressed", "false")
    page.evaluate("window.__samePage = true")
    like.click()
    expect(bar.get_by_role("button", name="Like")).to_have_attribute("aria-pressed", "true")
    expect(bar.locator(".reaction__count")).to_have_text("1")
    assert page.evaluate("window.__samePage") is True  # swapped in place, no reload
    assert Reaction.objects.filter(post=answer, user=maya).count() == 1

    page.locator(f"#post-{answer.pk}").get_by_role("link", name="Quote").click()
    expect(page.locator("#reply textarea")).to_have_value(
        "> **Omar Haddad** wrote:\n> Settings → **Keys** → Rotate.\n\n"
    )

    page.locator(f"#post-{answer.pk}").get_by_role("button", name="Mark as the answer").click()
    expect(page.get_by_text("✔ Solved").first).to_be_visible()
    expect(page.locator(f"#post-{answer.pk}")).to_have_class("post post--accepted")
    expect(page.locator(".accepted-answer")).to_contain_text("Omar Haddad answered")
    assert Topic.objects.get(pk=topic.pk).accepted_answer_id == answer.pk
    page.screenshot(
        path=os.path.join(screenshot_dir, "forum-topic-solved-with-reactions.png"), full_page=True
    )
