import html as html_lib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from forums.models import ModerationAction, ModerationEvent, Post, PostRevision, Topic
from forums.permissions import EDIT_WINDOW
from forums.services.editing import post_edit
from forums.services.posts import post_create
from members.models import TrustLevel
from tests.forums.factories import TopicFactory, private_category_for
from tests.html import unsafe_markup
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def _edit(client, post, **data):
    return client.post(reverse("forums:post-edit", args=[post.pk]), data)


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def _age(post, delta):
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - delta)
    post.refresh_from_db()


def test_the_author_edits_within_the_window_and_the_old_text_is_kept(client, thread, reader):
    topic, reply = thread
    client.force_login(reader)
    page = client.get(reverse("forums:post-edit", args=[reply.pk]))
    assert page.status_code == 200 and "A reply from Rhea" in page.content.decode()

    response = _edit(client, reply, body="A **better** reply", reason="typo")
    assert response.status_code == 302
    assert response["Location"] == f"{topic.get_absolute_url()}?page=1#post-{reply.pk}"
    reply.refresh_from_db()
    assert reply.body == "A **better** reply"
    assert "<strong>better</strong>" in reply.html
    assert reply.edit_count == 1 and reply.edited_at is not None
    revision = PostRevision.objects.get(post=reply)
    assert (revision.body, revision.editor, revision.reason) == (
        "A reply from Rhea",
        reader,
        "typo",
    )
    # An author's own edit is not moderation.
    assert not ModerationEvent.objects.exists()
    page = client.get(topic.get_absolute_url()).content.decode()
    assert 'class="post__edited"' in page


def test_an_edit_that_changes_nothing_stores_nothing(thread, reader):
    _, reply = thread
    post_edit(post=reply, editor=reader, body=reply.body)
    reply.refresh_from_db()
    assert reply.edit_count == 0 and not PostRevision.objects.exists()


def test_editing_the_opening_post_can_change_the_topic_title(client, thread, author):
    topic, _ = thread
    opening = topic.posts.get(is_opening=True)
    client.force_login(author)
    form = client.get(reverse("forums:post-edit", args=[opening.pk])).content.decode()
    assert 'name="title"' in form and 'value="Hello there"' in form
    response = _edit(client, opening, title="  Hello,   world  ", body="Hi all, again")
    topic.refresh_from_db()
    assert topic.title == "Hello, world" and topic.slug == "hello-world"
    assert response["Location"] == f"{topic.get_absolute_url()}?page=1#post-{opening.pk}"
    revision = PostRevision.objects.get(post=opening)
    assert (revision.title, revision.body) == ("Hello there", "Hi all")
    # The old address still leads there.
    assert client.get(f"/forums/t/{topic.pk}/hello-there/").status_code == 301


def test_a_reply_edit_has_no_title_and_ignores_a_forged_one(client, thread, reader):
    topic, reply = thread
    client.force_login(reader)
    assert (
        'name="title"'
        not in client.get(reverse("forums:post-edit", args=[reply.pk])).content.decode()
    )
    _edit(client, reply, title="Hijacked", body="Edited")
    assert Topic.objects.get(pk=topic.pk).title == "Hello there"


def test_the_author_cannot_edit_after_the_window(client, thread, reader):
    _, reply = thread
    _age(reply, EDIT_WINDOW + timedelta(minutes=1))
    client.force_login(reader)
    response = client.get(reverse("forums:post-edit", args=[reply.pk]))
    assert response.status_code == 403
    assert "Posts can be edited for 24 hours after posting" in _text(response)
    assert _edit(client, reply, body="Too late").status_code == 403
    reply.refresh_from_db()
    assert reply.body == "A reply from Rhea" and not PostRevision.objects.exists()
    assert (
        reverse("forums:post-edit", args=[reply.pk])
        not in client.get(reply.topic.get_absolute_url()).content.decode()
    )


def test_others_cannot_edit_a_post(client, thread):
    _, reply = thread
    client.force_login(UserFactory())
    response = _edit(client, reply, body="Mine now")
    assert response.status_code == 403
    assert "You can only edit your own posts." in _text(response)
    reply.refresh_from_db()
    assert reply.body == "A reply from Rhea"


def test_a_moderator_edits_an_old_post_with_a_revision_and_a_log_entry(
    client, thread, reader, moderator
):
    _, reply = thread
    _age(reply, timedelta(days=30))
    client.force_login(moderator)
    page = client.get(reverse("forums:post-edit", args=[reply.pk])).content.decode()
    assert "as a moderator" in page
    response = _edit(client, reply, body="[removed phone number]", reason="Personal data")
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.body == "[removed phone number]" and reply.edit_count == 1
    revision = PostRevision.objects.get(post=reply)
    assert revision.editor == moderator and revision.body == "A reply from Rhea"
    event = ModerationEvent.objects.get()
    assert event.action == ModerationAction.EDIT
    assert (event.actor, event.post, event.target_user) == (moderator, reply, reader)
    assert event.category == reply.topic.category and event.reason == "Personal data"
    assert event.details["revision"] == revision.pk


