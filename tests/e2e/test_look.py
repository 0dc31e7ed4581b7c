"""The look on real screens: no page of the tour scrolls sideways on a phone, the phone's
header is one compact row, and a signed-in member's header is one row on desktop."""

import pytest
from playwright.sync_api import Page, expect

from forums.services.topics import topic_create
from members import roles
from members.services.groups import group_create, group_manager_add
from tests.e2e.journeys import sign_in
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def community():
    """A member with a long name, a topic, a group: enough for every page of the tour."""
    manager = UserFactory(
        username="carmen", email="carmen@example.org", roles=[roles.COMMUNITY_MANAGERS]
    )
    member = UserFactory(
        username="maximilian", email="max@example.org", display_name="Maximilian Oppenheimer"
    )
    category = CategoryFactory(name="Product questions", slug="product-questions")
    topic = topic_create(
        category=category,
        author=member,
        title="How do we export a very long report without the page scrolling sideways?",
        body="Some **bold** text and a `code span`:\n\n```\na_very_long_line_of_code_"
        + "x" * 200
        + "\n```",
    )
    group = group_create(actor=manager, name="Beta Program", slug="beta-program")
    group_manager_add(group_profile=group, user=manager, actor=manager)
    return {"member": member, "topic": topic, "group": group}


def _assert_no_sideways_scroll(page: Page, path: str):
    page.goto(path)
    assert page.evaluate(OVERFLOW) <= 0, f"{path} scrolls sideways on a phone"


def test_no_page_scrolls_sideways_on_a_phone(page: Page, community):
    page.set_viewport_size(PHONE)
    _assert_no_sideways_scroll(page, "/accounts/signup/")
    _assert_no_sideways_scroll(page, "/")

    sign_in(page, "max@example.org")
    for path in [
        "/",
        "/forums/",
        community["topic"].get_absolute_url(),
        "/search/?q=report",
        "/groups/",
        "/groups/beta-program/",
        "/members/maximilian/",
        "/no-such-page/",
    ]:
        _assert_no_sideways_scroll(page, path)


def test_the_phone_header_is_one_row_with_a_menu(page: Page, community):
    page.set_viewport_size(PHONE)
    sign_in(page, "max@example.org")
    page.goto("/forums/")

    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 70, header
    expect(page.locator(".site-nav")).to_be_hidden()
    menu = page.locator(".site-menu")
    menu.get_by_text("Menu").click()
    menu.get_by_role("link", name="Groups").click()
    expect(page).to_have_url("/groups/")


@pytest.mark.parametrize("width", [1280, 1440, 1920])
def test_the_signed_in_header_is_one_row_on_desktop(page: Page, community, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "max@example.org")
    page.goto("/forums/")

    brand = page.locator(".site-header .brand").bounding_box()
    middle = brand["y"] + brand["height"] / 2
    for selector in ["#whoami", "#notification-bell", ".site-nav", "#site-search-q"]:
        box = page.locator(selector).bounding_box()
        assert box["y"] < middle < box["y"] + box["height"], (selector, box, brand)
    expect(page.locator(".site-menu")).to_be_hidden()
