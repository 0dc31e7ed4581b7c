"""Category and latest lists, tags, unread markers, load more; private content never
leaks into any of them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from forums.models import Tag, Topic
from forums.selectors.lists import latest_topics_for, with_reading_state
from forums.services.reading import topic_viewed, views_and_reads_flush
from tests.forums.factories import CategoryFactory, PostFactory, TopicFactory
from tests.forums.lists.conftest import topic_with_replies
from tests.html import parse_elements

pytestmark = pytest.mark.django_db

SECRET = "Unreleased gizmo roadmap"


@pytest.fixture
def tag():
    return Tag.objects.create(name="Billing", slug="billing")


@pytest.fixture
def private_topic(private_category, tag):
    topic = TopicFactory(category=private_category, title=SECRET)
    topic.tags.add(tag)
    return topic


@pytest.fixture
def public_topic(tag):
    topic = TopicFactory(category=CategoryFactory(name="General"), title="Hello everyone")
    topic.tags.add(tag)
    return topic


# Each page, with what shows there for anyone (so an empty page cannot pass) and what
# shows there for the private group's members.
PAGES = [
    (reverse("forums:category-list"), "General", "Beta Program"),
    (reverse("forums:latest"), "Hello everyone", SECRET),
    (reverse("forums:latest") + "?tag=billing", "Hello everyone", SECRET),
    (reverse("forums:tag-list"), "1 topic", "2 topics"),
    (reverse("forums:tag-detail", args=["billing"]), "Hello everyone", SECRET),
    (reverse("forums:unanswered"), "Hello everyone", SECRET),
]


@pytest.mark.parametrize(("url", "public", "private"), PAGES)
@pytest.mark.parametrize("who", ["visitor", "outsider"])
def test_private_content_never_appears_to_non_members(
    client, outsider, private_topic, public_topic, url, public, private, who
):
    if who == "outsider":
        client.force_login(outsider)
    content = client.get(url).content.decode()
    assert SECRET not in content
    assert "Beta Program" not in content
    assert private not in content
    assert public in content


@pytest.mark.parametrize(("url", "public", "private"), PAGES)
def test_group_members_see_their_private_topics_in_the_lists(
    client, insider, private_topic, public_topic, url, public, private
):
    client.force_login(insider)
    content = client.get(url).content.decode()
    assert private in content


def test_tag_counts_leave_out_topics_the_viewer_cannot_see(client, private_topic, public_topic):
    content = client.get(reverse("forums:tag-list")).content.decode()
    assert "1 topic" in content and "2 topics" not in content


def test_a_tag_only_for_a_private_category_is_hidden_like_a_missing_one(
    client, outsider, insider, private_category
):
    secret_tag = Tag.objects.create(name="Gizmo v2", slug="gizmo-v2")
    secret_tag.categories.add(private_category)
    client.force_login(outsider)
    assert "Gizmo v2" not in client.get(reverse("forums:tag-list")).content.decode()
    assert client.get(reverse("forums:tag-detail", args=["gizmo-v2"])).status_code == 404
    assert client.get(reverse("forums:tag-detail", args=["nope"])).status_code == 404
    response = client.get(reverse("forums:latest") + "?tag=gizmo-v2")
    assert "There is no tag by that name." in response.content.decode()
    client.force_login(insider)
    assert client.get(reverse("forums:tag-detail", args=["gizmo-v2"])).status_code == 200
    client.logout()
    assert client.get(reverse("forums:tag-detail", args=["gizmo-v2"])).status_code == 404


def test_a_tag_for_a_private_and_a_public_category_is_seen_by_everyone(
    client, outsider, private_category
):
    shared_tag = Tag.objects.create(name="Exports", slug="exports")
    shared_tag.categories.add(private_category, CategoryFactory())
    assert client.get(reverse("forums:tag-detail", args=["exports"])).status_code == 200
    client.force_login(outsider)
    assert client.get(reverse("forums:tag-detail", args=["exports"])).status_code == 200


def test_pinned_topics_come_first_then_last_activity(client):
    category = CategoryFactory()
    now = timezone.now()
    old_pinned = TopicFactory(category=category, pinned=True, title="Read me first")
    recent = TopicFactory(category=category, title="Busy thread")
    older = TopicFactory(category=category, title="Quiet thread")
    Topic.objects.filter(pk=old_pinned.pk).update(last_post_at=now - timedelta(days=30))
    Topic.objects.filter(pk=recent.pk).update(last_post_at=now - timedelta(minutes=1))
    Topic.objects.filter(pk=older.pk).update(last_post_at=now - timedelta(days=2))
    for url in [category.get_absolute_url(), reverse("forums:latest")]:
        content = client.get(url).content.decode()
        positions = [content.index(t) for t in ["Read me first", "Busy thread", "Quiet thread"]]
        assert positions == sorted(positions), url


def test_rows_show_replies_views_last_poster_tags_and_solved(client, public_topic):
    reply = PostFactory(topic=public_topic)
    Topic.objects.filter(pk=public_topic.pk).update(
        reply_count=1,
        view_count=42,
        accepted_answer=reply,
        last_poster=reply.author,
        last_poster_name="Maya Lin",
    )
    content = client.get(reverse("forums:latest")).content.decode()
    assert "42</strong> views" in content
    assert "1</strong> reply" in content
    assert "Maya Lin" in content
    assert "Solved" in content
    assert "#Billing" in content


def test_tag_filter_on_a_category(client, tag):
    category = CategoryFactory()
    tagged = TopicFactory(category=category, title="Invoice question")
    tagged.tags.add(tag)
    TopicFactory(category=category, title="Untagged chatter")
    content = client.get(category.get_absolute_url() + "?tag=billing").content.decode()
    assert "Invoice question" in content and "Untagged chatter" not in content
    content = client.get(category.get_absolute_url() + "?tag=%3Cscript%3E").content.decode()
    assert "There is no tag by that name." in content and "Invoice question" not in content
    assert "<script>" not in content


def test_load_more_appends_rows_with_a_plain_link_fallback(client):
    category = CategoryFactory()
    for number in range(35):
        TopicFactory(category=category, title=f"Topic number {number:02d}")
    page = client.get(category.get_absolute_url()).content.decode()
    more = [attrs for tag, attrs in parse_elements(page) if attrs.get("hx-get")]
    assert more == [
        {
            "class": "button button--secondary",
            "href": "?page=2",
            "hx-get": "?page=2",
            "hx-target": "closest .topic-list__more",
            "hx-swap": "outerHTML",
        }
    ]
    fragment = client.get(category.get_absolute_url() + "?page=2", headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert "<html" not in body and body.count('<li class="topic-row') == 5
    assert "Load more" not in body
    full = client.get(category.get_absolute_url() + "?page=2").content.decode()
    assert "<html" in full and full.count('<li class="topic-row') == 5


def test_bad_page_numbers_do_not_fail(client):
    category = CategoryFactory()
    TopicFactory(category=category)
    for page in ["0", "-1", "abc", "99999", "1" * 400, "%00"]:
        assert client.get(category.get_absolute_url() + f"?page={page}").status_code == 200
    for tag in ["%00", "x" * 10_000, "' OR 1=1 --", "%F0%9F%92%A9"]:
        response = client.get(reverse("forums:latest") + f"?tag={tag}")
        assert response.status_code == 200
        assert "There is no tag by that name." in response.content.decode()


def test_unread_markers_for_a_member(client, member):
    category = CategoryFactory()
    read, _ = topic_with_replies(3, category=category, title="Fully read")
    partly, posts = topic_with_replies(4, category=category, title="Partly read")
    TopicFactory(category=category, title="Brand new")
    old = TopicFactory(category=category, title="Ancient history")
    Topic.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=60))
    topic_viewed(member, read, list(read.posts.all()))
    topic_viewed(member, partly, posts[:2])
    views_and_reads_flush(now=timezone.now() + timedelta(minutes=3))  # one from the database
    topic_viewed(member, partly, posts[:3])  # and one still in the cache

    rows = {
        t.title: (t.reading, t.unread_count)
        for t in with_reading_state(list(latest_topics_for(viewer=member)), viewer=member)
    }
    assert rows == {
        "Fully read": (None, 0),
        "Partly read": ("unread", 2),
        "Brand new": ("new", 0),
        "Ancient history": (None, 0),
    }
    client.force_login(member)
    content = client.get(category.get_absolute_url()).content.decode()
    assert "2 unread" in content and ">New<" in content

    client.logout()
    content = client.get(category.get_absolute_url()).content.decode()
    assert "unread" not in content and ">New<" not in content


def test_topics_from_before_a_member_joined_are_not_new(member):
    topic = TopicFactory()
    Topic.objects.filter(pk=topic.pk).update(created_at=member.date_joined - timedelta(days=1))
    (row,) = with_reading_state(list(latest_topics_for(viewer=member)), viewer=member)
    assert row.reading is None
