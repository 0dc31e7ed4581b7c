"""Polls and the library in a real browser against the live server: a member votes with
JavaScript (the poll box is swapped in place) and changes her vote, a second member votes
with JavaScript off (the form posts and redirects); then the library: a collection, a
resource, a real download; a Beta Program document opened by a tester and found nowhere by
a member outside the group. The library is the demo's own (demo.library), generated files
and all."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from demo.library import demo_library_create, quick_start_pdf
from forums.services.topics import topic_create
from members import roles
from members.services.groups import group_create, group_member_add
from polls.models import Ballot, Choice
from polls.services import poll_create, vote_cast
from tests.e2e.journeys import sign_in
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BETA_TITLES = ("Beta program documents", "Beta 6 test plan", "Beta 6 feedback tracker")


def test_members_vote_with_and_without_javascript_and_use_the_library(
    page: Page, browser: Browser, base_url: str
):
    carmen = UserFactory(username="carmen", roles=[roles.COMMUNITY_MANAGERS])
    maya = UserFactory(username="maya", email="maya@example.org", display_name="Maya Patel")
    UserFactory(username="lee", email="lee@example.org", display_name="Lee Chen")
    beta = group_create(actor=carmen, name="Beta Program", slug="beta-program")
    group_member_add(actor=carmen, group_profile=beta, user=maya)
    topic = topic_create(
        category=CategoryFactory(name="Members lounge", slug="lounge"),
        author=carmen,
        title="What does your Monday reporting routine look like?",
        body="Curious how other teams start the week.",
    )
    poll = poll_create(
        topic=topic,
        author=carmen,
        question="When does your team go through the weekly numbers?",
        options=["Monday morning", "Tuesday", "Whenever the export lands"],
        closes_at=timezone.now() + timedelta(days=14),
    )
    demo_library_create(rng=random.Random(2026 + 4))  # noqa: S311 - the demo's own seed

    # Maya votes with JavaScript: htmx swaps the poll box, the page stays where it was.
    sign_in(page, "maya@example.org")
    page.goto(poll.get_absolute_url())
    box = page.locator(f"#poll-{poll.pk}")
    page.evaluate("window.__samePage = true")
    box.get_by_label("Monday morning").check()
    box.get_by_role("button", name="Vote").click()
    results = page.locator(f"#poll-{poll.pk} .poll-results")
    expect(results).to_be_visible()
    monday = results.locator(".poll-result", has_text="Monday morning")
    expect(monday).to_contain_text("1 vote (100.0 %)")
    expect(monday.locator(".poll-bar__fill")).to_have_class("poll-bar__fill poll-bar--100")
    assert page.evaluate("window.__samePage") is True

    # A public poll: she changes her mind, still in place.
    box = page.locator(f"#poll-{poll.pk}")
    box.get_by_label("Tuesday").check()
    box.get_by_role("button", name="Change my vote").click()
    tuesday = page.locator(f"#poll-{poll.pk} .poll-result", has_text="Tuesday")
    expect(tuesday).to_contain_text("1 vote (100.0 %)")
    expect(tuesday).to_contain_text("(your choice)")
    expect(page.locator(".poll-result", has_text="Monday morning")).to_contain_text(
        "0 votes (0.0 %)"
    )
    assert page.evaluate("window.__samePage") is True
    assert Ballot.objects.filter(poll=poll).count() == 1

    # Lee votes without JavaScript: a plain form post, then the redirect to the poll.
    lee_context = browser.new_context(base_url=base_url, java_script_enabled=False)
    lee = lee_context.new_page()
    try:
        sign_in(lee, "lee@example.org")
        lee.goto(poll.get_absolute_url())
        lee.get_by_label("Whenever the export lands").check()
        with lee.expect_navigation():
            lee.get_by_role("button", name="Vote").click()
        assert lee.url.endswith(poll.get_absolute_url())
        expect(lee.get_by_text("Thanks, your vote is in.")).to_be_visible()
        expect(lee.locator(".poll-result", has_text="Whenever the export lands")).to_contain_text(
            "1 vote (50.0 %)"
        )
        expect(lee.locator(".poll-result", has_text="Tuesday")).to_contain_text("1 vote (50.0 %)")
        assert Choice.objects.filter(poll=poll).count() == 2

        # The library: a featured collection, a resource, a real PDF download.
        page.goto("/library/")
        page.get_by_role("link", name="Getting started").click()
        expect(page.get_by_role("heading", name="Getting started")).to_be_visible()
        page.get_by_role("link", name="Acme quick-start guide").click()
        expect(page.get_by_role("heading", name="Acme quick-start guide")).to_be_visible()
        expect(page.get_by_text("Earlier versions")).to_be_visible()
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download Acme quick-start guide (5.1).pdf").click()
        download = download_info.value
        assert download.suggested_filename == "Acme quick-start guide (5.1).pdf"
        with open(download.path(), "rb") as handle:
            assert handle.read() == quick_start_pdf(release="5.1")

        # Maya is a beta tester: the private collection and its documents are hers to read.
        page.goto("/library/")
        page.get_by_role("link", name="Beta program documents").click()
        page.get_by_role("link", name="Beta 6 test plan").click()
        expect(page.get_by_role("heading", name="What to try")).to_be_visible()

        # Lee is not: the Beta Program's documents are nowhere for him.
        for path in (
            "/library/",
            "/library/c/getting-started/",
            "/library/c/release-notes/",
            "/",
            "/search/?q=beta+test+plan",
            "/search/?q=beta+test+plan&kind=library",
        ):
            lee.goto(path)
            for title in BETA_TITLES:
                expect(lee.get_by_text(title)).to_have_count(0)
        page.goto("/search/?q=beta+test+plan&kind=library")
        expect(page.get_by_role("link", name="Beta 6 test plan")).to_be_visible()
        for path in (
            "/library/c/beta-program-documents/",
            "/library/r/beta-6-test-plan/",
            "/library/r/beta-6-feedback-tracker/",
            "/library/r/beta-6-feedback-tracker/download/",
            "/library/r/beta-6-feedback-tracker/download/1/",
        ):
            assert lee.goto(path).status == 404, path
    finally:
        lee_context.close()  # no request may still be in flight when the test database goes


def test_members_vote_on_the_topic_page_with_and_without_javascript(
    page: Page, browser: Browser, base_url: str
):
    carmen = UserFactory(username="carmen", roles=[roles.COMMUNITY_MANAGERS])
    UserFactory(username="maya", email="maya@example.org")
    UserFactory(username="lee", email="lee@example.org")
    topic = topic_create(
        category=CategoryFactory(name="Ideas", slug="ideas"),
        author=carmen,
        title="Which report should we build next?",
        body="Vote below, and tell us why in a reply.",
    )
    poll = poll_create(
        topic=topic,
        author=carmen,
        question="Which report first?",
        options=["Churn by plan", "Support backlog", "Adoption by feature"],
    )
    vote_cast(poll=poll, voter=carmen, selection=[poll.options.get(text="Churn by plan").pk])

    # A visitor sees the poll and its results on the topic page and is asked to sign in.
    page.goto(topic.get_absolute_url())
    box = page.locator(f"#poll-{poll.pk}")
    expect(box.get_by_role("heading", name="Which report first?")).to_be_visible()
    expect(box.get_by_role("link", name="Sign in to vote")).to_be_visible()

    # Maya votes in place: the box is swapped, the topic page stays.
    sign_in(page, "maya@example.org")
    page.goto(topic.get_absolute_url())
    page.evaluate("window.__samePage = true")
    box = page.locator(f"#poll-{poll.pk}")
    box.get_by_label("Support backlog").check()
    box.get_by_role("button", name="Vote").click()
    backlog = page.locator(f"#poll-{poll.pk} .poll-result", has_text="Support backlog")
    expect(backlog).to_contain_text("1 vote (50.0 %)")
    expect(page.locator(f"#poll-{poll.pk}")).to_contain_text("You voted in this poll")
    assert page.evaluate("window.__samePage") is True
    expect(page.get_by_role("heading", name=topic.title)).to_be_visible()

    # Lee, without JavaScript: the form posts and brings him back to the topic.
    lee_context = browser.new_context(base_url=base_url, java_script_enabled=False)
    lee = lee_context.new_page()
    try:
        sign_in(lee, "lee@example.org")
        lee.goto(topic.get_absolute_url())
        lee.locator(f"#poll-{poll.pk}").get_by_label("Support backlog").check()
        with lee.expect_navigation():
            lee.locator(f"#poll-{poll.pk}").get_by_role("button", name="Vote").click()
        assert topic.get_absolute_url() in lee.url
        expect(lee.get_by_text("Thanks, your vote is in.")).to_be_visible()
        expect(
            lee.locator(f"#poll-{poll.pk} .poll-result", has_text="Support backlog")
        ).to_contain_text("2 votes (66.7 %)")
    finally:
        lee_context.close()
    assert Ballot.objects.filter(poll=poll).count() == 3
