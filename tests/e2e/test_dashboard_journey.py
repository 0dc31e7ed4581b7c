"""The executive's dashboard in a real browser: evan signs in and lands on it, reads the
headline row, switches the period with a plain link, opens a KPI's page with its definition
and downloads its CSV; a member who opens the address gets the branded 403."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from members import roles
from metrics.models import KpiSnapshot, KpiTarget
from tests.e2e.journeys import sign_in
from tests.members.factories import PASSWORD, UserFactory
from tests.metrics.helpers import DAY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_executive_reads_the_dashboard_and_a_member_is_refused(page: Page, tmp_path):
    UserFactory(username="evan", email="evan@example.org", roles=[roles.EXECUTIVES])
    UserFactory(username="maya", email="maya@example.org")
    KpiSnapshot.objects.bulk_create(
        [
            *(
                KpiSnapshot(key="members", day=DAY - timedelta(days=n), window=30, value=200 - n)
                for n in range(0, 61)
            ),
            *(
                KpiSnapshot(key="members", day=DAY - timedelta(days=n), window=90, value=500 - n)
                for n in range(0, 365, 7)
            ),
            KpiSnapshot(key="new_members", day=DAY, window=30, value=12),
            KpiSnapshot(key="new_members", day=DAY - timedelta(days=30), window=30, value=8),
        ]
    )
    KpiTarget.objects.create(key="members", business_goal="Grow", value=150, window=30)

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("evan@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url("/dashboard/")  # relative to base_url
    headline = page.locator(".headline__item").filter(has_text="Members").first
    expect(headline.locator(".headline__value")).to_have_text("200")
    expect(headline).to_contain_text("+30")  # 200 against 170 thirty days earlier
    expect(headline).to_contain_text("On track")
    expect(page.locator(".headline__item").filter(has_text="New members")).to_contain_text("12")
    nav = page.get_by_role("navigation", name="Main", exact=True)
    expect(nav.get_by_role("link", name="Dashboard")).to_be_visible()

    page.get_by_role("navigation", name="Period").get_by_role("link", name="365 days").click()
    expect(page).to_have_url("/dashboard/?period=365")
    expect(page.locator(".headline__item").first.locator(".headline__value")).to_have_text("500")
    expect(page.locator("#kpi-members svg[role=img] title")).to_have_count(1)

    page.locator("#kpi-members h3 a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Members")
    expect(page.locator(".kpi-facts")).to_contain_text(
        "Counted members whose account was created before the end of the day."
    )
    expect(page.locator(".kpi-facts")).to_contain_text("Driven by")
    page.get_by_role("link", name="30 days").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    lines = path.read_text().splitlines()
    assert lines[0] == "key,day,window,value,numerator,denominator,shown"
    assert lines[-1] == "members,2026-03-31,30,200.0,,,200"
    assert len(lines) == 1 + 61  # the 90 days to the last snapshot hold 61 values

    page.context.clear_cookies()
    sign_in(page, "maya@example.org")
    expect(nav.get_by_role("link", name="Dashboard")).to_have_count(0)
    response = page.goto("/dashboard/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("This page isn't available to you")
