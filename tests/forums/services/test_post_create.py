import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community.models import Notification
from community.ratelimit import RateLimited
from forums.models import Category, Post, Topic
from forums.services import limits, post_create, post_hide, topic_create
from members import roles
from members.models import SupportAct, SupportKind, TrustLevel
from tests.forums.factories import CategoryFactory, PostFactory, TopicFactory, private_category_for
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic(category):
    return topic_create(category=category, author=UserFactory(), title="Question", body="Help?")


def test_post_create_updates_topic_and_category_counters(topic, member):
    before = Topic.objects.get(pk=topic.pk).last_post_at
    reply = post_create(topic=topic, author=member, body="Try this")

    topic.refresh_from_db()
    assert topic.reply_count == 1
    assert topic.last_poster == member and topic.last_poster_name == member.public_name
    assert topic.last_post_at == reply.created_at >= before
    category = Category.objects.get(pk=topic.category_id)
    assert (category.topic_count, category.post_count) == (1, 2)
    assert category.last_activity_at == reply.created_at
    assert not reply.is_opening


def test_post_create_records_one_support_act_and_one_notification_for_the_topic_author(
    topic, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reply = post_create(topic=topic, author=member, body="Try this")

    act = SupportAct.objects.get()
    assert (act.giver, act.receiver, act.kind) == (member, topic.author, SupportKind.REPLY)
    assert act.target == reply
    notification = Notification.objects.get()
    assert notification.recipient == topic.author and notification.actor == member
    assert notification.url == f"/forums/t/{topic.pk}/{topic.slug}/?page=1#post-{reply.pk}"


def test_replying_to_your_own_topic_records_no_support_and_no_notification(
    topic, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_create(topic=topic, author=topic.author, body="Bump with details")
    assert not SupportAct.objects.exists()
    assert not Notification.objects.exists()


def test_the_notification_waits_for_the_commit(topic, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_create(topic=topic, author=member, body="Hi")
    assert not Notification.objects.exists()
    assert callbacks


def test_post_create_refuses_a_locked_topic_with_a_clear_message(member, category):
    topic = TopicFactory(category=category, locked=True)
    with pytest.raises(PermissionDenied, match="locked"):
        post_create(topic=topic, author=member, body="Hi")
    assert topic.posts.count() == 1


def test_moderators_may_still_reply_to_a_locked_topic(category):
    topic = TopicFactory(category=category, locked=True)
    post_create(topic=topic, author=UserFactory(roles=[roles.MODERATORS]), body="Closing note")
    assert topic.posts.count() == 2


def test_post_create_refuses_a_hidden_topic(member, category):
    topic = TopicFactory(category=category, hidden=True)
    with pytest.raises(PermissionDenied):
        post_create(topic=topic, author=member, body="Hi")
    moderator = UserFactory(roles=[roles.MODERATORS])
    with pytest.raises(PermissionDenied, match="hidden"):
        post_create(topic=topic, author=moderator, body="Hi")
    assert topic.posts.count() == 1


def test_replying_in_a_private_category_by_guessing_the_topic_is_refused(member):
    topic = TopicFactory(category=private_category_for(UserFactory()))
    with pytest.raises(PermissionDenied):
        post_create(topic=topic, author=member, body="Let me in")
    assert topic.posts.count() == 1
    assert Topic.objects.get(pk=topic.pk).reply_count == 0


def test_group_members_reply_in_their_private_category(member):
    topic = TopicFactory(category=private_category_for(member))
    post_create(topic=topic, author=member, body="Beta feedback")
    assert topic.posts.count() == 2


@pytest.mark.parametrize("body", ["", "  \n ", "x" * 100_000])
def test_post_create_refuses_blank_or_oversized_bodies(topic, member, body):
    with pytest.raises(ValidationError):
        post_create(topic=topic, author=member, body=body)
    assert Post.objects.filter(topic=topic).count() == 1


def test_new_members_may_reply_ten_times_a_day(topic):
    newcomer = UserFactory()
    for _ in range(10):
        post_create(topic=topic, author=newcomer, body="Hi")
    with pytest.raises(RateLimited, match="10 replies a day"):
        post_create(topic=topic, author=newcomer, body="Eleventh")
    assert Topic.objects.get(pk=topic.pk).reply_count == 10


def test_everyone_waits_five_seconds_between_posts(topic, monkeypatch):
    monkeypatch.setattr(limits, "POST_SPACING_LIMITS", (limits.POST_SPACING,))
    regular = UserFactory(trust_level=TrustLevel.REGULAR)
    post_create(topic=topic, author=regular, body="One")
    with pytest.raises(RateLimited, match="1 post every 5 seconds"):
        post_create(topic=topic, author=regular, body="Two")


def test_post_hide_hides_the_post_and_takes_it_out_of_the_counters(topic, member):
    reply = post_create(topic=topic, author=member, body="Spam")
    moderator = UserFactory(roles=[roles.MODERATORS])

    post_hide(post=reply, actor=moderator, reason="Spam")
    post_hide(post=reply, actor=moderator, reason="Spam again")  # idempotent

    reply.refresh_from_db()
    assert reply.is_hidden and reply.hidden_reason == "Spam"
    assert Topic.objects.get(pk=topic.pk).reply_count == 0
    assert Category.objects.get(pk=topic.category_id).post_count == 1


def test_hiding_the_opening_post_hides_the_topic(topic):
    post_hide(post=topic.posts.get(), actor=UserFactory(roles=[roles.MODERATORS]), reason="x")
    assert Topic.objects.get(pk=topic.pk).is_hidden


def test_post_hide_is_for_moderators_only(topic, member):
    reply = PostFactory(topic=topic)
    with pytest.raises(PermissionDenied):
        post_hide(post=reply, actor=member, reason="I don't like it")
    assert not Post.objects.get(pk=reply.pk).is_hidden


def test_post_create_uses_timezone_aware_times(topic, member):
    assert post_create(topic=topic, author=member, body="Hi").created_at <= timezone.now()


def test_volunteer_moderator_hides_in_their_category_only(topic):
    from guardian.shortcuts import assign_perm

    volunteer = UserFactory()
    assign_perm("forums.moderate_category", volunteer, topic.category)
    other = TopicFactory(category=CategoryFactory())
    post_hide(post=topic.posts.get(), actor=volunteer, reason="Off-topic")
    with pytest.raises(PermissionDenied):
        post_hide(post=other.posts.get(), actor=volunteer, reason="Off-topic")


def test_post_create_refuses_a_new_members_link_before_counting_the_rate_limit(topic):
    newcomer = UserFactory(trust_level=TrustLevel.NEW)
    for _ in range(10):
        with pytest.raises(ValidationError, match="links to other sites"):
            post_create(topic=topic, author=newcomer, body="[shop](https://spam.example)")
    post_create(topic=topic, author=newcomer, body="A plain reply")  # allowance intact
    assert Topic.objects.get(pk=topic.pk).reply_count == 1
