"""Flags and the moderation queue in a real browser: a member flags a post with htmx (the
message replaces the form in place), and the category's volunteer moderator restores the
post from the queue."""

import os

import pytest
from guardian.shortcuts import assign_perm
from playwright.sync_api import Page, expect

from forums.models import Flag, FlagReason, Post
from forums.services.flags import flag_create
from forums.services.posts import post_create
from forums.services.topics import topic_create
from members.models import TrustLevel
from tests.e2e.journeys import sign_in
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_flags_and_volunteer_reviews_in_the_queue(page: Page, screenshot_dir):
    category = CategoryFactory(name="Product help", slug="product-help")
    topic = topic_create(
        category=category, author=UserFactory(), title="Export fails", body="It breaks."
    )
    reply = post_create(topic=topic, author=UserFactory(), body="Buy cheap pills now")
    UserFactory(username="maya", email="maya@example.org", trust_level=TrustLevel.MEMBER)
    volunteer = UserFactory(username="vera", email="vera@example.org")
    assign_perm("forums.moderate_category", volunteer, category)

    sign_in(page, "maya@example.org")
    page.goto(topic.get_absolute_url())
    flag_box = page.locator(f"#post-flag-{reply.pk}")
    flag_box.get_by_text("Flag", exact=True).click()
    flag_box.get_by_label("Spam").check()
    flag_box.get_by_label("Note for the moderators").fill("Pill spam")
    flag_box.get_by_role("button", name="Send flag").click()
    expect(page.locator(f"#post-flag-{reply.pk}")).to_contain_text("moderators will review")
    assert Flag.objects.get().note == "Pill spam"

    for flagger in [UserFactory(trust_level=TrustLevel.MEMBER) for _ in range(2)]:
        flag_create(post=reply, flagger=flagger, reason=FlagReason.SPAM)
    assert Post.objects.get(pk=reply.pk).is_hidden

    page.context.clear_cookies()
    sign_in(page, "vera@example.org")
    page.goto("/forums/moderation/")
    item = page.locator(f"#queue-post-{reply.pk}")
    expect(item).to_contain_text("Hidden by flags")
    expect(item).to_contain_text("Pill spam")
    page.screenshot(path=os.path.join(screenshot_dir, "moderation-queue.png"), full_page=True)
    item.get_by_role("button", name="Restore").click()
    expect(page.get_by_text("The post is visible again.")).to_be_visible()
    assert not Post.objects.get(pk=reply.pk).is_hidden

    page.goto(topic.get_absolute_url())
    page.get_by_text("Moderate this topic").click()
    expect(page.get_by_role("button", name="Merge and close")).to_be_visible()
    page.screenshot(path=os.path.join(screenshot_dir, "moderation-topic.png"), full_page=True)
