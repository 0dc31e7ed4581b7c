import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from community.models import BRANDING_ID, SiteBranding
from community.services import branding_cache_clear
from forums.models import Category
from members.models import ApprovalStatus, GroupProfile, GroupVisibility, JoinPolicy, User
from members.permissions import (
    MANAGE_GROUP,
    VIEW_GROUP,
    ObjectPermissions,
    access_group,
    can_manage_group,
    can_moderate,
    can_post,
    can_view,
    can_view_group,
    check_manage_group,
    objects_for_user,
    visible_groups,
)
from members.services.groups import group_create, group_join, group_leave
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory
from tests.members.groups.conftest import add_member

pytestmark = pytest.mark.django_db


def _set_members_only(value: bool) -> None:
    SiteBranding.objects.filter(pk=BRANDING_ID).update(members_only=value)
    branding_cache_clear()


@pytest.fixture
def viewers(make_manager, community_manager):
    """One of each kind of person, built lazily per group."""

    def build(role, group_profile):
        if role == "visitor":
            return AnonymousUser()
        if role == "member":
            return UserFactory()
        if role == "group member":
            return add_member(group_profile, UserFactory())
        if role == "manager":
            return make_manager(group_profile)
        if role == "staff with global perm":
            return community_manager
        if role == "awaiting approval":
            return UserFactory(approval_status=ApprovalStatus.PENDING)
        raise AssertionError(role)

    return build


# role, visibility, community members_only -> can view, can manage
PERMISSION_TABLE = [
    ("visitor", "listed", False, True, False),
    ("visitor", "listed", True, False, False),
    ("visitor", "hidden", False, False, False),
    ("awaiting approval", "listed", True, False, False),
    ("awaiting approval", "hidden", False, False, False),
    ("member", "listed", True, True, False),
    ("member", "hidden", False, False, False),
    ("group member", "listed", True, True, False),
    ("group member", "hidden", True, True, False),
    ("manager", "listed", True, True, True),
    ("manager", "hidden", True, True, True),
    ("staff with global perm", "listed", True, True, True),
    ("staff with global perm", "hidden", True, True, True),
]


@pytest.mark.parametrize(
    ("role", "visibility", "members_only", "may_view", "may_manage"), PERMISSION_TABLE
)
def test_group_permission_helpers_grant_and_deny_by_role_and_visibility(
    make_group, viewers, role, visibility, members_only, may_view, may_manage
):
    _set_members_only(members_only)
    group_profile = make_group(visibility=visibility)
    user = viewers(role, group_profile)

    assert can_view_group(user, group_profile) is may_view
    assert can_manage_group(user, group_profile) is may_manage
    # The SQL filter agrees with the Python check.
    assert visible_groups(user).filter(pk=group_profile.pk).exists() is may_view
    if may_view:
        assert access_group(user, group_profile.slug).pk == group_profile.pk
    else:
        with pytest.raises(Http404):
            access_group(user, group_profile.slug)


def test_superuser_sees_and_manages_hidden_groups(make_group):
    hidden = make_group(visibility=GroupVisibility.HIDDEN)
    admin = UserFactory(is_superuser=True)

    assert can_view_group(admin, hidden)
    assert can_manage_group(admin, hidden)
    assert list(visible_groups(admin)) == [hidden]


def test_inactive_group_member_loses_access_to_the_hidden_group(make_group):
    hidden = make_group(visibility=GroupVisibility.HIDDEN)
    member = add_member(hidden, UserFactory())
    member.is_active = False
    member.save()

    assert not can_view_group(member, hidden)
    assert not visible_groups(member).filter(pk=hidden.pk).exists()


def test_access_group_raises_the_same_404_for_a_hidden_and_a_missing_slug(make_group):
    hidden = make_group(visibility=GroupVisibility.HIDDEN)
    outsider = UserFactory()

    with pytest.raises(Http404) as hidden_error:
        access_group(outsider, hidden.slug)
    with pytest.raises(Http404) as missing_error:
        access_group(outsider, "no-such-group")

    assert str(hidden_error.value) == str(missing_error.value)


def test_check_manage_group_refuses_plain_members_with_a_clear_message(make_group):
    group_profile = make_group()
    member = add_member(group_profile, UserFactory())

    with pytest.raises(Exception, match="Only this group's managers"):
        check_manage_group(member, group_profile)


def test_generic_helpers_accept_the_global_permission_even_without_an_object_grant(make_group):
    group_profile = make_group(visibility=GroupVisibility.HIDDEN)
    staff = UserFactory(roles=["Community managers"])
    member = UserFactory()

    # guardian's object check alone ignores global grants: the helper must not.
    assert not staff.has_perm(MANAGE_GROUP, group_profile)
    assert can_view(staff, group_profile)
    assert can_view(staff, group_profile, perm=MANAGE_GROUP)
    assert not can_view(member, group_profile)
    # No post/moderate permission exists for groups: nobody but superusers holds it.
    assert not can_post(staff, group_profile, perm="members.delete_groupprofile")
    assert not can_moderate(member, group_profile, perm="members.change_groupprofile")


