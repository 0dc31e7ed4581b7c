import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community.ratelimit import RateLimited
from forums.models import Category, Post, Topic
from forums.services import topic_create
from members.models import SupportAct, TrustLevel
from tests.forums.factories import CategoryFactory, private_category_for
from tests.html import unsafe_markup
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_topic_create_stores_topic_opening_post_and_counters(member, category):
    topic = topic_create(category=category, author=member, title="  Hello   there ", body="**Hi**")

    assert topic.title == "Hello there"
    assert topic.slug == "hello-there"
    assert topic.author_name == member.public_name
    assert topic.last_poster == member
    post = topic.posts.get()
    assert post.is_opening and post.body == "**Hi**"
    assert "<strong>Hi</strong>" in post.html
    category.refresh_from_db()
    assert (category.topic_count, category.post_count) == (1, 1)
    assert category.last_activity_at == topic.last_post_at
    assert not SupportAct.objects.exists()


@pytest.mark.parametrize("title", ["", "   ", "\n\t"])
def test_topic_create_refuses_a_blank_title(member, category, title):
    with pytest.raises(ValidationError) as exc:
        topic_create(category=category, author=member, title=title, body="Body")
    assert "Give your topic a title." in str(exc.value)
    assert not Topic.objects.exists()


def test_topic_create_refuses_a_10000_character_title(member, category):
    with pytest.raises(ValidationError, match="255 characters"):
        topic_create(category=category, author=member, title="x" * 10_000, body="Body")


@pytest.mark.parametrize("body", ["", "    ", "\n\n"])
def test_topic_create_refuses_a_blank_body(member, category, body):
    with pytest.raises(ValidationError, match="Write something"):
        topic_create(category=category, author=member, title="Title", body=body)
    assert not Topic.objects.exists()


def test_topic_create_refuses_a_100000_character_body(member, category):
    with pytest.raises(ValidationError, match="32,000 characters"):
        topic_create(category=category, author=member, title="Title", body="x" * 100_000)
    assert not Topic.objects.exists() and not Post.objects.exists()


def test_topic_create_in_an_invisible_private_category_is_refused_and_stores_nothing(member):
    category = private_category_for(UserFactory())
    with pytest.raises(PermissionDenied):
        topic_create(category=category, author=member, title="Sneaky", body="Hi")
    assert not Topic.objects.exists()
    assert Category.objects.get(pk=category.pk).topic_count == 0


def test_topic_create_by_a_group_member_in_their_private_category(member):
    category = private_category_for(member)
    topic = topic_create(category=category, author=member, title="Beta feedback", body="Hi")
    assert topic.category == category


def test_topic_create_in_a_members_category_needs_a_member(category):
    pending = UserFactory(approval_status="pending")
    with pytest.raises(PermissionDenied, match="Only community members"):
        topic_create(category=CategoryFactory(members=True), author=pending, title="Hi", body="Hi")


XSS_BODIES = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src='https://evil.example'></iframe>",
    "<style>body{display:none}</style>",
    "<details open ontoggle=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](vbscript:msgbox(1))",
    '<a href="/x" hx-get="/admin/" hx-on:click="x()" data-x=1>x</a>',
]


@pytest.mark.parametrize("body", XSS_BODIES)
def test_topic_create_renders_hostile_markdown_safe(member, category, body):
    topic = topic_create(category=category, author=member, title="XSS", body=body)
    post = topic.posts.get()
    assert post.body == body  # the source is kept as written
    assert unsafe_markup(post.html) == []


def test_new_members_may_start_three_topics_a_day(category):
    newcomer = UserFactory()
    assert newcomer.trust_level == TrustLevel.NEW
    for n in range(3):
        topic_create(category=category, author=newcomer, title=f"Topic {n}", body="Hi")
    with pytest.raises(RateLimited, match="3 new topics a day") as exc:
        topic_create(category=category, author=newcomer, title="Fourth", body="Hi")
    assert exc.value.retry_after > 0
    assert Topic.objects.count() == 3


def test_trusted_members_are_not_held_to_the_new_member_topic_limit(category):
    regular = UserFactory(trust_level=TrustLevel.REGULAR)
    for n in range(5):
        topic_create(category=category, author=regular, title=f"Topic {n}", body="Hi")
    assert Topic.objects.count() == 5


@pytest.mark.parametrize(("title", "body"), [("Nul\x00title", "Body"), ("Title", "Nul\x00body")])
def test_topic_create_refuses_null_characters_with_a_clear_message(member, category, title, body):
    with pytest.raises(ValidationError, match="Null characters are not allowed"):
        topic_create(category=category, author=member, title=title, body=body)
    assert not Topic.objects.exists()


def test_topic_form_refuses_null_characters(client_as_member, category):
    response = client_as_member.post(
        f"/forums/c/{category.slug}/new/", {"title": "Nul\x00", "body": "x\x00"}
    )
    assert response.status_code == 400
    assert "Null characters are not allowed" in response.content.decode()
    assert not Topic.objects.exists()


def test_topic_create_reports_every_problem_at_once_and_stores_nothing(category):
    newcomer = UserFactory(trust_level=TrustLevel.NEW)
    with pytest.raises(ValidationError) as exc:
        topic_create(
            category=category, author=newcomer, title=" ", body="[spam](https://spam.example)"
        )
    assert set(exc.value.message_dict) == {"title", "body"}
    assert not Topic.objects.exists()


def test_topic_create_stores_allowed_tags(member, category):
    from forums.models import Tag

    tag = Tag.objects.create(name="Billing", slug="billing")
    topic = topic_create(category=category, author=member, title="Tagged", body="Hi", tags=[tag])
    assert list(topic.tags.all()) == [tag]
