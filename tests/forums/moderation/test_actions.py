from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community.models import Notification
from forums.models import (
    Category,
    Flag,
    FlagReason,
    FlagStatus,
    ModerationAction,
    ModerationEvent,
    Post,
    Tag,
    Topic,
)
from forums.services.flags import flag_create
from forums.services.moderation import (
    flags_dismiss,
    member_suspend,
    member_unsuspend,
    post_hide,
    post_restore,
    topic_lock_set,
    topic_merge,
    topic_move,
    topic_pin_set,
)
from forums.services.posts import post_create
from forums.services.topics import topic_create
from members import roles
from tests.forums.factories import CategoryFactory, private_category_for
from tests.forums.moderation.conftest import trusted_members
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def only_event() -> ModerationEvent:
    (event,) = ModerationEvent.objects.all()
    return event


def test_post_hide_writes_one_entry_and_upholds_flags(thread, volunteer):
    topic, reply = thread
    flag = flag_create(post=reply, flagger=UserFactory(), reason=FlagReason.SPAM)

    post_hide(post=reply, actor=volunteer, reason="Spam link")

    event = only_event()
    assert (event.action, event.actor, event.post, event.topic) == (
        ModerationAction.HIDE,
        volunteer,
        reply,
        topic,
    )
    assert event.category == topic.category and event.target_user == reply.author
    assert event.reason == "Spam link" and event.details["flags_upheld"] == [flag.pk]
    flag.refresh_from_db()
    assert flag.status == FlagStatus.UPHELD and flag.resolved_by == volunteer
    reply.refresh_from_db()
    assert reply.hidden_by == volunteer and reply.hidden_at is not None


def test_hiding_again_changes_and_logs_nothing(thread, volunteer):
    _, reply = thread
    post_hide(post=reply, actor=volunteer, reason="x")
    post_hide(post=reply, actor=volunteer, reason="y")
    assert ModerationEvent.objects.count() == 1


def test_keeping_an_auto_hidden_post_hidden_upholds_its_flags(thread, volunteer):
    _, reply = thread
    for flagger in trusted_members(3):
        flag_create(post=reply, flagger=flagger, reason=FlagReason.SPAM)
    post_hide(post=reply, actor=volunteer, reason="Confirmed")
    assert list(ModerationEvent.objects.values_list("action", flat=True)) == [
        ModerationAction.HIDE,
        ModerationAction.AUTO_HIDE,
    ]
    assert not Flag.objects.filter(status=FlagStatus.OPEN).exists()
    assert Topic.objects.get(pk=reply.topic_id).reply_count == 0  # not counted twice


def test_restore_brings_the_counters_back_and_dismisses_flags(thread, volunteer):
    topic, reply = thread
    for flagger in trusted_members(3):
        flag_create(post=reply, flagger=flagger, reason=FlagReason.SPAM)
    ModerationEvent.objects.all().delete()

    post_restore(post=reply, actor=volunteer, reason="Not spam")

    reply.refresh_from_db()
    assert not reply.is_hidden and reply.hidden_reason == ""
    assert Topic.objects.get(pk=topic.pk).reply_count == 1
    assert Category.objects.get(pk=topic.category_id).post_count == 2
    assert set(Flag.objects.values_list("status", flat=True)) == {FlagStatus.DISMISSED}
    event = only_event()
    assert event.action == ModerationAction.RESTORE and event.actor == volunteer
    assert len(event.details["flags_dismissed"]) == 3


def test_restoring_the_opening_post_shows_the_topic(thread, volunteer):
    topic, _ = thread
    opening = topic.posts.get(is_opening=True)
    post_hide(post=opening, actor=volunteer, reason="x")
    assert Topic.objects.get(pk=topic.pk).is_hidden
    post_restore(post=opening, actor=volunteer)
    assert not Topic.objects.get(pk=topic.pk).is_hidden
    assert Category.objects.get(pk=topic.category_id).post_count == 2


def test_dismissing_flags_leaves_the_post_and_logs_once(thread, volunteer):
    _, reply = thread
    flag_create(post=reply, flagger=UserFactory(), reason=FlagReason.OFF_TOPIC)
    assert flags_dismiss(post=reply, actor=volunteer, reason="Fine") == 1
    assert flags_dismiss(post=reply, actor=volunteer) == 0
    assert only_event().action == ModerationAction.DISMISS_FLAGS
    assert not Post.objects.get(pk=reply.pk).is_hidden


def test_dismissing_flags_of_a_hidden_post_is_refused(thread, volunteer):
    _, reply = thread
    flag_create(post=reply, flagger=volunteer, reason=FlagReason.SPAM)  # hides at once
    with pytest.raises(ValidationError, match="restore it"):
        flags_dismiss(post=reply, actor=volunteer)
    assert Flag.objects.get().status == FlagStatus.OPEN


