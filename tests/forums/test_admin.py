from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from forums.models import (
    Category,
    Flag,
    FlagReason,
    FlagStatus,
    ModerationAction,
    ModerationEvent,
    Post,
    SearchQuery,
    Tag,
    Topic,
)
from forums.services.flags import flag_create
from forums.services.moderation import topic_lock_set
from forums.services.posts import post_create
from forums.services.topics import topic_create
from members import roles
from members.models import TrustLevel
from tests.forums.factories import CategoryFactory, PostFactory, TopicFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client):
    client.force_login(UserFactory(roles=[roles.COMMUNITY_MANAGERS], is_staff=True))
    return client


def test_admin_lists_and_object_permissions_page_load(manager_client):
    category = CategoryFactory()
    PostFactory(topic=TopicFactory(category=category))
    for name in ["category", "topic", "post"]:
        url = reverse(f"admin:forums_{name}_changelist")
        assert manager_client.get(url, {"q": "x"}).status_code == 200, name
    url = reverse("admin:forums_category_permissions", args=[category.pk])
    assert manager_client.get(url).status_code == 200


def test_admin_actions_go_through_the_services(manager_client):
    topic = TopicFactory()
    reply = PostFactory(topic=topic)
    manager_client.post(
        reverse("admin:forums_topic_changelist"),
        {"action": "lock", ACTION_CHECKBOX_NAME: [topic.pk]},
    )
    manager_client.post(
        reverse("admin:forums_post_changelist"),
        {"action": "hide", ACTION_CHECKBOX_NAME: [reply.pk]},
    )
    assert Topic.objects.get(pk=topic.pk).is_locked
    hidden = Post.objects.get(pk=reply.pk)
    assert hidden.is_hidden and hidden.hidden_reason == "Hidden from the admin."


# --- Moderation in the admin ---------------------------------------------------------------


@pytest.fixture
def flagged_reply(db):
    category = CategoryFactory(name="Help")
    topic = topic_create(category=category, author=UserFactory(), title="Help me", body="Hi")
    reply = post_create(topic=topic, author=UserFactory(), body="Buy cheap pills now")
    flag_create(
        post=reply,
        flagger=UserFactory(trust_level=TrustLevel.MEMBER),
        reason=FlagReason.SPAM,
        note="Pill spam",
    )
    return reply


def changelist(model: str) -> str:
    return reverse(f"admin:forums_{model}_changelist")


def run_action(client, model, action, pks, **extra):
    return client.post(changelist(model), {"action": action, ACTION_CHECKBOX_NAME: pks, **extra})


