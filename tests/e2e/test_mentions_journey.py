"""Mentions and watching in a real browser: static/js/mentions.js offers only members who may
see the private topic, the keyboard inserts the handle, the mentioned member is notified, and
the watch control switches in place (htmx)."""

import os

import pytest
from playwright.sync_api import Page, expect

from community.models import EmailPreferences, Notification
from forums.models import Watch, WatchLevel
from forums.services.topics import topic_create
from members.models import TrustLevel
from tests.e2e.journeys import sign_in
from tests.forums.factories import private_category_for
from tests.members.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_mentions_a_colleague_in_a_private_topic_and_watches_it(page: Page, screenshot_dir):
    asker = UserFactory(username="asker", email="asker@example.org", trust_level=TrustLevel.BASIC)
    insider = UserFactory(username="insider", display_name="Ines Ider")
    UserFactory(username="insight", display_name="Not In The Group")
    private = private_category_for(asker, insider, name="Beta program")
    topic = topic_create(category=private, author=asker, title="Beta feedback", body="Ideas?")

    sign_in(page, "asker@example.org")
    page.goto(topic.get_absolute_url())
    body = page.locator("textarea[data-mention-source]")
    body.click()
    body.press_sequentially("Thanks @ins")
    listbox = page.get_by_role("listbox", name="Members to mention")
    expect(listbox).to_be_visible()
    options = listbox.get_by_role("option")
    expect(options).to_have_count(1)  # "insight" matches but cannot see the topic
    expect(options.first).to_contain_text("@insider")
    expect(options.first).to_contain_text("Ines Ider")
    page.screenshot(path=os.path.join(screenshot_dir, "forum-mention-autocomplete.png"))

    body.press("Enter")
    expect(body).to_have_value("Thanks @insider ")
    expect(listbox).to_be_hidden()
    body.press_sequentially("— what do you think? @zz")
    body.press("Escape")
    page.get_by_role("button", name="Post reply").click()

    expect(page.locator(".post").last).to_contain_text("Thanks @insider")
    notice = Notification.objects.get(recipient=insider)
    assert notice.kind == "forum_mention"

    # The watch control switches in place; the author already watches their topic.
    controls = page.locator("form.watch-controls")
    expect(controls.get_by_role("button", name="Watching")).to_have_attribute(
        "aria-pressed", "true"
    )
    controls.get_by_role("button", name="Muted").click()
    expect(
        page.locator("form.watch-controls").get_by_role("button", name="Muted")
    ).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".watch-controls__state")).to_contain_text("not even mentions")
    assert Watch.objects.get(user=asker, topic=topic).level == WatchLevel.MUTED

    # The e-mail preferences, reached from the notifications page.
    page.goto("/notifications/")
    page.get_by_role("link", name="E-mail preferences").click()
    page.get_by_label("Daily").check()
    page.get_by_label("E-mail me when someone @mentions me").uncheck()
    page.screenshot(path=os.path.join(screenshot_dir, "email-preferences.png"), full_page=True)
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Your e-mail preferences are saved.")).to_be_visible()
    preferences = EmailPreferences.objects.get(user=asker)
    assert (preferences.digest, preferences.on_mention) == ("daily", False)
