from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from forums.models import (
    Flag,
    FlagReason,
    ModerationAction,
    ModerationEvent,
    Post,
    Topic,
)
from forums.services.flags import flag_create
from forums.services.posts import post_create
from forums.services.topics import topic_create
from members.models import TrustLevel
from tests.forums.factories import CategoryFactory, private_category_for
from tests.forums.moderation.conftest import trusted_members
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("forums:moderation-queue")


def flag_url(post):
    return reverse("forums:post-flag", args=[post.pk])


def moderate_url(post):
    return reverse("forums:post-moderate", args=[post.pk])


def topic_moderate_url(topic):
    return reverse("forums:topic-moderate", args=[topic.pk])


def test_a_member_flags_from_the_topic_page(client, thread):
    topic, reply = thread
    flagger = UserFactory()
    client.force_login(flagger)
    page = client.get(topic.get_absolute_url())
    assert flag_url(reply).encode() in page.content  # the flag form is on the page

    response = client.post(flag_url(reply), {"reason": "spam", "note": "Link farm"})
    assert response.status_code == 302
    flag = Flag.objects.get()
    assert (flag.flagger, flag.reason, flag.note) == (flagger, "spam", "Link farm")

    again = client.post(flag_url(reply), {"reason": "abusive"})
    assert again.status_code == 400
    assert b"already flagged" in again.content
    assert Flag.objects.count() == 1


