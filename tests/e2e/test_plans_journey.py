"""A 90-day plan in a real browser: carmen, the community manager, generates the report of
a period from the admin, edits the narrative and a proposed target, e-mails one outreach
list and publishes it; evan, an executive, finds it from the dashboard, reads the one-page
summary and downloads the PDF."""

from datetime import timedelta

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from community.timezones import community_today
from members import roles
from plans.models import PlanReport, ReportStatus
from tests.e2e.journeys import sign_in
from tests.metrics.community import at, joined, posted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_publishes_a_plan_and_an_executive_reads_it(page: Page, tmp_path):
    today = community_today()
    start = today - timedelta(days=120)  # a period that ended 31 days ago
    long_ago = at(start - timedelta(days=200))
    joined(
        "carmen",
        long_ago,
        email="carmen@example.org",
        is_staff=True,
        roles=[roles.COMMUNITY_MANAGERS],
    )
    joined("evan", long_ago, email="evan@example.org", roles=[roles.EXECUTIVES])
    ann = joined("ann", long_ago, email="ann@example.org")
    posted(ann, at(start + timedelta(days=5)))
    joined("nina", at(start + timedelta(days=10)), email="nina@example.org")  # never posted

    sign_in(page, "carmen@example.org")
    page.goto("/admin/plans/planreport/add/")
    page.get_by_label("First day").fill(start.isoformat())
    page.get_by_role("button", name="Generate the report").click()
    expect(page.get_by_text("The report is being generated")).to_be_visible()
    page.locator("#result_list tbody th a").first.click()

    page.get_by_label("Narrative").fill(
        "A first quarter: **small**, but members helped each other."
    )
    target = page.locator("input[name$='-value']").first
    target.fill("42")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator("input[name$='-value']").first).to_have_value("42.0")

    never_posted = page.locator("#outreach li").filter(has_text="New members who never posted")
    never_posted.get_by_role("link", name="E-mail this list (1)").click()
    page.get_by_role("button", name="Send to 1 members").click()
    expect(page.locator(".messagelist")).to_be_visible()
    outreach = [message for message in mail.outbox if "nina@example.org" in message.to]
    assert len(outreach) == 1

    page.goto(f"/admin/plans/planreport/{PlanReport.objects.get().pk}/change/")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published: executives and community managers")).to_be_visible()
    report = PlanReport.objects.get()
    assert report.status == ReportStatus.PUBLISHED
    announced = [m for m in mail.outbox if m.attachments and "evan@example.org" in m.to]
    assert len(announced) == 1

    page.context.clear_cookies()
    sign_in(page, "evan@example.org")
    page.goto("/dashboard/")
    page.get_by_role("navigation", name="Reports").get_by_role("link", name="90-day plans").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("90-day plans")
    page.locator(".plans__item a").first.click()
    expect(page.get_by_role("heading", name="Summary")).to_be_visible()
    expect(page.locator(".plan-narrative strong")).to_have_text("small")
    expect(page.get_by_role("heading", name="Objectives for the next 90 days")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    assert path.name == f"90-day-plan-{start:%Y-%m-%d}.pdf"