def test_objects_for_user_filters_in_sql_with_group_grants_and_global_grants(make_group):
    first = make_group(visibility=GroupVisibility.HIDDEN)
    second = make_group(visibility=GroupVisibility.HIDDEN)
    member = add_member(first, UserFactory())
    staff = UserFactory(roles=["Community managers"])
    everything = GroupProfile.objects.all()

    assert list(objects_for_user(member, VIEW_GROUP, everything)) == [first]
    assert set(objects_for_user(staff, VIEW_GROUP, everything)) == {first, second}
    assert list(objects_for_user(AnonymousUser(), VIEW_GROUP, everything)) == []


def _checker_queries(user, groups) -> int:
    fresh_user = type(user).objects.get(pk=user.pk)  # no permission caches carried over
    with CaptureQueriesContext(connection) as ctx:
        perms = ObjectPermissions(fresh_user, groups)
        answers = [perms.has_perm(MANAGE_GROUP, group) for group in groups]
        answers += [perms.has_perm(VIEW_GROUP, group) for group in groups]
    return len(ctx.captured_queries), answers


def test_prefetched_checker_uses_a_constant_number_of_queries_for_50_groups(
    community_manager, make_manager
):
    user = UserFactory()

    def make_groups(count: int, start: int) -> list[GroupProfile]:
        groups = [
            group_create(
                actor=community_manager,
                name=f"Checked {start + n}",
                slug=f"checked-{start + n}",
                visibility=GroupVisibility.HIDDEN,
                join_policy=JoinPolicy.INVITATION,
            )
            for n in range(count)
        ]
        make_manager(groups[0], user=user)
        add_member(groups[-1], user)
        return groups

    three = make_groups(3, 0)
    _checker_queries(user, three)  # warm content types
    few, answers_few = _checker_queries(user, three)
    fifty = three + make_groups(47, 100)
    many, answers_many = _checker_queries(user, fifty)

    assert many == few
    assert answers_few[:3] == [True, False, False]  # manages only the first
    assert answers_few[3:] == [False, False, True]  # sees only the one it belongs to
    assert sum(answers_many[:50]) == 2  # manages groups[0] of each batch


def test_prefetched_checker_for_a_global_holder_needs_no_object_queries(community_manager):
    groups = [group_create(actor=community_manager, name=f"G{n}", slug=f"g-{n}") for n in range(5)]
    staff = type(community_manager).objects.get(pk=community_manager.pk)
    perms = ObjectPermissions(staff, groups)
    assert perms.has_perm(MANAGE_GROUP, groups[0])

    with CaptureQueriesContext(connection) as ctx:
        assert all(perms.has_perm(MANAGE_GROUP, group) for group in groups)
    assert len(ctx.captured_queries) == 0


def test_prefetched_checker_for_a_visitor_denies_everything(make_group):
    groups = [make_group() for _ in range(3)]
    perms = ObjectPermissions(AnonymousUser(), groups)
    assert not any(perms.has_perm(MANAGE_GROUP, group) for group in groups)


# --- Object grants to a group's auth Group (how a private category opens to a group) ---------


@pytest.mark.parametrize(
    ("perm", "helper"),
    [("forums.post_category", can_post), ("forums.moderate_category", can_moderate)],
    ids=["post", "moderate"],
)
def test_a_grant_to_a_groups_auth_group_lets_its_members_in_and_nobody_else(
    make_group, perm, helper
):
    group_profile = make_group(visibility=GroupVisibility.HIDDEN)
    insider = add_member(group_profile, UserFactory())
    outsider = UserFactory()
    category, other = CategoryFactory(private=True), CategoryFactory(private=True)
    assign_perm(perm, group_profile.group, category)

    # The per-object helpers, resolving the default `forums.<verb>_category` themselves.
    assert helper(insider, category) is True
    assert helper(outsider, category) is False
    assert helper(insider, other) is False  # the grant is on that one category
    # The prefetched checker gives the same answers.
    inside = ObjectPermissions(insider, [category, other])
    outside = ObjectPermissions(outsider, [category, other])
    assert [inside.has_perm(perm, c) for c in (category, other)] == [True, False]
    assert [outside.has_perm(perm, c) for c in (category, other)] == [False, False]
    # And the SQL filter.
    categories = Category.objects.filter(pk__in=[category.pk, other.pk])
    assert list(objects_for_user(insider, perm, categories)) == [category]
    assert list(objects_for_user(outsider, perm, categories)) == []


def test_leaving_the_group_takes_the_grant_away_with_no_permission_rows_to_clean(make_group):
    group_profile = make_group(join_policy=JoinPolicy.OPEN)
    member = UserFactory()
    category = CategoryFactory(private=True)
    assign_perm("forums.post_category", group_profile.group, category)

    group_join(user=member, group_profile=group_profile)
    joined = User.objects.get(pk=member.pk)  # no permission cache carried over
    assert can_post(joined, category)
    assert ObjectPermissions(joined, [category]).has_perm("forums.post_category", category)

    group_leave(user=joined, group_profile=group_profile)
    left = User.objects.get(pk=member.pk)
    assert not can_post(left, category)
    assert not ObjectPermissions(left, [category]).has_perm("forums.post_category", category)