@pytest.mark.parametrize(
    ("setter", "field", "on", "off"),
    [
        (topic_lock_set, "locked", ModerationAction.LOCK, ModerationAction.UNLOCK),
        (topic_pin_set, "pinned", ModerationAction.PIN, ModerationAction.UNPIN),
    ],
)
def test_lock_and_pin_log_each_change_once(thread, volunteer, setter, field, on, off):
    topic, _ = thread
    setter(topic=topic, actor=volunteer, **{field: True})
    setter(topic=topic, actor=volunteer, **{field: True})  # no change, no entry
    setter(topic=topic, actor=volunteer, **{field: False}, reason="Done")
    actions = list(ModerationEvent.objects.order_by("pk").values_list("action", "topic", "actor"))
    assert actions == [(on, topic.pk, volunteer.pk), (off, topic.pk, volunteer.pk)]
    assert getattr(Topic.objects.get(pk=topic.pk), f"is_{field}") is False


def test_a_volunteer_cannot_act_in_another_category(thread, volunteer):
    other = topic_create(category=CategoryFactory(), author=UserFactory(), title="t", body="b")
    reply = post_create(topic=other, author=UserFactory(), body="r")
    for action in [
        lambda: post_hide(post=reply, actor=volunteer, reason="x"),
        lambda: post_restore(post=reply, actor=volunteer),
        lambda: flags_dismiss(post=reply, actor=volunteer),
        lambda: topic_lock_set(topic=other, actor=volunteer, locked=True),
        lambda: topic_pin_set(topic=other, actor=volunteer, pinned=True),
        lambda: topic_move(topic=other, actor=volunteer, category=thread[0].category),
        lambda: topic_merge(topic=other, into=thread[0], actor=volunteer),
        lambda: topic_merge(topic=thread[0], into=other, actor=volunteer),
    ]:
        with pytest.raises(PermissionDenied):
            action()
    assert not ModerationEvent.objects.exists()
    other.refresh_from_db()
    assert not (other.is_locked or other.is_pinned or other.merged_into_id)


def test_move_moves_counters_and_drops_tags_not_allowed_there(thread, volunteer):
    topic, _ = thread
    source = topic.category
    target = CategoryFactory()
    everywhere = Tag.objects.create(name="General", slug="general")
    only_source = Tag.objects.create(name="Source only", slug="source-only")
    only_source.categories.add(source)
    both = Tag.objects.create(name="Both", slug="both")
    both.categories.add(source, target)
    topic.tags.add(everywhere, only_source, both)

    topic_move(topic=topic, actor=volunteer, category=target, reason="Belongs there")

    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.topic_count, source.post_count) == (0, 0)
    assert (target.topic_count, target.post_count) == (1, 2)
    assert target.last_activity_at is not None
    assert Topic.objects.get(pk=topic.pk).category == target
    assert set(topic.tags.values_list("slug", flat=True)) == {"general", "both"}
    event = only_event()
    assert event.action == ModerationAction.MOVE and event.category == source
    assert event.details["to_category"] == target.pk
    assert event.details["tags_dropped"] == ["source-only"]


def test_move_counts_hidden_replies_out(thread, volunteer):
    topic, reply = thread
    post_hide(post=reply, actor=volunteer, reason="x")
    target = CategoryFactory()
    topic_move(topic=topic, actor=volunteer, category=target)
    assert Category.objects.get(pk=topic.category_id).post_count == 0
    assert Category.objects.get(pk=target.pk).post_count == 1


def test_move_into_a_category_the_moderator_cannot_see_is_refused(thread, volunteer):
    topic, _ = thread
    secret = private_category_for(UserFactory())
    with pytest.raises(PermissionDenied):
        topic_move(topic=topic, actor=volunteer, category=secret)
    assert Topic.objects.get(pk=topic.pk).category_id == topic.category_id
    assert Category.objects.get(pk=secret.pk).topic_count == 0


def test_move_to_the_same_category_is_refused(thread, volunteer):
    topic, _ = thread
    with pytest.raises(ValidationError, match="already in"):
        topic_move(topic=topic, actor=volunteer, category=topic.category)


