import os
import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from community.models import SiteBranding
from community.services import branding_update

# transaction=True: pytest-django then runs these after the tests that roll back, because
# the live server commits and the flush afterwards empties the database.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_signs_up_verifies_and_lands_on_the_branded_home(page: Page, screenshot_dir):
    branding_update(
        branding=SiteBranding.objects.get(pk=1),
        community_name="Acme Customer Community",
        tagline="Customers helping customers",
    )

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Customer Community")
    page.screenshot(path=os.path.join(screenshot_dir, "home-visitor.png"), full_page=True)
    page.get_by_role("link", name="Join the community").click()

    page.get_by_label("Email").fill("carol@example.org")
    page.get_by_label("Username").fill("carol")
    page.locator("#id_password1").fill("a-Long-enough-pass-42")
    page.locator("#id_password2").fill("a-Long-enough-pass-42")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.locator("body")).to_contain_text("Verify Your Email Address")

    link = next(
        match.group(0)
        for message in mail.outbox
        if (match := re.search(r"https?://\S+/accounts/confirm-email/\S+", message.body))
    )
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    expect(page.locator("#whoami")).to_have_text("carol")
    expect(page.get_by_text("Welcome back, carol.")).to_be_visible()
    expect(page).to_have_title(re.compile("Acme Customer Community"))
    page.screenshot(path=os.path.join(screenshot_dir, "home-member.png"), full_page=True)


def test_wrong_password_shows_a_clear_message(page: Page):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("nobody@example.org")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("body")).to_contain_text("not correct")
