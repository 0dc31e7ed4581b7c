import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from forums.models import Draft
from forums.services.drafts import draft_discard, draft_get, draft_save
from forums.services.posts import post_create
from forums.services.topics import topic_create
from members import roles
from tests.forums.factories import CategoryFactory, TopicFactory, private_category_for
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

SAVE = reverse("forums:draft-save")
HTMX = {"HTTP_HX_REQUEST": "true"}


def new_topic_url(category):
    return reverse("forums:topic-create", args=[category.slug])


def test_typing_a_new_topic_saves_a_draft_that_the_page_restores(
    client_as_member, member, category
):
    response = client_as_member.post(
        SAVE,
        {"category": category.pk, "title": "Half a title", "body": "Half <b>a</b> thought"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Draft saved" in response.content.decode()

    page = client_as_member.get(new_topic_url(category)).content.decode()
    assert 'value="Half a title"' in page
    assert "Half &lt;b&gt;a&lt;/b&gt; thought</textarea>" in page
    assert "Draft restored" in page


def test_saving_again_updates_the_one_draft(client_as_member, member, category):
    for body in ("One", "One two", "One two three"):
        client_as_member.post(SAVE, {"category": category.pk, "title": "", "body": body})
    draft = Draft.objects.get()
    assert (draft.user, draft.category, draft.topic, draft.body) == (
        member,
        category,
        None,
        "One two three",
    )


def test_a_reply_draft_is_restored_on_the_topic_page(client_as_member, member, category):
    topic = TopicFactory(category=category)
    response = client_as_member.post(SAVE, {"topic": topic.pk, "body": "My reply so far"})
    assert response.status_code == 200
    page = client_as_member.get(topic.get_absolute_url()).content.decode()
    assert "My reply so far</textarea>" in page
    assert Draft.objects.get().topic == topic


def test_drafts_are_per_member_and_never_shown_to_anyone_else(client, member, category):
    topic = TopicFactory(category=category)
    draft_save(user=member, category=category, title="Private plan", body="Secret words")
    draft_save(user=member, topic=topic, body="Secret reply")

    other = UserFactory()
    client.force_login(other)
    assert "Secret words" not in client.get(new_topic_url(category)).content.decode()
    assert "Private plan" not in client.get(new_topic_url(category)).content.decode()
    assert "Secret reply" not in client.get(topic.get_absolute_url()).content.decode()
    client.logout()
    assert "Secret reply" not in client.get(topic.get_absolute_url()).content.decode()

    # Another member saving in the same place gets their own draft.
    draft_save(user=other, category=category, body="Mine")
    assert draft_get(user=member, category=category).body == "Secret words"
    assert draft_get(user=other, category=category).body == "Mine"


def test_posting_a_topic_discards_its_draft(client_as_member, member, category):
    draft_save(user=member, category=category, title="T", body="B")
    other_place = CategoryFactory()
    draft_save(user=member, category=other_place, body="Keep me")

    response = client_as_member.post(new_topic_url(category), {"title": "Title", "body": "Body"})

    assert response.status_code == 302
    assert draft_get(user=member, category=category) is None
    assert draft_get(user=member, category=other_place).body == "Keep me"


def test_posting_a_reply_discards_its_draft(member, category):
    topic = TopicFactory(category=category)
    draft_save(user=member, topic=topic, body="Almost")
    post_create(topic=topic, author=member, body="Done")
    assert not Draft.objects.exists()


def test_a_failed_post_keeps_the_draft(member, category):
    draft_save(user=member, category=category, title="", body="Words")
    with pytest.raises(ValidationError):
        topic_create(category=category, author=member, title="  ", body="Words")
    assert draft_get(user=member, category=category).body == "Words"


def test_clearing_the_composer_discards_the_draft(client_as_member, member, category):
    draft_save(user=member, category=category, title="T", body="B")
    response = client_as_member.post(SAVE, {"category": category.pk, "title": " ", "body": ""})
    assert "Draft discarded" in response.content.decode()
    assert not Draft.objects.exists()


def test_a_draft_for_a_guessed_private_category_is_refused_like_a_missing_one(client_as_member):
    private = private_category_for(UserFactory())
    response = client_as_member.post(SAVE, {"category": private.pk, "body": "Let me in"})
    assert response.status_code == 404
    missing = client_as_member.post(SAVE, {"category": 999_999, "body": "x"})
    assert missing.status_code == 404
    assert not Draft.objects.exists()


def test_a_draft_for_a_topic_in_a_private_category_is_refused(client_as_member, member):
    topic = TopicFactory(category=private_category_for(UserFactory()))
    response = client_as_member.post(SAVE, {"topic": topic.pk, "body": "Let me in"})
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        draft_save(user=member, topic=topic, body="Service is safe too")
    assert not Draft.objects.exists()


@pytest.mark.parametrize("state", ["locked", "hidden"])
def test_no_reply_draft_where_the_member_cannot_reply(client_as_member, member, category, state):
    topic = TopicFactory(category=category, **{state: True})
    response = client_as_member.post(SAVE, {"topic": topic.pk, "body": "x"}, **HTMX)
    assert response.status_code in (403, 404)
    assert not Draft.objects.exists()


def test_a_suspended_member_keeps_no_drafts(client, category):
    from datetime import timedelta

    from django.utils import timezone

    suspended = UserFactory(suspended_until=timezone.now() + timedelta(days=1))
    client.force_login(suspended)
    response = client.post(SAVE, {"category": category.pk, "body": "x"}, **HTMX)
    assert response.status_code == 403
    assert "suspended" in response.content.decode()
    assert not Draft.objects.exists()


def test_visitors_cannot_save_drafts(client, category):
    assert client.post(SAVE, {"category": category.pk, "body": "x"}).status_code == 403
    assert not Draft.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": "x" * 32_001}, "Posts are limited to 32,000 characters"),
        ({"title": "t" * 256, "body": "x"}, "Keep the title to 255 characters"),
        ({"body": "nul\x00"}, "Null characters are not allowed"),
    ],
)
def test_oversized_or_nul_drafts_are_refused_and_the_old_draft_is_kept(
    client_as_member, member, category, data, message
):
    draft_save(user=member, category=category, body="Good so far")
    response = client_as_member.post(SAVE, {"category": category.pk, **data}, **HTMX)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert draft_get(user=member, category=category).body == "Good so far"


