import pytest
from django.core.exceptions import ValidationError
from guardian.shortcuts import assign_perm

from forums.models import Post, Tag, Topic, Watch, WatchLevel
from forums.permissions import topic_readers, visible_topics
from forums.services.posts import post_create
from forums.services.watching import (
    topic_watch_level,
    topic_watch_levels,
    watch_set,
    watched_topic_filter,
)
from members import roles
from members.models import ApprovalStatus
from tests.forums.factories import CategoryFactory, TopicFactory, private_category_for
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_watch_set_sets_changes_and_clears_one_level(member, topic):
    watch_set(user=member, level=WatchLevel.MUTED, topic=topic)
    watch_set(user=member, level=WatchLevel.EVERY_POST, topic=topic)
    assert topic_watch_level(member, topic) == WatchLevel.EVERY_POST
    assert Watch.objects.filter(user=member).count() == 1
    watch_set(user=member, level=None, topic=topic)
    assert topic_watch_level(member, topic) is None


def test_watch_set_refuses_a_bad_level_and_two_targets(member, topic):
    with pytest.raises(ValidationError):
        watch_set(user=member, level=7, topic=topic)
    with pytest.raises(ValueError):
        watch_set(user=member, level=1, topic=topic, category=topic.category)
    assert not Watch.objects.filter(user=member).exists()


def test_authors_watch_their_topic_and_repliers_track_it(topic, author, member):
    assert topic_watch_level(author, topic) == WatchLevel.EVERY_POST
    post_create(topic=topic, author=member, body="Descale it")
    assert topic_watch_level(member, topic) == WatchLevel.MENTIONS


def test_replying_never_overwrites_a_level_the_member_chose(topic, member):
    watch_set(user=member, level=WatchLevel.EVERY_POST, topic=topic)
    post_create(topic=topic, author=member, body="Descale it")
    assert topic_watch_level(member, topic) == WatchLevel.EVERY_POST


def test_most_specific_level_wins_topic_over_tag_over_category_over_parent(member):
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)
    topic = TopicFactory(category=child)
    tag, other_tag = Tag.objects.create(name="a", slug="a"), Tag.objects.create(name="b", slug="b")
    topic.tags.add(tag, other_tag)

    def level():
        return topic_watch_levels(topic=topic, user_ids=[member.pk]).get(member.pk)

    assert level() is None  # the default
    watch_set(user=member, level=WatchLevel.EVERY_POST, category=parent)
    assert level() == WatchLevel.EVERY_POST
    watch_set(user=member, level=WatchLevel.MUTED, category=child)
    assert level() == WatchLevel.MUTED
    watch_set(user=member, level=WatchLevel.MUTED, tag=tag)
    watch_set(user=member, level=WatchLevel.MENTIONS, tag=other_tag)
    assert level() == WatchLevel.MENTIONS  # the highest of the tags
    watch_set(user=member, level=WatchLevel.EVERY_POST, topic=topic)
    assert level() == WatchLevel.EVERY_POST


@pytest.mark.parametrize("level", [WatchLevel.EVERY_POST, WatchLevel.MUTED])
def test_the_sql_rule_agrees_with_the_python_rule(member, level):
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)
    tag_a, tag_b = Tag.objects.create(name="a", slug="a"), Tag.objects.create(name="b", slug="b")
    topics = [TopicFactory(category=category) for category in (parent, child) for _ in range(4)]
    topics[1].tags.add(tag_a)
    topics[2].tags.add(tag_a, tag_b)
    topics[5].tags.add(tag_b)
    topics[6].tags.add(tag_a)
    watch_set(user=member, level=WatchLevel.EVERY_POST, category=parent)
    watch_set(user=member, level=WatchLevel.MUTED, category=child)
    watch_set(user=member, level=WatchLevel.MUTED, tag=tag_a)
    watch_set(user=member, level=WatchLevel.EVERY_POST, tag=tag_b)
    watch_set(user=member, level=WatchLevel.MENTIONS, topic=topics[3])
    watch_set(user=member, level=WatchLevel.EVERY_POST, topic=topics[7])

    expected = {
        topic.pk
        for topic in topics
        if topic_watch_levels(topic=topic, user_ids=[member.pk]).get(member.pk) == level
    }
    found = set(
        Topic.objects.filter(watched_topic_filter(member, level=level)).values_list("pk", flat=True)
    )
    assert found == expected
    assert expected  # the fixture exercises both outcomes


def _people():
    """Every kind of person the visibility rules tell apart."""
    volunteer = UserFactory()
    return {
        "member": UserFactory(),
        "group member": UserFactory(),
        "volunteer moderator": volunteer,
        "moderator": UserFactory(roles=[roles.MODERATORS]),
        "community manager": UserFactory(roles=[roles.COMMUNITY_MANAGERS]),
        "superuser": UserFactory(is_superuser=True),
        "pending": UserFactory(approval_status=ApprovalStatus.PENDING),
        "inactive": UserFactory(is_active=False),
    }


def test_topic_readers_agrees_with_visible_topics_for_every_kind_of_person_and_place():
    people = _people()
    public = CategoryFactory()
    members_only = CategoryFactory(members=True)
    private = private_category_for(people["group member"])
    assign_perm("forums.moderate_category", people["volunteer moderator"], public)
    places = [
        public,
        members_only,
        private,
        CategoryFactory(parent=private),  # a "public" child of a private parent
        private_category_for(people["member"], parent=public),
    ]
    topics = [TopicFactory(category=c) for c in places]
    topics += [TopicFactory(category=c, hidden=True) for c in places]
    for topic in topics:
        topic = Topic.objects.select_related("category__parent").get(pk=topic.pk)
        readers = set(topic_readers(topic).values_list("pk", flat=True))
        for name, person in people.items():
            person = type(person).objects.get(pk=person.pk)  # no permission cache
            sees = (
                person.is_active
                and person.approval_status == ApprovalStatus.APPROVED
                and visible_topics(person).filter(pk=topic.pk).exists()
            )
            assert (person.pk in readers) == sees, (name, topic.category, topic.is_hidden)


def test_a_member_removed_from_the_group_stops_being_a_reader():
    insider = UserFactory()
    private = private_category_for(insider)
    topic = TopicFactory(category=private)
    assert insider in topic_readers(topic)
    private_group = insider.groups.get(name__startswith="Group for")
    private_group.user_set.remove(insider)
    assert insider not in topic_readers(topic)
    assert Post.objects.filter(topic=topic).exists()
