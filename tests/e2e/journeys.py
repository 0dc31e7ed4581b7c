"""Steps every browser journey shares."""

from playwright.sync_api import Page, expect

from tests.members.factories import PASSWORD


def sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("#whoami")).to_be_visible()