def test_merge_moves_posts_and_closes_the_old_topic(thread, volunteer, volunteer_category):
    into, _ = thread
    other_category = CategoryFactory()
    from guardian.shortcuts import assign_perm

    assign_perm("forums.moderate_category", volunteer, other_category)
    old = topic_create(category=other_category, author=UserFactory(), title="Dup", body="Same")
    post_create(topic=old, author=UserFactory(), body="Visible reply")
    hidden = post_create(topic=old, author=UserFactory(), body="Hidden reply")
    post_hide(post=hidden, actor=volunteer, reason="x")
    ModerationEvent.objects.all().delete()

    result = topic_merge(topic=old, into=into, actor=volunteer, reason="Duplicate")

    assert result.pk == into.pk
    assert Post.objects.filter(topic=old).count() == 0
    assert Post.objects.filter(topic=into).count() == 5
    assert Post.objects.filter(topic=into, is_opening=True).count() == 1
    old.refresh_from_db()
    assert old.merged_into == into and old.is_locked and old.is_hidden
    into.refresh_from_db()
    assert into.reply_count == 3  # its own reply + the old opening post + the visible reply
    assert into.last_poster_name == Post.objects.filter(body="Visible reply").get().author_name
    other_category.refresh_from_db()
    volunteer_category.refresh_from_db()
    assert (other_category.topic_count, other_category.post_count) == (0, 0)
    assert (volunteer_category.topic_count, volunteer_category.post_count) == (1, 4)
    event = only_event()
    assert event.action == ModerationAction.MERGE and event.topic == old
    assert event.details["into_topic"] == into.pk and len(event.details["posts_moved"]) == 3


def test_merge_into_itself_or_twice_is_refused(thread, volunteer, volunteer_category):
    topic, _ = thread
    with pytest.raises(ValidationError):
        topic_merge(topic=topic, into=topic, actor=volunteer)
    other = topic_create(category=volunteer_category, author=UserFactory(), title="x", body="y")
    topic_merge(topic=other, into=topic, actor=volunteer)
    with pytest.raises(ValidationError, match="already merged"):
        topic_merge(topic=other, into=topic, actor=volunteer)
    assert ModerationEvent.objects.count() == 1


def test_suspend_and_unsuspend(moderator, author, django_capture_on_commit_callbacks):
    until = timezone.now() + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        member_suspend(member=author, actor=moderator, until=until, reason="Repeated spam")
    author.refresh_from_db()
    assert author.is_suspended and author.suspension_reason == "Repeated spam"
    event = only_event()
    assert event.action == ModerationAction.SUSPEND and event.target_user == author
    assert event.actor == moderator and event.reason == "Repeated spam"
    note = Notification.objects.get(recipient=author)
    assert "suspended" in note.verb and "Repeated spam" in note.verb

    with django_capture_on_commit_callbacks(execute=True):
        member_unsuspend(member=author, actor=moderator)
    author.refresh_from_db()
    assert not author.is_suspended and author.suspended_until is None
    assert ModerationEvent.objects.filter(action=ModerationAction.UNSUSPEND).count() == 1
    member_unsuspend(member=author, actor=moderator)  # nothing to lift, nothing logged
    assert ModerationEvent.objects.count() == 2


def test_a_suspended_member_gets_a_clear_refusal_when_posting(thread, moderator):
    topic, _ = thread
    member = UserFactory()
    member_suspend(
        member=member, actor=moderator, until=timezone.now() + timedelta(days=1), reason="Spam"
    )
    with pytest.raises(PermissionDenied, match=r"suspended until .* Reason: Spam"):
        post_create(topic=topic, author=member, body="Hello")
    assert topic.posts.count() == 2


@pytest.mark.parametrize(
    ("until", "reason", "message"),
    [
        (timedelta(days=-1), "Spam", "future"),
        (timedelta(days=1), "   ", "Say why"),
    ],
)
def test_suspension_needs_a_future_end_and_a_reason(moderator, author, until, reason, message):
    with pytest.raises(ValidationError, match=message):
        member_suspend(member=author, actor=moderator, until=timezone.now() + until, reason=reason)
    author.refresh_from_db()
    assert not author.is_suspended and not ModerationEvent.objects.exists()


def test_only_global_moderators_and_managers_suspend(volunteer, author, manager, moderator):
    until = timezone.now() + timedelta(days=1)
    with pytest.raises(PermissionDenied):
        member_suspend(member=author, actor=volunteer, until=until, reason="x")
    with pytest.raises(PermissionDenied, match="yourself"):
        member_suspend(member=moderator, actor=moderator, until=until, reason="x")
    with pytest.raises(PermissionDenied):
        member_suspend(member=manager, actor=moderator, until=until, reason="x")
    member_suspend(member=author, actor=manager, until=until, reason="x")
    assert ModerationEvent.objects.count() == 1


def test_a_community_manager_is_a_global_moderator(manager):
    assert UserFactory(roles=[roles.COMMUNITY_MANAGERS]).has_perm("forums.moderate_category")
