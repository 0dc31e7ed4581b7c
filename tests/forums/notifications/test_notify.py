import pytest
from django.contrib.auth.models import Group

from community.models import Notification
from forums.models import Tag, WatchLevel
from forums.services.notify import post_notify
from forums.services.posts import post_create
from forums.services.topics import topic_create
from forums.services.watching import watch_set
from tests.forums.factories import private_category_for
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def _kinds():
    return {
        (notification.recipient.username, notification.kind)
        for notification in Notification.objects.select_related("recipient")
    }


def _reply(topic, author, body, callbacks):
    with callbacks(execute=True):
        return post_create(topic=topic, author=author, body=body)


def test_watching_levels_decide_who_hears_of_a_reply(
    topic, author, django_capture_on_commit_callbacks
):
    watcher, normal, muted_mentioned = (
        UserFactory(username="watcher"),
        UserFactory(username="normal"),
        UserFactory(username="hush"),
    )
    watch_set(user=watcher, level=WatchLevel.EVERY_POST, category=topic.category)
    watch_set(user=normal, level=WatchLevel.MENTIONS, topic=topic)
    watch_set(user=muted_mentioned, level=WatchLevel.MUTED, topic=topic)
    replier = UserFactory(username="replier")

    _reply(topic, replier, "Descale it, @hush", django_capture_on_commit_callbacks)

    assert _kinds() == {("olive", "forum_reply"), ("watcher", "forum_watched_post")}


def test_each_person_hears_once_for_the_strongest_reason(
    topic, author, django_capture_on_commit_callbacks
):
    watcher = UserFactory(username="watcher")
    watch_set(user=watcher, level=WatchLevel.EVERY_POST, topic=topic)
    replier = UserFactory(username="replier")

    reply = _reply(topic, replier, "@olive @watcher @olive see", django_capture_on_commit_callbacks)

    assert sorted(_kinds()) == [("olive", "forum_mention"), ("watcher", "forum_mention")]
    notice = Notification.objects.get(recipient=author)
    assert notice.actor == replier
    assert notice.url == f"{topic.get_absolute_url()}?page=1#post-{reply.pk}"
    assert notice.verb == f"{replier.public_name} mentioned you in “Kettle”"


def test_the_author_is_never_notified_of_their_own_post(
    topic, author, django_capture_on_commit_callbacks
):
    _reply(topic, author, f"Note to self @{author.username}", django_capture_on_commit_callbacks)
    assert not Notification.objects.exists()


def test_a_new_topic_tells_category_and_tag_watchers_but_a_mute_wins(
    category, author, django_capture_on_commit_callbacks
):
    by_category, by_parent_muted_child = UserFactory(username="cat"), UserFactory(username="mute")
    watch_set(user=by_category, level=WatchLevel.EVERY_POST, category=category)
    watch_set(user=by_parent_muted_child, level=WatchLevel.EVERY_POST, category=category)
    tag = Tag.objects.create(name="kettles", slug="kettles")
    watch_set(user=by_parent_muted_child, level=WatchLevel.MUTED, tag=tag)
    with django_capture_on_commit_callbacks(execute=True):
        topic = topic_create(
            category=category, author=author, title="Boil", body="Which kettle?", tags=[tag]
        )
    assert _kinds() == {("cat", "forum_watched_post")}
    assert Notification.objects.get().verb == f"{author.public_name} started “{topic.title}”"


def test_replying_to_a_quoted_post_tells_its_author(
    topic, author, django_capture_on_commit_callbacks
):
    helper = UserFactory(username="helper", display_name="Hal Per")
    first = _reply(topic, helper, "Use vinegar", django_capture_on_commit_callbacks)
    Notification.objects.all().delete()
    asker = UserFactory(username="asker")

    _reply(
        topic,
        asker,
        f"> **Hal Per** wrote:\n> Use vinegar\n\nAnd [this one](/forums/p/{first.pk}/)?",
        django_capture_on_commit_callbacks,
    )

    assert _kinds() == {("olive", "forum_reply"), ("helper", "forum_reply")}
    assert Notification.objects.get(recipient=helper).verb.endswith(
        "replied to your post in “Kettle”"
    )


def test_private_topics_notify_only_those_who_may_see_them(django_capture_on_commit_callbacks):
    insider, outsider, author = (
        UserFactory(username="insider"),
        UserFactory(username="outsider"),
        UserFactory(),
    )
    private = private_category_for(insider, author)
    # A watch left from before, on a category the outsider can no longer see.
    watch_set(user=outsider, level=WatchLevel.EVERY_POST, category=private)
    watch_set(user=insider, level=WatchLevel.EVERY_POST, category=private)
    with django_capture_on_commit_callbacks(execute=True):
        topic = topic_create(
            category=private, author=author, title="Beta", body="@outsider @insider hi"
        )
    assert _kinds() == {("insider", "forum_mention")}
    Notification.objects.all().delete()

    # Removed from the group after the post was written, before the notices go out.
    group = Group.objects.get(name=f"Group for {private.slug}")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply = post_create(topic=topic, author=author, body="More for @insider")
    group.user_set.remove(insider)
    for callback in callbacks:
        callback()
    assert not Notification.objects.filter(recipient=insider).exists()
    assert post_notify(post_id=reply.pk, url="/x/", explicit={}, watchers=True) == 0


def test_hidden_posts_notify_nobody(topic, author):
    reply = post_create(topic=topic, author=UserFactory(), body="spam @olive")
    reply.is_hidden = True
    reply.save()
    assert post_notify(post_id=reply.pk, url="/x/", explicit={author.pk: "forum_mention"},
                       watchers=True) == 0  # fmt: skip


def test_fan_out_costs_the_same_queries_for_many_watchers(
    category, author, django_assert_max_num_queries
):
    topic = topic_create(category=category, author=author, title="Busy", body="Hi")
    for _ in range(30):
        watch_set(user=UserFactory(), level=WatchLevel.EVERY_POST, category=category)
    reply = post_create(topic=topic, author=UserFactory(), body="Reply")
    with django_assert_max_num_queries(12):
        told = post_notify(post_id=reply.pk, url="/x/", explicit={}, watchers=True)
    assert told == 31
