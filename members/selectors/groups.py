"""Reads for groups: the group list, a group's page, the groups on a profile. Every list is
filtered by `visible_groups` (SQL), and the per-row booleans come from annotations or one
prefetched guardian checker, so the query count does not grow with the number of rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db.models import BooleanField, Exists, OuterRef, QuerySet, Subquery, Value
from django.utils import timezone

from members.models import (
    GroupInvitation,
    GroupMembershipRequest,
    GroupProfile,
    GroupProfileUserObjectPermission,
    JoinPolicy,
    RequestStatus,
    User,
)
from members.permissions import (
    MANAGE_GROUP,
    ObjectPermissions,
    can_appoint_group_managers,
    can_manage_group,
    can_see_group_members,
    groups_with_visible_members,
    is_community_member,
    visible_groups,
)

Membership = User.groups.through


def _annotate_viewer_state(queryset: QuerySet[GroupProfile], viewer) -> QuerySet[GroupProfile]:
    if not viewer.is_authenticated:
        return queryset.annotate(
            viewer_is_member=Value(False, output_field=BooleanField()),
            viewer_has_pending_request=Value(False, output_field=BooleanField()),
        )
    return queryset.annotate(
        viewer_is_member=Exists(
            Membership.objects.filter(group_id=OuterRef("pk"), user_id=viewer.pk)
        ),
        viewer_has_pending_request=Exists(
            GroupMembershipRequest.objects.filter(
                group_profile_id=OuterRef("pk"), user_id=viewer.pk, status=RequestStatus.PENDING
            )
        ),
    )


def group_list_for_viewer(*, viewer) -> QuerySet[GroupProfile]:
    """Groups `viewer` may see (listed ones, plus hidden ones they belong to or manage),
    with `viewer_is_member` and `viewer_has_pending_request` annotated."""
    return _annotate_viewer_state(visible_groups(viewer).select_related("group"), viewer).order_by(
        "group__name"
    )


@dataclass(frozen=True)
class GroupRow:
    group: GroupProfile
    is_member: bool
    has_pending_request: bool
    can_manage: bool
    can_act: bool  # a community member who may join/ask/leave (not a visitor)

    @property
    def state(self) -> str:
        """What the viewer can do next, for the label and button: member, pending, join,
        request, invitation (by invitation only) or sign-in."""
        if self.is_member:
            return "member"
        if self.has_pending_request:
            return "pending"
        if not self.can_act:
            return "sign-in"
        return {
            JoinPolicy.OPEN: "join",
            JoinPolicy.REQUEST: "request",
            JoinPolicy.INVITATION: "invitation",
        }[self.group.join_policy]


def group_rows_for_list(*, viewer) -> list[GroupRow]:
    groups = list(group_list_for_viewer(viewer=viewer))
    perms = ObjectPermissions(viewer, groups) if viewer.is_authenticated else None
    can_act = is_community_member(viewer)
    return [
        GroupRow(
            group=group,
            is_member=group.viewer_is_member,
            has_pending_request=group.viewer_has_pending_request,
            can_manage=bool(perms and perms.has_perm(MANAGE_GROUP, group)),
            can_act=can_act,
        )
        for group in groups
    ]


def group_row_for_viewer(
    *, group_profile: GroupProfile, viewer, can_manage: bool | None = None
) -> GroupRow:
    """The viewer's state for one group (the detail page and the htmx action box). A caller
    that already checked `can_manage` passes it, so guardian is not asked twice."""
    annotated = _annotate_viewer_state(
        GroupProfile.objects.filter(pk=group_profile.pk), viewer
    ).values("viewer_is_member", "viewer_has_pending_request", "member_count")
    state = annotated.first() or {
        "viewer_is_member": False,
        "viewer_has_pending_request": False,
        "member_count": group_profile.member_count,
    }
    # The counter may have moved in this request (join/leave); show the stored value.
    group_profile.member_count = state["member_count"]
    return GroupRow(
        group=group_profile,
        is_member=state["viewer_is_member"],
        has_pending_request=state["viewer_has_pending_request"],
        can_manage=(can_manage_group(viewer, group_profile) if can_manage is None else can_manage),
        can_act=is_community_member(viewer),
    )


def groups_for_profile(*, profile_user, viewer) -> list[GroupProfile]:
    """The groups `profile_user` belongs to that `viewer` may list them in. A profile's
    groups are a piece of each group's member list, so the rule is the group page's
    (can_see_group_members): fellow members, the group's managers and community managers,
    never visitors or other members, even for a listed group. The person sees all their
    own groups, hidden ones included. One query."""
    groups = GroupProfile.objects.filter(
        group_id__in=Membership.objects.filter(user_id=profile_user.pk).values("group_id")
    )
    if not (viewer.is_authenticated and viewer.pk == profile_user.pk):
        groups = groups.filter(pk__in=groups_with_visible_members(viewer).values("pk"))
    return list(groups.select_related("group").order_by("group__name"))


def group_managers(*, group_profile: GroupProfile) -> list[User]:
    """People holding the manager grant on this group (grants to users; community managers
    who manage every group through the global permission are not listed)."""
    return list(
        User.objects.filter(
            groupprofileuserobjectpermission__content_object=group_profile,
            groupprofileuserobjectpermission__permission__codename=MANAGE_GROUP.split(".")[1],
        )
        .only("id", "username", "display_name", "erased_at")
        .order_by("display_name", "username")
        .distinct()
    )


def group_members(*, group_profile: GroupProfile) -> QuerySet[User]:
    """The profile comes in the same query, for the avatar tag (which never queries)."""
    return (
        User.objects.filter(groups=group_profile.group_id)
        .select_related("profile")
        .only("id", "username", "display_name", "erased_at", "profile__avatar")
        .order_by("display_name", "username", "id")
    )


@dataclass(frozen=True)
class GroupMemberRow:
    user: User
    is_manager: bool
    can_remove: bool


def group_member_rows(
    *,
    group_profile: GroupProfile,
    viewer,
    members: list[User],
    manager_ids: set[int],
    can_manage: bool | None = None,
) -> list[GroupMemberRow]:
    """Per-member flags for one page of members, with the rules of group_member_remove:
    managers remove members, but not themselves, and only community managers remove a
    co-manager. Pass `can_manage` when the page already knows it."""
    manages = can_manage_group(viewer, group_profile) if can_manage is None else can_manage
    appoints = can_appoint_group_managers(viewer)
    return [
        GroupMemberRow(
            user=member,
            is_manager=member.pk in manager_ids,
            can_remove=(
                manages and member.pk != viewer.pk and (appoints or member.pk not in manager_ids)
            ),
        )
        for member in members
    ]


def group_pending_requests(*, group_profile: GroupProfile) -> QuerySet[GroupMembershipRequest]:
    return (
        GroupMembershipRequest.objects.filter(
            group_profile=group_profile, status=RequestStatus.PENDING
        )
        .select_related("user")
        .order_by("created_at")
    )


def group_open_invitations(*, group_profile: GroupProfile) -> QuerySet[GroupInvitation]:
    return (
        GroupInvitation.objects.filter(
            group_profile=group_profile,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
        .order_by("-created_at")
    )


def _open_invitations() -> QuerySet[GroupInvitation]:
    return GroupInvitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def invitations_open_for_user(*, user: User) -> QuerySet[GroupInvitation]:
    """Open invitations sent to one of `user`'s *verified* addresses (compared ignoring
    case, as invitation_check_acceptable does): the ones approving their account accepts."""
    verified = EmailAddress.objects.filter(
        user_id=user.pk, verified=True, email__iexact=OuterRef("email")
    )
    return _open_invitations().filter(Exists(verified))


def invited_group_names_for_users(*, user_ids: Iterable[int]) -> dict[int, list[str]]:
    """{user id: names of the groups with an open invitation to one of their verified
    addresses}, for a page of the approval queue in one query. A verified address belongs
    to one account (allauth keeps them unique), so each invitation has at most one owner."""
    owner = EmailAddress.objects.filter(
        user_id__in=list(user_ids), verified=True, email__iexact=OuterRef("email")
    ).values("user_id")[:1]
    rows = (
        _open_invitations()
        .annotate(invitee_id=Subquery(owner))
        .filter(invitee_id__isnull=False)
        .order_by("group_profile__group__name")
        .values_list("invitee_id", "group_profile__group__name")
        .distinct()
    )
    names: dict[int, list[str]] = {}
    for user_id, group_name in rows:
        names.setdefault(user_id, []).append(group_name)
    return names


def group_manager_ids(*, group_profile: GroupProfile) -> set[int]:
    return set(
        GroupProfileUserObjectPermission.objects.filter(
            content_object=group_profile, permission__codename=MANAGE_GROUP.split(".")[1]
        ).values_list("user_id", flat=True)
    )


def group_detail_context(*, group_profile: GroupProfile, viewer) -> dict:
    """Everything the group page shows except the paginated member list. The manager check
    is made once here (each one costs guardian queries) and handed to everything that
    needs it; the view passes `context["can_manage"]` on to group_member_rows."""
    can_manage = can_manage_group(viewer, group_profile)
    row = group_row_for_viewer(group_profile=group_profile, viewer=viewer, can_manage=can_manage)
    managers = group_managers(group_profile=group_profile)
    context = {
        "group": group_profile,
        "row": row,
        "managers": managers,
        "manager_ids": {manager.pk for manager in managers},
        "can_manage": can_manage,
        "can_see_members": can_see_group_members(
            viewer, group_profile, can_manage=can_manage, is_member=row.is_member
        ),
        "pending_requests": [],
        "open_invitations": [],
    }
    if row.can_manage:
        context["pending_requests"] = list(group_pending_requests(group_profile=group_profile))
        context["open_invitations"] = list(group_open_invitations(group_profile=group_profile))
    return context
