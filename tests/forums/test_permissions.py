import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.http import Http404
from guardian.shortcuts import assign_perm

from forums.permissions import (
    MODERATE_CATEGORY,
    access_category,
    access_topic,
    can_moderate_category,
    can_post_in,
    visible_categories,
    visible_topics,
)
from forums.services.categories import category_access_grant, category_access_revoke
from members import roles
from members.models import ApprovalStatus
from tests.forums.factories import CategoryFactory, TopicFactory, private_category_for
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def categories(member):
    insider = UserFactory()
    return {
        "public": CategoryFactory(),
        "members": CategoryFactory(members=True),
        "private": private_category_for(insider),
        "insider": insider,
    }


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("visitor", {"public"}),
        ("pending", {"public"}),
        ("member", {"public", "members"}),
        ("insider", {"public", "members", "private"}),
        ("manager", {"public", "members", "private"}),
        ("moderator", {"public", "members", "private"}),
    ],
)
def test_visible_categories_by_role(categories, member, who, expected):
    users = {
        "visitor": AnonymousUser(),
        "pending": UserFactory(approval_status=ApprovalStatus.PENDING),
        "member": member,
        "insider": categories["insider"],
        "manager": UserFactory(roles=[roles.COMMUNITY_MANAGERS]),
        "moderator": UserFactory(roles=[roles.MODERATORS]),
    }
    visible = set(visible_categories(users[who]))
    assert {key for key in ("public", "members", "private") if categories[key] in visible} == (
        expected
    )


def test_members_only_community_hides_public_categories_from_visitors(categories, members_only):
    assert not visible_categories(AnonymousUser()).exists()


def test_subcategory_of_a_private_category_is_private_too(member, categories):
    child = CategoryFactory(parent=categories["private"])
    assert child not in visible_categories(member)
    assert child in visible_categories(categories["insider"])


def test_a_direct_user_grant_opens_a_private_category(member):
    category = CategoryFactory(private=True)
    assert category not in visible_categories(member)
    assign_perm("forums.view_category", member, category)
    assert category in visible_categories(member)


def test_access_category_and_topic_answer_invisible_like_missing(member, categories):
    topic = TopicFactory(category=categories["private"])
    with pytest.raises(Http404) as hidden:
        access_category(member, slug=categories["private"].slug)
    with pytest.raises(Http404) as missing:
        access_category(member, slug="no-such-category")
    assert str(hidden.value) == str(missing.value)
    with pytest.raises(Http404) as hidden:
        access_topic(member, pk=topic.pk)
    with pytest.raises(Http404) as missing:
        access_topic(member, pk=topic.pk + 1000)
    assert str(hidden.value) == str(missing.value)
    assert access_topic(categories["insider"], pk=topic.pk) == topic


def test_hidden_topics_are_visible_only_to_moderators(member, category):
    topic = TopicFactory(category=category, hidden=True)
    volunteer = UserFactory()
    assign_perm("forums.moderate_category", volunteer, category)
    assert topic not in visible_topics(member)
    assert topic not in visible_topics(AnonymousUser())
    assert topic in visible_topics(volunteer)
    assert topic in visible_topics(UserFactory(roles=[roles.MODERATORS]))


@pytest.mark.parametrize(
    ("who", "category_key", "expected"),
    [
        ("visitor", "public", False),
        ("member", "public", True),
        ("member", "members", True),
        ("member", "private", False),
        ("insider", "private", True),
        ("pending", "public", False),
    ],
)
def test_can_post_in(categories, member, who, category_key, expected):
    users = {
        "visitor": AnonymousUser(),
        "member": member,
        "insider": categories["insider"],
        "pending": UserFactory(approval_status=ApprovalStatus.PENDING),
    }
    assert can_post_in(users[who], categories[category_key]) is expected


def test_can_moderate_category_checks_global_and_object_grants(member, category):
    assert not can_moderate_category(member, category)
    assert can_moderate_category(UserFactory(roles=[roles.MODERATORS]), category)
    volunteer = UserFactory()
    assign_perm("forums.moderate_category", volunteer, category)
    assert can_moderate_category(volunteer, category)
    assert not can_moderate_category(volunteer, CategoryFactory())


def test_a_volunteer_moderator_of_a_parent_moderates_and_sees_hidden_topics_below(category):
    child = CategoryFactory(parent=category)
    topic = TopicFactory(category=child, hidden=True)
    volunteer = UserFactory()
    assign_perm("forums.moderate_category", volunteer, category)
    assert can_moderate_category(volunteer, child)
    assert topic in visible_topics(volunteer)


class TestCachedReach:
    """A member's reach is cached; every change of grants or membership shows at once."""

    def test_joining_and_leaving_the_group_opens_and_closes_the_category(self):
        member = UserFactory()
        category = private_category_for(UserFactory())
        group = Group.objects.get(name=f"Group for {category.slug}")
        assert category not in visible_categories(member)

        group.user_set.add(member)
        assert category in visible_categories(member)

        member.groups.remove(group)
        assert category not in visible_categories(member)

    def test_a_new_grant_and_a_revoked_one_show_at_once(self):
        member = UserFactory()
        group = Group.objects.create(name="Advisors")
        group.user_set.add(member)
        category = CategoryFactory(private=True)
        assert category not in visible_categories(member)

        category_access_grant(category=category, group=group)
        assert category in visible_categories(member)

        category_access_revoke(category=category, group=group)
        assert category not in visible_categories(member)

    def test_a_volunteer_grant_shows_at_once(self):
        member = UserFactory()
        category = CategoryFactory()
        assert not can_moderate_category(member, category)

        assign_perm(MODERATE_CATEGORY, member, category)

        assert can_moderate_category(member, category)

    def test_a_cached_reach_costs_no_query(self, django_assert_num_queries):
        member = UserFactory()
        private_category_for(member)
        list(visible_categories(member))
        with django_assert_num_queries(1):  # the categories themselves, nothing about grants
            list(visible_categories(member))