def test_a_draft_needs_exactly_one_place(client_as_member, category):
    topic = TopicFactory(category=category)
    for data in ({"body": "x"}, {"body": "x", "category": category.pk, "topic": topic.pk}):
        assert client_as_member.post(SAVE, data).status_code == 400
    assert not Draft.objects.exists()


def test_moderators_keep_reply_drafts_on_locked_topics(client, category):
    moderator = UserFactory(roles=[roles.MODERATORS])
    topic = TopicFactory(category=category, locked=True)
    draft_save(user=moderator, topic=topic, body="Closing note")
    assert draft_get(user=moderator, topic=topic).body == "Closing note"


def test_draft_discard_forgets_only_that_place(member, category):
    topic = TopicFactory(category=category)
    draft_save(user=member, category=category, body="topic draft")
    draft_save(user=member, topic=topic, body="reply draft")
    draft_discard(user=member, topic=topic)
    assert list(Draft.objects.values_list("body", flat=True)) == ["topic draft"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers; the race needs PostgreSQL"
)
def test_two_tabs_saving_at_once_keep_one_draft(migration_data):
    author = UserFactory()
    category = CategoryFactory()
    barrier = threading.Barrier(2)

    def save(text):
        try:
            barrier.wait()
            return draft_save(user=author, category=category, body=text).body
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        saved = list(pool.map(save, ["from tab one", "from tab two"]))

    assert Draft.objects.filter(user=author).count() == 1
    assert Draft.objects.get(user=author).body in saved
