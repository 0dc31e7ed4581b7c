import os

import pytest
from playwright.sync_api import Page, expect

from members import roles
from members.models import User, Visibility
from members.services.groups import group_create, group_manager_add
from tests.e2e.journeys import sign_in
from tests.members.factories import UserFactory

# transaction=True: pytest-django then runs these after the tests that roll back, because
# the live server commits and the flush afterwards empties the database.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_edits_profile_follows_and_gives_a_shout_out_that_the_other_member_sees(
    page: Page, browser, base_url, screenshot_dir
):
    UserFactory(username="maya", email="maya@example.org", display_name="Maya Patel")
    UserFactory(username="omar", email="omar@example.org", display_name="Omar Haddad")

    sign_in(page, "maya@example.org")
    page.goto("/members/me/edit/")
    page.locator("#id_headline").fill("Operations lead")
    page.locator("#id_company").fill("Globex")
    page.locator("select[name=company_visibility]").select_option(Visibility.PRIVATE)
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Operations lead")).to_be_visible()

    page.goto("/members/?q=omar")
    page.get_by_role("link", name="Omar Haddad").first.click()
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("button", name="Following · Unfollow")).to_be_visible()

    page.goto("/members/omar/shout-out/")
    page.get_by_role("textbox").fill("Omar untangled our SSO set-up in ten minutes.")
    page.get_by_role("button", name="Publish shout-out").click()
    expect(page.get_by_text("Omar untangled our SSO set-up")).to_be_visible()
    page.screenshot(path=os.path.join(screenshot_dir, "profile-with-shout-out.png"), full_page=True)

    # Omar, in his own browser, sees who supported him and can return the favour.
    omar_context = browser.new_context(base_url=base_url)
    omar = omar_context.new_page()
    sign_in(omar, "omar@example.org")
    omar.goto("/")
    panel = omar.get_by_role("region", name="People who supported you lately")
    expect(panel).to_contain_text("Maya Patel")
    omar.screenshot(path=os.path.join(screenshot_dir, "home-supporters.png"), full_page=True)
    # Maya's company is private: not on her profile for Omar.
    omar.goto("/members/maya/")
    expect(omar.get_by_text("Operations lead")).to_be_visible()
    expect(omar.get_by_text("Globex")).to_have_count(0)
    omar_context.close()  # no request may still be in flight when the test database goes


def test_member_asks_to_join_a_group_and_the_group_manager_lets_them_in(
    page: Page, browser, base_url
):
    manager = UserFactory(
        username="carmen", email="carmen@example.org", roles=[roles.COMMUNITY_MANAGERS]
    )
    UserFactory(username="maya", email="maya@example.org", display_name="Maya Patel")
    beta = group_create(
        actor=manager, name="Beta Program", slug="beta-program", join_policy="request"
    )
    group_manager_add(group_profile=beta, user=manager, actor=manager)

    sign_in(page, "maya@example.org")
    page.goto("/groups/")
    page.get_by_role("link", name="Beta Program").click()
    page.get_by_role("button", name="Ask to join").click()
    expect(page.get_by_text("You asked to join.")).to_be_visible()

    carmen_context = browser.new_context(base_url=base_url)
    carmen = carmen_context.new_page()
    sign_in(carmen, "carmen@example.org")
    carmen.goto("/groups/beta-program/")
    carmen.get_by_role("button", name="Approve").click()
    expect(carmen.get_by_role("button", name="Approve")).to_have_count(0)
    carmen_context.close()

    page.reload()
    expect(page.get_by_role("button", name="Leave group")).to_be_visible()
    assert User.objects.get(username="maya").groups.filter(profile__slug="beta-program").exists()
