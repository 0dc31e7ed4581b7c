"""The library grows from the discussions, in a real browser: a volunteer moderator promotes
an accepted answer to a library article from the topic page, the members who wrote the
discussion find it on their profiles, and a member suggests a resource that a community
manager then finds waiting in the admin's curation queue."""

import os

import pytest
from guardian.shortcuts import assign_perm
from playwright.sync_api import Page, expect

from forums.services.answers import answer_accept
from forums.services.posts import post_create
from forums.services.topics import topic_create
from library.models import Credit, Resource, Suggestion
from members import roles
from tests.e2e.journeys import sign_in
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_moderator_promotes_an_answer_and_the_authors_are_credited(page: Page, screenshot_dir):
    category = CategoryFactory(name="Product help", slug="product-help", qa=True)
    asker = UserFactory(username="ada", display_name="Ada Asker", email="ada@example.org")
    answerer = UserFactory(username="ben", display_name="Ben Answer", email="ben@example.org")
    bystander = UserFactory(username="cy", display_name="Cy Bystander")
    topic = topic_create(
        category=category,
        author=asker,
        title="How do I rotate API keys?",
        body="Our keys are two years old. How do we rotate them without downtime?",
    )
    post_create(topic=topic, author=bystander, body="Same question here.")
    answer = post_create(
        topic=topic, author=answerer, body="Create the new key first, deploy it, then revoke."
    )
    answer_accept(post=answer, actor=asker)
    volunteer = UserFactory(username="vera", email="vera@example.org")
    assign_perm("forums.moderate_category", volunteer, category)

    sign_in(page, "vera@example.org")
    page.goto(topic.get_absolute_url())
    page.get_by_role("link", name="Promote answer to library").click()
    expect(page.get_by_role("heading", name="Promote to the library")).to_be_visible()
    expect(page.get_by_label("Article (Markdown)")).to_contain_text("Create the new key first")
    page.get_by_label("Title").fill("Rotating API keys without downtime")
    expect(page.get_by_label("Ada Asker (Topic author)")).to_be_checked()
    expect(page.get_by_label("Ben Answer (Answer author)")).to_be_checked()
    page.screenshot(path=os.path.join(screenshot_dir, "library-promote.png"), full_page=True)
    page.get_by_role("button", name="Add to the library").click()

    expect(page.get_by_role("heading", name="Rotating API keys without downtime")).to_be_visible()
    expect(page.get_by_role("link", name=topic.title).first).to_be_visible()
    article = Resource.objects.get(title="Rotating API keys without downtime")
    assert set(
        Credit.objects.filter(resource=article).values_list("member__username", flat=True)
    ) == {
        "ada",
        "ben",
    }

    for username in ("ada", "ben"):
        page.goto(f"/members/{username}/")
        section = page.locator("section", has_text="In the library")
        expect(
            section.get_by_role("link", name="Rotating API keys without downtime")
        ).to_be_visible()
    page.goto("/members/cy/")
    expect(page.get_by_role("link", name="Rotating API keys without downtime")).to_have_count(0)


def test_member_suggests_a_resource_and_it_waits_in_the_curation_queue(page: Page):
    UserFactory(username="maya", email="maya@example.org")
    UserFactory(username="cara", email="cara@example.org", roles=[roles.COMMUNITY_MANAGERS])

    sign_in(page, "maya@example.org")
    page.goto("/library/")
    page.get_by_role("link", name="Suggest a resource").first.click()
    page.get_by_label("Title").fill("Official API changelog")
    page.get_by_label("Link (optional)").fill("javascript:alert(1)")
    page.get_by_label("Why does it belong in the library?").fill("Everyone asks what changed.")
    page.get_by_role("button", name="Send suggestion").click()
    expect(
        page.get_by_text("Give a web address starting with http:// or https://.")
    ).to_be_visible()
    assert not Suggestion.objects.exists()

    page.get_by_label("Link (optional)").fill("https://example.org/changelog")
    page.get_by_role("button", name="Send suggestion").click()
    expect(page.locator("#my-suggestions")).to_be_visible()
    expect(page.get_by_text("Official API changelog")).to_be_visible()
    assert Suggestion.objects.get().title == "Official API changelog"

    page.context.clear_cookies()
    sign_in(page, "cara@example.org")
    page.goto("/admin/")
    page.get_by_role("link", name="Suggestions to curate").first.click()
    expect(page.get_by_role("link", name="Official API changelog")).to_be_visible()