def test_flagging_with_htmx_answers_the_partial(client, thread):
    _, reply = thread
    client.force_login(UserFactory())
    response = client.post(flag_url(reply), {"reason": "spam"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"moderators will review" in response.content
    refused = client.post(flag_url(reply), {"reason": "spam"}, HTTP_HX_REQUEST="true")
    assert b"already flagged" in refused.content


@pytest.mark.parametrize(
    "data", [{}, {"reason": "nonsense"}, {"reason": "other"}, {"reason": "spam", "note": "x" * 600}]
)
def test_bad_flag_input_gets_a_clear_400(client, thread, data):
    _, reply = thread
    client.force_login(UserFactory())
    response = client.post(flag_url(reply), data)
    assert response.status_code == 400
    assert not Flag.objects.exists()


def test_flagging_needs_post_and_sign_in(client, thread):
    _, reply = thread
    assert client.post(flag_url(reply), {"reason": "spam"}).status_code == 302  # to log in
    client.force_login(UserFactory())
    assert client.get(flag_url(reply)).status_code == 200  # the form, on demand
    assert client.put(flag_url(reply)).status_code == 405
    assert not Flag.objects.exists()


def test_a_private_post_is_404_to_flag_for_outsiders(client):
    secret = topic_create(
        category=private_category_for(insider := UserFactory()),
        author=insider,
        title="Secret",
        body="Hush",
    )
    client.force_login(UserFactory())
    response = client.post(flag_url(secret.posts.get()), {"reason": "spam"})
    assert response.status_code == 404
    assert not Flag.objects.exists()


def test_a_suspended_member_is_refused_with_the_reason(client, thread, moderator):
    topic, reply = thread
    member = UserFactory(
        suspended_until=timezone.now() + timedelta(days=2), suspension_reason="Spamming"
    )
    client.force_login(member)
    response = client.post(flag_url(reply), {"reason": "spam"})
    assert response.status_code == 403
    assert b"suspended" in response.content and b"Spamming" in response.content
    reply_response = client.post(reverse("forums:topic-reply", args=[topic.pk]), {"body": "Hello"})
    assert reply_response.status_code == 403
    assert b"suspended" in reply_response.content
    assert topic.posts.count() == 2


def test_volunteer_hides_and_restores_from_the_topic_page(client, thread, volunteer):
    topic, reply = thread
    client.force_login(volunteer)
    page = client.get(topic.get_absolute_url())
    assert moderate_url(reply).encode() in page.content
    assert topic_moderate_url(topic).encode() in page.content

    response = client.post(moderate_url(reply), {"action": "hide", "reason": "Rude"})
    assert response.status_code == 302
    assert Post.objects.get(pk=reply.pk).is_hidden
    client.post(moderate_url(reply), {"action": "restore"})
    assert not Post.objects.get(pk=reply.pk).is_hidden
    assert list(ModerationEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        ModerationAction.HIDE,
        ModerationAction.RESTORE,
    ]


def test_members_see_no_moderation_controls_and_get_403(client, thread):
    topic, reply = thread
    client.force_login(UserFactory(trust_level=TrustLevel.LEADER))
    page = client.get(topic.get_absolute_url())
    assert moderate_url(reply).encode() not in page.content
    assert topic_moderate_url(topic).encode() not in page.content
    response = client.post(moderate_url(reply), {"action": "hide"})
    assert response.status_code == 403 and b"moderators" in response.content
    response = client.post(topic_moderate_url(topic), {"action": "lock"})
    assert response.status_code == 403
    assert client.get(QUEUE).status_code == 403
    assert not ModerationEvent.objects.exists()
    assert not Topic.objects.get(pk=topic.pk).is_locked


def test_forged_form_for_a_post_in_another_category_is_403(client, volunteer):
    elsewhere = topic_create(category=CategoryFactory(), author=UserFactory(), title="t", body="b")
    reply = post_create(topic=elsewhere, author=UserFactory(), body="r")
    client.force_login(volunteer)
    for action in ["hide", "restore", "dismiss"]:
        assert client.post(moderate_url(reply), {"action": action}).status_code == 403
    for action in ["lock", "pin", "move", "merge"]:
        response = client.post(topic_moderate_url(elsewhere), {"action": action, "into": "1"})
        assert response.status_code == 403
    assert not ModerationEvent.objects.exists()
    assert not Post.objects.get(pk=reply.pk).is_hidden


def test_moving_into_a_category_the_moderator_cannot_see_is_refused(client, thread, volunteer):
    topic, _ = thread
    secret = private_category_for(UserFactory())
    client.force_login(volunteer)
    response = client.post(
        topic_moderate_url(topic), {"action": "move", "category": str(secret.pk)}
    )
    assert response.status_code == 400
    assert Topic.objects.get(pk=topic.pk).category_id == topic.category_id
    assert not ModerationEvent.objects.exists()


def test_volunteer_moves_locks_pins_and_merges_in_the_browser(client, thread, volunteer):
    topic, _ = thread
    target = CategoryFactory()
    client.force_login(volunteer)
    for action in ["lock", "pin"]:
        assert client.post(topic_moderate_url(topic), {"action": action}).status_code == 302
    topic.refresh_from_db()
    assert topic.is_locked and topic.is_pinned

    duplicate = topic_create(category=topic.category, author=UserFactory(), title="d", body="b")
    response = client.post(
        topic_moderate_url(duplicate),
        {"action": "merge", "into": f"https://example.org/forums/t/{topic.pk}/hello/"},
    )
    assert response.status_code == 302 and response.url == topic.get_absolute_url()
    assert Topic.objects.get(pk=duplicate.pk).merged_into_id == topic.pk

    response = client.post(
        topic_moderate_url(topic), {"action": "move", "category": str(target.pk)}
    )
    assert response.status_code == 302
    assert Topic.objects.get(pk=topic.pk).category_id == target.pk
    assert list(ModerationEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        ModerationAction.LOCK,
        ModerationAction.PIN,
        ModerationAction.MERGE,
        ModerationAction.MOVE,
    ]


def test_unknown_actions_and_bad_merge_targets_are_400(client, thread, volunteer):
    topic, reply = thread
    client.force_login(volunteer)
    assert client.post(moderate_url(reply), {"action": "delete"}).status_code == 400
    assert client.post(topic_moderate_url(topic), {"action": "' OR 1=1 --"}).status_code == 400
    for into in ["", "abc", "99999999", str(topic.pk), "9" * 40]:
        response = client.post(topic_moderate_url(topic), {"action": "merge", "into": into})
        assert response.status_code == 400, into
    assert not ModerationEvent.objects.exists()


def test_queue_shows_only_the_volunteers_categories(client, thread, volunteer):
    _, reply = thread
    other = topic_create(category=CategoryFactory(), author=UserFactory(), title="t", body="b")
    other_reply = post_create(topic=other, author=UserFactory(), body="Elsewhere flagged")
    insider, replier = UserFactory(), UserFactory()
    secret = private_category_for(insider, replier)
    secret_topic = topic_create(category=secret, author=insider, title="Beta", body="Top secret")
    secret_reply = post_create(topic=secret_topic, author=replier, body="Secret reply")
    flagger = UserFactory()
    flag_create(post=reply, flagger=flagger, reason=FlagReason.SPAM, note="Mine to see")
    flag_create(post=other_reply, flagger=flagger, reason=FlagReason.SPAM, note="Not mine")
    flag_create(post=secret_reply, flagger=insider, reason=FlagReason.ABUSIVE, note="Hidden one")

    client.force_login(volunteer)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert b"Mine to see" in response.content
    assert b"Not mine" not in response.content
    assert b"Secret reply" not in response.content and b"Beta" not in response.content
    assert b"Hidden one" not in response.content

    assert client.get(QUEUE, {"category": secret.slug}).status_code == 404
    assert client.get(QUEUE, {"category": other.category.slug}).status_code == 404


def test_queue_shows_auto_hidden_posts_and_lets_the_volunteer_decide(client, thread, volunteer):
    _, reply = thread
    for flagger in trusted_members(3):
        flag_create(post=reply, flagger=flagger, reason=FlagReason.SPAM, note=f"by {flagger}")
    client.force_login(volunteer)
    response = client.get(QUEUE)
    assert b"Hidden by flags" in response.content and b"Restore" in response.content
    client.post(moderate_url(reply), {"action": "restore", "next": QUEUE})
    assert not Post.objects.get(pk=reply.pk).is_hidden
    assert b"Nothing is waiting" in client.get(QUEUE).content


def test_global_moderator_suspends_from_the_queue(client, thread, moderator):
    _, reply = thread
    flag_create(post=reply, flagger=UserFactory(), reason=FlagReason.ABUSIVE)
    client.force_login(moderator)
    page = client.get(QUEUE)
    assert b'value="suspend"' in page.content
    until = (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        moderate_url(reply),
        {"action": "suspend", "until": until, "reason": "Abuse", "next": QUEUE},
    )
    assert response.status_code == 302 and response.url == QUEUE
    reply.author.refresh_from_db()
    assert reply.author.is_suspended and reply.author.suspension_reason == "Abuse"


@pytest.mark.parametrize(
    "data",
    [
        {"until": "", "reason": "x"},
        {"until": "2001-01-01T00:00", "reason": "x"},
        {"until": "not a date", "reason": "x"},
        {"until": "2999-01-01T00:00", "reason": "   "},
    ],
)
def test_bad_suspension_input_is_400(client, thread, moderator, data):
    _, reply = thread
    client.force_login(moderator)
    response = client.post(moderate_url(reply), {"action": "suspend", **data})
    assert response.status_code == 400
    reply.author.refresh_from_db()
    assert not reply.author.is_suspended


def test_volunteers_cannot_suspend(client, thread, volunteer):
    _, reply = thread
    client.force_login(volunteer)
    assert b'value="suspend"' not in client.get(QUEUE).content
    until = (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        moderate_url(reply), {"action": "suspend", "until": until, "reason": "Abuse"}
    )
    assert response.status_code == 403
    reply.author.refresh_from_db()
    assert not reply.author.is_suspended


def test_next_must_stay_on_this_site(client, thread, volunteer):
    _, reply = thread
    client.force_login(volunteer)
    response = client.post(moderate_url(reply), {"action": "hide", "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil" not in response.url


@pytest.mark.parametrize("who", ["volunteer", "moderator"])
def test_queue_queries_are_bounded(
    client, volunteer_category, volunteer, moderator, who, django_assert_max_num_queries
):
    def flag_posts(count):
        for _ in range(count):
            topic = topic_create(
                category=volunteer_category, author=UserFactory(), title="t", body="b"
            )
            reply = post_create(topic=topic, author=UserFactory(), body="r")
            for flagger in trusted_members(2):
                flag_create(post=reply, flagger=flagger, reason=FlagReason.SPAM)

    client.force_login(volunteer if who == "volunteer" else moderator)
    flag_posts(2)
    client.get(QUEUE)  # warm caches
    with django_assert_max_num_queries(16) as few:
        assert client.get(QUEUE).status_code == 200
    flag_posts(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(QUEUE)
    assert response.content.count(b"queue-post-") == 8