def test_the_admin_queue_shows_flagged_posts_with_context(manager_client, flagged_reply):
    PostFactory(body="Nothing wrong here")
    response = manager_client.get(changelist("post"), {"review": "queue"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Buy cheap pills now" in content and "Pill spam" in content
    assert "Help me" in content and "Help" in content
    assert "Nothing wrong here" not in content
    assert "?review=queue" in manager_client.get(changelist("post")).content.decode()


def test_admin_queue_actions_each_write_one_log_entry(manager_client, flagged_reply):
    pk = flagged_reply.pk
    run_action(manager_client, "post", "dismiss_flags", [pk])
    assert Flag.objects.get().status == FlagStatus.DISMISSED
    run_action(manager_client, "post", "hide", [pk])
    run_action(manager_client, "post", "restore", [pk])
    run_action(manager_client, "post", "lock_topic", [pk])
    run_action(manager_client, "post", "pin_topic", [pk])
    actions = list(ModerationEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [
        ModerationAction.DISMISS_FLAGS,
        ModerationAction.HIDE,
        ModerationAction.RESTORE,
        ModerationAction.LOCK,
        ModerationAction.PIN,
    ]
    topic = Topic.objects.get(pk=flagged_reply.topic_id)
    assert topic.is_locked and topic.is_pinned


def test_suspending_an_author_asks_for_the_end_and_reason_first(manager_client, flagged_reply):
    page = run_action(manager_client, "post", "suspend_author", [flagged_reply.pk])
    assert page.status_code == 200
    assert b"Suspended until" in page.content and b"Reason" in page.content
    assert not ModerationEvent.objects.exists()

    refused = run_action(
        manager_client,
        "post",
        "suspend_author",
        [flagged_reply.pk],
        apply="yes",
        until="2001-01-01T10:00",
        reason="Spam",
    )
    assert b"in the future" in refused.content
    assert not ModerationEvent.objects.exists()

    until = (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    run_action(
        manager_client,
        "post",
        "suspend_author",
        [flagged_reply.pk],
        apply="yes",
        until=until,
        reason="Pill spam",
    )
    author = flagged_reply.author
    author.refresh_from_db()
    assert author.is_suspended and author.suspension_reason == "Pill spam"
    event = ModerationEvent.objects.get()
    assert event.action == ModerationAction.SUSPEND and event.target_user == author


def test_move_and_merge_close_from_the_admin(manager_client, flagged_reply):
    topic = flagged_reply.topic
    target = CategoryFactory(name="Elsewhere")
    form = run_action(manager_client, "topic", "move", [topic.pk])
    assert b"Elsewhere" in form.content
    run_action(manager_client, "topic", "move", [topic.pk], apply="yes", category=target.pk)
    assert Topic.objects.get(pk=topic.pk).category_id == target.pk
    assert Category.objects.get(pk=target.pk).topic_count == 1

    keeper = topic_create(category=target, author=UserFactory(), title="Keeper", body="k")
    run_action(
        manager_client, "post", "merge_topic", [flagged_reply.pk], apply="yes", into=str(keeper.pk)
    )
    assert Topic.objects.get(pk=topic.pk).merged_into_id == keeper.pk
    assert Post.objects.get(pk=flagged_reply.pk).topic_id == keeper.pk
    assert list(ModerationEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        ModerationAction.MOVE,
        ModerationAction.MERGE,
    ]


def test_the_moderation_tables_are_read_only_lists(manager_client, flagged_reply):
    topic_lock_set(topic=flagged_reply.topic, actor=UserFactory(is_superuser=True), locked=True)
    SearchQuery.objects.create(query="query-zero-hits", result_count=0)
    SearchQuery.objects.create(query="query-clicked", result_count=3, clicked_at=timezone.now())
    log = manager_client.get(reverse("admin:forums_moderationevent_changelist"))
    assert log.status_code == 200 and b"Locked a topic" in log.content
    event = ModerationEvent.objects.get()
    detail = manager_client.get(reverse("admin:forums_moderationevent_change", args=[event.pk]))
    assert detail.status_code == 200 and b'name="reason"' not in detail.content
    assert manager_client.get(reverse("admin:forums_moderationevent_add")).status_code == 403
    searches = manager_client.get(
        reverse("admin:forums_searchquery_changelist"), {"outcome": "zero"}
    )
    assert b"query-zero-hits" in searches.content and b"query-clicked" not in searches.content
    assert manager_client.get(reverse("admin:forums_searchquery_add")).status_code == 403


def test_managers_define_tags_restricted_to_categories(manager_client):
    category = CategoryFactory()
    response = manager_client.post(
        reverse("admin:forums_tag_add"),
        {"name": "Billing", "slug": "billing", "description": "", "categories": [category.pk]},
    )
    assert response.status_code == 302
    assert list(Tag.objects.get(slug="billing").categories.all()) == [category]
    assert b"Billing" in manager_client.get(reverse("admin:forums_tag_changelist")).content


@pytest.mark.parametrize("who", ["member", "moderator", "staff_without_roles"])
def test_admin_moderation_is_not_available_to_others(client, flagged_reply, who):
    user = {
        "member": lambda: UserFactory(),
        "moderator": lambda: UserFactory(roles=[roles.MODERATORS]),
        "staff_without_roles": lambda: UserFactory(is_staff=True),
    }[who]()
    client.force_login(user)
    for url in [
        changelist("post"),
        changelist("tag"),
        reverse("admin:forums_moderationevent_changelist"),
        reverse("admin:forums_searchquery_changelist"),
    ]:
        assert client.get(url).status_code in (302, 403), url
    response = run_action(client, "post", "hide", [flagged_reply.pk])
    assert response.status_code in (302, 403)
    assert not Post.objects.get(pk=flagged_reply.pk).is_hidden
    assert not ModerationEvent.objects.exists()
