import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.utils import timezone

from community.email_preferences import email_preferences_update, unsubscribe_token
from community.models import DigestFrequency, EmailPreferences
from forums.models import Post, WatchLevel
from forums.services.notify import digest_send, digests_send, post_email_send
from forums.services.posts import post_create
from forums.services.topics import topic_create
from forums.services.watching import watch_set
from tests.forums.factories import private_category_for
from tests.html import parse_elements
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

SITE = "http://testserver.example"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def _links(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def test_mention_and_reply_mails_go_out_after_commit_to_the_right_people(
    topic, author, django_capture_on_commit_callbacks
):
    maya, watcher = UserFactory(username="maya"), UserFactory(username="watcher")
    watch_set(user=watcher, level=WatchLevel.EVERY_POST, topic=topic)
    replier = UserFactory(username="replier", display_name="Rita Plier")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply = post_create(topic=topic, author=replier, body="Ask @maya about descaling")
    assert callbacks and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {maya.email, author.email}  # watched posts wait for the digest
    mention = by_recipient[maya.email]
    assert mention.subject.endswith("Rita Plier mentioned you in “Kettle”")
    reply_mail = by_recipient[author.email]
    assert reply_mail.subject.endswith("Rita Plier replied to “Kettle”")
    post_link = f"{SITE}{topic.get_absolute_url()}?page=1#post-{reply.pk}"
    assert post_link in mention.body
    # The excerpt is the post's words: its linked @mention reads as text, not markup.
    assert "/members/maya/" in reply.html
    assert "Ask @maya about descaling" in mention.body and 'class="mention"' not in mention.body
    html, mimetype = mention.alternatives[0]
    assert mimetype == "text/html" and post_link.replace("&", "&amp;") in html
    unsubscribe = mention.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(f"{SITE}/accounts/unsubscribe/")
    assert unsubscribe in mention.body and unsubscribe in html
    assert mention.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"{SITE}/notifications/email/" in mention.body


def test_members_who_turned_a_mail_off_do_not_get_it(
    topic, author, django_capture_on_commit_callbacks
):
    maya = UserFactory(username="maya")
    email_preferences_update(user=maya, on_mention=False, on_reply=True, digest="weekly")
    email_preferences_update(user=author, on_mention=True, on_reply=False, digest="weekly")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_create(topic=topic, author=UserFactory(), body="Ask @maya")
    assert mail.outbox == []


def test_the_mail_task_checks_again_that_the_member_may_see_the_post(
    django_capture_on_commit_callbacks,
):
    insider, author = UserFactory(username="insider"), UserFactory()
    private = private_category_for(insider, author)
    with django_capture_on_commit_callbacks(execute=True):
        topic = topic_create(category=private, author=author, title="Beta", body="Plans")
        reply = post_create(topic=topic, author=author, body="For @insider")
    assert [message.to for message in mail.outbox] == [[insider.email]]
    mail.outbox.clear()

    Group.objects.get(name=f"Group for {private.slug}").user_set.remove(insider)
    sent = post_email_send(post_id=reply.pk, user_id=insider.pk, kind="mention", path="/x/")
    assert sent is False and mail.outbox == []


def test_a_muted_topic_sends_no_mail_even_for_a_mention(topic, django_capture_on_commit_callbacks):
    maya = UserFactory(username="maya")
    watch_set(user=maya, level=WatchLevel.MUTED, topic=topic)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reply = post_create(topic=topic, author=UserFactory(), body="@maya")
    assert [message.to for message in mail.outbox] == [[topic.author.email]]  # the reply
    assert not post_email_send(post_id=reply.pk, user_id=maya.pk, kind="mention", path="/x/")


# --- Unsubscribe ---------------------------------------------------------------------------


def test_the_unsubscribe_link_works_without_signing_in(member):
    client = Client(enforce_csrf_checks=True)
    url = f"/accounts/unsubscribe/{unsubscribe_token(user_id=member.pk, kind='mention')}/"

    page = client.get(url)
    assert page.status_code == 200
    assert b"Stop receiving e-mails when someone @mentions you" in page.content
    assert not EmailPreferences.objects.filter(user=member).exists()  # a GET changes nothing

    done = client.post(url)
    assert done.status_code == 200 and b"You are unsubscribed" in done.content
    preferences = EmailPreferences.objects.get(user=member)
    assert (preferences.on_mention, preferences.on_reply) == (False, True)


def test_one_click_unsubscribe_from_a_mail_client_turns_the_digest_off(member, members_only):
    client = Client(enforce_csrf_checks=True)
    url = f"/accounts/unsubscribe/{unsubscribe_token(user_id=member.pk, kind='digest')}/"
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert EmailPreferences.objects.get(user=member).digest == DigestFrequency.NEVER


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_unsubscribe_link_is_refused_clearly_and_changes_nothing(member, method):
    token = unsubscribe_token(user_id=member.pk, kind="reply")
    forged = token.replace(token.split(":")[0], "eyJ1Ijo5OTksImsiOiJyZXBseSJ9")
    for bad in (forged, token[:-3] + "abc", "nonsense"):
        response = getattr(Client(), method)(f"/accounts/unsubscribe/{bad}/")
        assert response.status_code == 400
        assert b"This unsubscribe link is not valid" in response.content
    assert not EmailPreferences.objects.exists()


# --- Digests -------------------------------------------------------------------------------


@pytest.fixture
def reader(topic):
    reader = UserFactory(username="reader")
    watch_set(user=reader, level=WatchLevel.EVERY_POST, category=topic.category)
    email_preferences_update(user=reader, on_mention=True, on_reply=True, digest="daily")
    return reader


def test_a_digest_lists_watched_activity_once_and_never_repeats(topic, reader):
    post_create(topic=topic, author=UserFactory(display_name="Dee Scale"), body="Use citric acid")
    mail.outbox.clear()
    now = timezone.now()

    assert digest_send(user_id=reader.pk, until=now) is True
    (digest,) = mail.outbox
    assert digest.to == [reader.email]
    assert "daily digest" in digest.subject
    assert "Use citric acid" in digest.body and "Kettle" in digest.body
    assert f"{SITE}/forums/p/" in digest.body
    assert "List-Unsubscribe" in digest.extra_headers
    assert digest.alternatives[0][1] == "text/html"

    # The same run again (a retry): nothing.
    assert digest_send(user_id=reader.pk, until=now + timedelta(minutes=5)) is False
    # The next day: only what is new since, and nothing at all when nothing is.
    assert digest_send(user_id=reader.pk, until=now + timedelta(days=1)) is False
    assert len(mail.outbox) == 1
    later = post_create(topic=topic, author=UserFactory(), body="Or vinegar")
    Post.objects.filter(pk=later.pk).update(created_at=now + timedelta(days=1, hours=1))
    assert digest_send(user_id=reader.pk, until=now + timedelta(days=2)) is True
    assert "Or vinegar" in mail.outbox[1].body and "citric" not in mail.outbox[1].body


def test_a_member_removed_from_the_group_stops_getting_digest_items():
    insider, author = UserFactory(username="insider"), UserFactory()
    private = private_category_for(insider, author)
    watch_set(user=insider, level=WatchLevel.EVERY_POST, category=private)
    email_preferences_update(user=insider, on_mention=True, on_reply=True, digest="daily")
    topic = topic_create(category=private, author=author, title="Beta", body="Plans")
    post_create(topic=topic, author=author, body="Secret roadmap")
    mail.outbox.clear()
    now = timezone.now()
    assert digest_send(user_id=insider.pk, until=now)
    assert "Secret roadmap" in mail.outbox[0].body

    post_create(topic=topic, author=author, body="More secrets")
    Group.objects.get(name=f"Group for {private.slug}").user_set.remove(insider)
    assert digest_send(user_id=insider.pk, until=timezone.now() + timedelta(days=1)) is False
    assert len(mail.outbox) == 1


def test_digests_skip_muted_topics_own_posts_and_members_who_said_never(topic, reader):
    watch_set(user=reader, level=WatchLevel.MUTED, topic=topic)
    post_create(topic=topic, author=UserFactory(), body="Muted news")
    assert digest_send(user_id=reader.pk, until=timezone.now()) is False

    watch_set(user=reader, level=None, topic=topic)
    post_create(topic=topic, author=reader, body="My own words")
    email_preferences_update(user=reader, on_mention=True, on_reply=True, digest="never")
    assert digest_send(user_id=reader.pk, until=timezone.now() + timedelta(days=1)) is False
    assert mail.outbox == [] or all(m.to != [reader.email] for m in mail.outbox)


def _next(weekday: int):
    day = timezone.localtime()
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def test_the_daily_job_sends_weekly_digests_only_on_mondays(topic, author):
    weekly = UserFactory(username="weekly")  # no preferences row: the default, weekly
    watch_set(user=weekly, level=WatchLevel.EVERY_POST, topic=topic)
    email_preferences_update(user=author, on_mention=True, on_reply=True, digest="never")
    post_create(topic=topic, author=UserFactory(), body="News")
    mail.outbox.clear()

    digests_send(now=_next(1) + timedelta(seconds=1))  # a Tuesday
    assert mail.outbox == []

    digests_send(now=_next(0) + timedelta(seconds=1))
    assert [m.to for m in mail.outbox] == [[weekly.email]]
    assert "weekly digest" in mail.outbox[0].subject
    # The same Monday's run again sends nothing more.
    digests_send(now=_next(0) + timedelta(minutes=2))
    assert len(mail.outbox) == 1


def test_member_content_in_mails_is_inert(category, django_capture_on_commit_callbacks):
    maya = UserFactory(username="maya")
    with django_capture_on_commit_callbacks(execute=True):
        topic_create(
            category=category,
            author=UserFactory(display_name="<b>Eve</b>"),
            title="<script>alert(1)</script>",
            body="@maya <img src=x onerror=alert(1)> [x](javascript:alert(1))",
        )
    (message,) = [m for m in mail.outbox if m.to == [maya.email]]
    html, _ = message.alternatives[0]
    elements = parse_elements(html)
    assert {tag for tag, _ in elements} <= {
        "html", "body", "p", "strong", "span", "blockquote", "a", "hr"
    }  # fmt: skip
    for _tag, attrs in elements:
        assert not any(name.startswith("on") for name in attrs)
        assert not attrs.get("href", "http").startswith("javascript")
    assert "&lt;script&gt;" in html and "&lt;b&gt;Eve" in html