def test_a_volunteer_moderates_only_their_own_category(client, question, thread, volunteer):
    _, answer = question
    _, elsewhere = thread
    client.force_login(volunteer)
    assert _edit(client, answer, body="Tidied").status_code == 302
    assert _edit(client, elsewhere, body="Not mine").status_code == 403
    assert Post.objects.get(pk=elsewhere.pk).body == "A reply from Rhea"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": "   "}, "Write something before posting."),
        ({"body": "x" * 40_000}, "limited to 32,000 characters"),
        ({"body": "nul \x00 byte"}, "Null characters are not allowed."),
        ({"body": "fine", "title": "   "}, "Give your topic a title."),
        ({"body": "fine", "title": "t" * 300}, "Titles are limited to 255 characters"),
    ],
)
def test_bad_edits_get_a_clear_message_and_keep_the_post(client, thread, author, data, message):
    topic, _ = thread
    opening = topic.posts.get(is_opening=True)
    client.force_login(author)
    response = _edit(client, opening, **data)
    assert response.status_code == 400
    assert message in _text(response)
    opening.refresh_from_db()
    topic.refresh_from_db()
    assert opening.body == "Hi all" and topic.title == "Hello there"
    assert not PostRevision.objects.exists()


def test_the_service_validates_like_posting(thread, reader):
    _, reply = thread
    with pytest.raises(ValidationError):
        post_edit(post=reply, editor=reader, body="\x00")
    with pytest.raises(PermissionDenied):
        post_edit(post=reply, editor=UserFactory(), body="Hi")


HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(1)> <svg onload=alert(1)>"
    " <iframe src=//evil></iframe> <style>body{}</style> [x](javascript:alert(1))"
    ' [y](JaVaScRiPt:alert(1)) <a href="/x" hx-get="/admin/" hx-trigger="load">z</a>'
)


def test_hostile_markdown_in_an_edit_is_stored_as_written_and_rendered_inert(
    client, thread, reader
):
    topic, reply = thread
    client.force_login(reader)
    _edit(client, reply, body=HOSTILE)
    reply.refresh_from_db()
    assert reply.body == HOSTILE
    assert unsafe_markup(reply.html) == []
    page = client.get(topic.get_absolute_url()).content.decode()
    body = page[page.index(f'id="post-{reply.pk}"') :]
    body = body[body.index('<div class="post__body') : body.index("<footer")]
    assert unsafe_markup(body) == []


def test_the_revision_history_is_for_the_categorys_moderators_only(
    client, thread, reader, moderator
):
    topic, reply = thread
    post_edit(post=reply, editor=reader, body="Second <b>version</b>", reason="clarity")
    post_edit(post=reply, editor=moderator, body="Third version")
    url = reverse("forums:post-revisions", args=[reply.pk])

    assert client.get(url).status_code == 404  # visitor
    for outsider in (reader, UserFactory()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert url not in client.get(topic.get_absolute_url()).content.decode()

    client.force_login(moderator)
    assert url in client.get(topic.get_absolute_url()).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert content.index("Third version") < content.index("Second &lt;b&gt;version")
    assert content.index("Second &lt;b&gt;version") < content.index("A reply from Rhea")
    assert "clarity" in content and "Mona Moderator" in content
    assert "<b>version</b>" not in content  # the source is shown as text


def test_a_private_post_answers_404_like_a_missing_one_to_outsiders(client):
    insider = UserFactory()
    topic = TopicFactory(category=private_category_for(insider), author=insider)
    opening = topic.posts.get()
    client.force_login(UserFactory())
    for name in ("forums:post-revisions", "forums:post-edit", "forums:post-open"):
        assert client.get(reverse(name, args=[opening.pk])).status_code == 404, name
        assert client.get(reverse(name, args=[999_999])).status_code == 404, name
    assert _edit(client, opening, body="x").status_code == 404
    client.force_login(insider)
    assert client.get(reverse("forums:post-revisions", args=[opening.pk])).status_code == 404
    assert _edit(client, opening, title=topic.title, body="Edited in private").status_code == 302
    assert Post.objects.get(pk=opening.pk).body == "Edited in private"


def test_a_new_member_cannot_slip_a_link_in_by_editing(client, category):
    newcomer = UserFactory(trust_level=TrustLevel.NEW)
    topic = TopicFactory(category=category)
    reply = post_create(topic=topic, author=newcomer, body="Plain words first")

    with pytest.raises(ValidationError):
        post_edit(post=reply, editor=newcomer, body="Buy at [cheap](https://spam.example)")
    client.force_login(newcomer)
    response = _edit(
        client, reply, body="Now see https://spam.example/x and [x](https://s.example)"
    )

    assert response.status_code == 400
    reply.refresh_from_db()
    assert reply.body == "Plain words first" and not PostRevision.objects.exists()
