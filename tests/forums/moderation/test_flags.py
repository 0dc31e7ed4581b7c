import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community.models import Notification
from community.ratelimit import RateLimited
from forums.models import (
    Category,
    Flag,
    FlagReason,
    FlagStatus,
    ModerationAction,
    ModerationEvent,
    Post,
    Topic,
)
from forums.services.flags import flag_create
from members.models import TrustLevel
from tests.forums.factories import PostFactory, private_category_for
from tests.forums.moderation.conftest import trusted_members
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_member_flags_a_post_once(thread):
    _, reply = thread
    flagger = UserFactory()
    flag = flag_create(post=reply, flagger=flagger, reason=FlagReason.SPAM, note="  buy  now ")
    assert flag.status == FlagStatus.OPEN and flag.note == "buy now"

    with pytest.raises(ValidationError, match="already flagged"):
        flag_create(post=reply, flagger=flagger, reason=FlagReason.ABUSIVE)
    assert Flag.objects.filter(post=reply).count() == 1


def test_own_posts_cannot_be_flagged(thread):
    _, reply = thread
    with pytest.raises(PermissionDenied, match="your own post"):
        flag_create(post=reply, flagger=reply.author, reason=FlagReason.SPAM)
    assert not Flag.objects.exists()


def test_suspended_members_cannot_flag(thread):
    _, reply = thread
    suspended = UserFactory(
        suspended_until=timezone.now() + timezone.timedelta(days=1), suspension_reason="Spam"
    )
    with pytest.raises(PermissionDenied, match="suspended"):
        flag_create(post=reply, flagger=suspended, reason=FlagReason.SPAM)
    assert not Flag.objects.exists()


def test_posts_the_member_cannot_see_cannot_be_flagged(db):
    insider, outsider = UserFactory(), UserFactory()
    secret = PostFactory(topic__category=private_category_for(insider))
    with pytest.raises(PermissionDenied):
        flag_create(post=secret, flagger=outsider, reason=FlagReason.SPAM)
    assert not Flag.objects.exists()


def test_other_needs_a_note_and_notes_are_bounded(thread):
    _, reply = thread
    with pytest.raises(ValidationError, match="what is wrong"):
        flag_create(post=reply, flagger=UserFactory(), reason=FlagReason.OTHER, note="   ")
    with pytest.raises(ValidationError, match="500 characters"):
        flag_create(post=reply, flagger=UserFactory(), reason=FlagReason.SPAM, note="x" * 600)
    with pytest.raises(ValidationError, match="reason"):
        flag_create(post=reply, flagger=UserFactory(), reason="' OR 1=1 --")
    assert not Flag.objects.exists()


def test_flags_are_rate_limited(volunteer_category):
    flagger = UserFactory()
    posts = PostFactory.create_batch(6, topic__category=volunteer_category)
    for post in posts[:5]:
        flag_create(post=post, flagger=flagger, reason=FlagReason.SPAM)
    with pytest.raises(RateLimited, match="5 flags a minute"):
        flag_create(post=posts[5], flagger=flagger, reason=FlagReason.SPAM)
    assert Flag.objects.filter(flagger=flagger).count() == 5


def test_three_trusted_flags_hide_the_post_pending_review(
    thread, volunteer, django_capture_on_commit_callbacks
):
    topic, reply = thread
    first, second, third = trusted_members(3)
    flag_create(post=reply, flagger=first, reason=FlagReason.SPAM)
    flag_create(post=reply, flagger=second, reason=FlagReason.SPAM)
    assert not Post.objects.get(pk=reply.pk).is_hidden

    with django_capture_on_commit_callbacks(execute=True):
        flag_create(post=reply, flagger=third, reason=FlagReason.ABUSIVE, note="rude")

    reply.refresh_from_db()
    assert reply.is_hidden and reply.hidden_by is None
    assert "pending review" in reply.hidden_reason
    assert Topic.objects.get(pk=topic.pk).reply_count == 0
    assert Category.objects.get(pk=topic.category_id).post_count == 1
    assert Flag.objects.filter(post=reply, status=FlagStatus.OPEN).count() == 3
    event = ModerationEvent.objects.get()
    assert event.action == ModerationAction.AUTO_HIDE
    assert event.actor is None and event.post == reply and event.target_user == reply.author
    assert event.category == topic.category and event.topic == topic
    assert event.details["weight"] == "3"
    # The category's volunteer hears about it, with a link to the queue.
    note = Notification.objects.get(recipient=volunteer, kind="forum_flag_hidden")
    assert note.url == "/forums/moderation/" or note.url.endswith("/moderation/")


def test_new_members_flags_weigh_half(thread):
    _, reply = thread
    newcomers = [UserFactory(trust_level=TrustLevel.NEW) for _ in range(5)]
    for newcomer in newcomers:
        flag_create(post=reply, flagger=newcomer, reason=FlagReason.SPAM)
    assert not Post.objects.get(pk=reply.pk).is_hidden  # 2.5 < 3
    flag_create(post=reply, flagger=UserFactory(trust_level=TrustLevel.BASIC), reason="spam")
    assert Post.objects.get(pk=reply.pk).is_hidden  # 3.0


def test_a_moderators_flag_hides_at_once(thread, volunteer):
    _, reply = thread
    flag_create(post=reply, flagger=volunteer, reason=FlagReason.OFF_TOPIC)
    assert Post.objects.get(pk=reply.pk).is_hidden
    assert ModerationEvent.objects.get().action == ModerationAction.AUTO_HIDE


def test_a_hidden_post_cannot_be_flagged_again(thread, volunteer):
    _, reply = thread
    flag_create(post=reply, flagger=volunteer, reason=FlagReason.SPAM)
    with pytest.raises(PermissionDenied, match="already hidden"):
        flag_create(post=reply, flagger=UserFactory(), reason=FlagReason.SPAM)
    assert ModerationEvent.objects.count() == 1
