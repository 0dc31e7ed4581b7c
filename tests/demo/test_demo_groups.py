# ruff: noqa: S311 - seeded demo data: reproducibility is the point
import random

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AnonymousUser

from demo.groups import demo_groups_create
from demo.members import demo_accounts_create, demo_join_anchor
from members.models import (
    GroupInvitation,
    GroupMembershipRequest,
    GroupVisibility,
    JoinPolicy,
    RequestStatus,
    User,
)
from members.permissions import can_manage_group, can_view_group
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded_people():
    accounts = demo_accounts_create(password_hash=make_password(None), anchor=demo_join_anchor())
    crowd = UserFactory.create_batch(40)
    return accounts, crowd


def test_demo_groups_builds_the_beta_program_and_the_hidden_advisory_board(seeded_people):
    accounts, crowd = seeded_people

    result = demo_groups_create(members=[*accounts, *crowd], rng=random.Random(2026))

    beta, board = result.beta_program, result.advisory_board
    assert (beta.slug, beta.visibility, beta.join_policy) == (
        "beta-program",
        GroupVisibility.LISTED,
        JoinPolicy.REQUEST,
    )
    assert (board.slug, board.visibility, board.join_policy) == (
        "customer-advisory-board",
        GroupVisibility.HIDDEN,
        JoinPolicy.INVITATION,
    )
    # About a fifth of the crowd plus Maya and Carmen; counters match the membership table.
    assert beta.member_count == beta.group.user_set.count() == 8 + 2
    assert board.member_count == board.group.user_set.count()
    assert 5 <= board.member_count <= 15
    carmen = User.objects.get(username="carmen")
    assert can_manage_group(carmen, beta) and can_manage_group(carmen, board)
    assert (
        GroupMembershipRequest.objects.filter(
            group_profile=beta, status=RequestStatus.PENDING
        ).count()
        == 4
    )
    invitations = GroupInvitation.objects.filter(group_profile=board)
    assert invitations.filter(accepted_at__isnull=False).count() == 2
    assert invitations.filter(accepted_at__isnull=True).count() == 1
    # The board stays hidden from people outside it.
    assert not can_view_group(AnonymousUser(), board)
    outsider = next(u for u in crowd if not board.group.user_set.filter(pk=u.pk).exists())
    assert not can_view_group(outsider, board)
    assert can_view_group(User.objects.get(username="evan"), board)


def test_demo_groups_is_the_same_for_the_same_seed(seeded_people):
    accounts, crowd = seeded_people
    result = demo_groups_create(members=[*accounts, *crowd], rng=random.Random(7))
    first = sorted(result.beta_program.group.user_set.values_list("username", flat=True))

    expected = crowd[:]
    random.Random(7).shuffle(expected)
    assert set(first) >= {user.username for user in expected[:8]}


def test_demo_groups_needs_the_demo_community_manager():
    with pytest.raises(ValueError, match="carmen"):
        demo_groups_create(members=UserFactory.create_batch(3), rng=random.Random(1))
