"""The composer in a real browser: drafts saved as you type and restored, htmx preview,
and an uploaded image's Markdown put into the post by static/js/composer.js."""

import io
import os
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from forums.models import Draft, PostImage, Topic
from members.models import TrustLevel
from tests.e2e.journeys import sign_in
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _png(path: str) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1200), (40, 120, 200)).save(buffer, format="PNG")
    with open(path, "wb") as file:
        file.write(buffer.getvalue())
    return path


def test_member_writes_a_topic_with_draft_preview_and_image(page: Page, tmp_path, screenshot_dir):
    UserFactory(username="maya", email="maya@example.org", trust_level=TrustLevel.BASIC)
    category = CategoryFactory(name="Product help", slug="product-help")

    sign_in(page, "maya@example.org")
    page.goto(f"/forums/c/{category.slug}/new/")
    page.get_by_label("Title").fill("Export fails on large reports")
    body = page.locator("#composer-body")
    body.click()
    body.press_sequentially("Steps:\n\n> it **breaks** at 10k rows\n")
    expect(page.locator("#composer-status")).to_contain_text("Draft saved")

    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#composer-preview")
    expect(preview.locator("blockquote strong")).to_have_text("breaks")

    page.locator("#composer-image").set_input_files(_png(str(tmp_path / "screenshot.png")))
    expect(page.locator("#composer-status")).to_contain_text("Image added")
    expect(body).to_have_value(
        re.compile(r"!\[screenshot\]\(/media/forums/uploads/post-[0-9a-f]+\.jpg\)")
    )
    image = PostImage.objects.get()
    assert (image.width, image.height) == (1600, 800)
    expect(page.locator("#composer-status")).to_contain_text("Draft saved")

    # Leaving and coming back restores everything written so far.
    page.goto("/forums/")
    page.goto(f"/forums/c/{category.slug}/new/")
    expect(page.get_by_label("Title")).to_have_value("Export fails on large reports")
    expect(body).to_have_value(re.compile(r"10k rows[\s\S]*!\[screenshot\]"))
    page.screenshot(path=os.path.join(screenshot_dir, "forum-composer.png"), full_page=True)

    page.get_by_role("button", name="Post topic").click()
    expect(page.get_by_role("heading", name="Export fails on large reports")).to_be_visible()
    expect(page.locator(".post__body > p > img")).to_have_attribute("src", image.image.url)
    assert Topic.objects.count() == 1
    assert not Draft.objects.exists()
