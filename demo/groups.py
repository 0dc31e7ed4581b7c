"""Demo groups: "Beta Program" (listed, ask to join) and "Customer Advisory Board" (hidden,
invitation only), both managed by Carmen, the demo community manager.

The groups and their manager grants go through the services. Memberships, requests and
invitations are bulk inserts (the member list may be 100,000 people); the member counters
are then rebuilt from the membership table in one UPDATE."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from members.models import (
    GroupInvitation,
    GroupMembershipRequest,
    GroupProfile,
    GroupVisibility,
    JoinPolicy,
    RequestStatus,
    User,
)
from members.services.groups import (
    INVITATION_VALIDITY,
    group_create,
    group_manager_add,
    group_member_counts_synchronize,
)

DEMO_MANAGER_USERNAME = "carmen"
BETA_SHARE = 0.2
BETA_PENDING_REQUESTS = 4
ADVISORY_BOARD_SIZE = 8

BETA_DESCRIPTION = (
    "Try Acme features before they ship and tell the product team what works.\n\n"
    "- Early builds every other week\n"
    "- A monthly call with the product managers\n"
    "- Your feedback goes straight into the roadmap\n\n"
    "Ask to join and a community manager will let you in."
)
ADVISORY_BOARD_DESCRIPTION = (
    "A small circle of long-standing customers who meet with Acme's leadership every "
    "quarter to review the roadmap and pricing. Members join by invitation."
)
REQUEST_MESSAGES = (
    "We roll out Acme to 200 people next quarter and would love to test early.",
    "I run our integrations and keep hitting the API limits; happy to give feedback.",
    "",
    "Our team has been asking for the new reporting features, count me in!",
)


@dataclass(frozen=True)
class DemoGroupsResult:
    beta_program: GroupProfile
    advisory_board: GroupProfile


def _membership_rows(group_profile: GroupProfile, users: list[User]) -> list:
    membership = User.groups.through
    return [membership(user_id=user.pk, group_id=group_profile.pk) for user in users]


@transaction.atomic
def demo_groups_create(*, members: list[User], rng: random.Random) -> DemoGroupsResult:
    """Create the two demo groups from the seeded `members` (which may or may not include
    the four demo log-ins). Carmen must exist: she creates and manages both groups."""
    manager = (
        next((user for user in members if user.username == DEMO_MANAGER_USERNAME), None)
        or User.objects.filter(username=DEMO_MANAGER_USERNAME).first()
    )
    if manager is None:
        raise ValueError("The demo groups need the demo community manager (carmen) first.")
    demo_logins = {
        user.username: user
        for user in User.objects.filter(username__in=["maya", "omar", "evan", "carmen"])
    }
    crowd = [user for user in members if user.username not in demo_logins]

    beta = group_create(
        actor=manager,
        name="Beta Program",
        slug="beta-program",
        description=BETA_DESCRIPTION,
        visibility=GroupVisibility.LISTED,
        join_policy=JoinPolicy.REQUEST,
    )
    board = group_create(
        actor=manager,
        name="Customer Advisory Board",
        slug="customer-advisory-board",
        description=ADVISORY_BOARD_DESCRIPTION,
        visibility=GroupVisibility.HIDDEN,
        join_policy=JoinPolicy.INVITATION,
    )
    for group_profile in (beta, board):
        group_manager_add(actor=manager, group_profile=group_profile, user=manager)

    shuffled = crowd[:]
    rng.shuffle(shuffled)
    beta_count = round(len(crowd) * BETA_SHARE)
    beta_members = shuffled[:beta_count]
    requesters = shuffled[beta_count : beta_count + BETA_PENDING_REQUESTS]
    board_members = shuffled[:ADVISORY_BOARD_SIZE]  # advisors tend to be beta testers too
    invitees = shuffled[ADVISORY_BOARD_SIZE : ADVISORY_BOARD_SIZE + 2]

    # Maya (the member log-in) is a beta tester; Evan (the executive) sits on the board.
    beta_members += [demo_logins[name] for name in ("maya", "carmen") if name in demo_logins]
    board_members += [demo_logins[name] for name in ("evan", "carmen") if name in demo_logins]

    membership = User.groups.through
    membership.objects.bulk_create(
        [
            *_membership_rows(beta, beta_members),
            *_membership_rows(board, board_members + invitees),
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )

    now = timezone.now()
    GroupMembershipRequest.objects.bulk_create(
        [
            GroupMembershipRequest(
                group_profile=beta,
                user=user,
                message=REQUEST_MESSAGES[index % len(REQUEST_MESSAGES)],
                status=RequestStatus.PENDING,
            )
            for index, user in enumerate(requesters)
        ]
    )

    invitations = [
        GroupInvitation(
            group_profile=board,
            email=user.email,
            invited_by=manager,
            expires_at=now - timedelta(days=20) + INVITATION_VALIDITY,
            accepted_by=user,
            accepted_at=now - timedelta(days=18 - index),
        )
        for index, user in enumerate(invitees)
    ]
    invitations.append(
        GroupInvitation(
            group_profile=board,
            email="jordan.lee@initech.example",
            invited_by=manager,
            expires_at=now + INVITATION_VALIDITY - timedelta(days=2),
        )
    )
    GroupInvitation.objects.bulk_create(invitations)

    group_member_counts_synchronize(group_profile_ids=[beta.pk, board.pk])
    beta.refresh_from_db()
    board.refresh_from_db()
    return DemoGroupsResult(beta_program=beta, advisory_board=board)
