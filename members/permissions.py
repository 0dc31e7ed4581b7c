"""Who may do what in members/: the shared helpers every view and service goes through.

Shapes: `check_*` raises PermissionDenied (or Http404 when existence must
stay hidden), `can_*` returns a bool, `access_*` returns the object or raises Http404.

The generic guardian helpers (`has_perm`, `can_view`, `can_post`, `can_moderate`,
`objects_for_user`, `ObjectPermissions`) are used by later issues for private categories and
library collections too; the group helpers below are built from them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import get_objects_for_user

from community.per_request import cache_get_many_prefetched
from community.selectors import branding_get
from members.access import MEMBER_VERSION_SECONDS, access_version_keys, access_versions
from members.models import ApprovalStatus, GroupProfile, GroupVisibility, User

VIEW_GROUP = "members.view_groupprofile"
MANAGE_GROUP = "members.manage_groupprofile"
# Community managers manage any member's data (export, erase) from the admin.
MANAGE_MEMBER_PERMISSION = "members.change_user"
# One message for "hidden" and "missing", so a guessed slug tells the guesser nothing.
GROUP_NOT_FOUND = "No such group."


def is_community_member(user) -> bool:
    """Signed in, active, approved and not erased: the people who see members-only things.
    A sign-up still waiting for approval is not a member yet."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.approval_status == ApprovalStatus.APPROVED
        and not user.erased_at
        # guardian's stand-in row for visitors is active and approved, but nobody.
        and user.username != settings.ANONYMOUS_USER_NAME
    )


def community_members() -> QuerySet[User]:
    """is_community_member as a queryset."""
    return User.objects.filter(community_member_q())


# --- Generic guardian helpers -------------------------------------------------------------


def _perm_for(obj: Model | type[Model], action: str) -> str:
    meta = obj._meta
    return f"{meta.app_label}.{action}_{meta.model_name}"


def has_perm(user, perm: str, obj: Model) -> bool:
    """The global grant, else the object grant. `user.has_perm(perm, obj)` alone answers only
    for object grants (ModelBackend ignores calls with an object, guardian ignores global
    grants), so a community manager holding the global permission would be refused."""
    return user.has_perm(perm) or user.has_perm(perm, obj)


def can_view(user, obj: Model, perm: str | None = None) -> bool:
    """Whether `user` may see `obj` (default permission `<app>.view_<model>`)."""
    return has_perm(user, perm or _perm_for(obj, "view"), obj)


def can_post(user, obj: Model, perm: str | None = None) -> bool:
    """Whether `user` may post in `obj` (default permission `<app>.post_<model>`; the model
    declares it in Meta.permissions)."""
    return has_perm(user, perm or _perm_for(obj, "post"), obj)


def can_moderate(user, obj: Model, perm: str | None = None) -> bool:
    """Whether `user` may moderate `obj` (default permission `<app>.moderate_<model>`)."""
    return has_perm(user, perm or _perm_for(obj, "moderate"), obj)


def objects_for_user(
    user, perm: str | Sequence[str], queryset: QuerySet, *, any_perm: bool = False
) -> QuerySet:
    """The rows of `queryset` that `user` holds `perm` on, decided in SQL: object grants to
    the user or to any of their groups, every row for holders of the global permission, and
    every row for superusers. Visitors are checked as guardian's anonymous user."""
    return get_objects_for_user(
        user,
        perm,
        klass=queryset,
        any_perm=any_perm,
        accept_global_perms=True,
        with_superuser=True,
    )


class ObjectPermissions:
    """Answers `has_perm(perm, obj)` for one user and a list of objects with a constant
    number of queries, whatever the length of the list: guardian's checker loads the object
    grants of every object up front (user grants and group grants, one query each), and each
    global permission is looked up once.

        perms = ObjectPermissions(request.user, groups)
        rows = [(g, perms.has_perm(MANAGE_GROUP, g)) for g in groups]
    """

    def __init__(self, user, objects: Iterable[Model]):
        self.user = user
        self._objects = list(objects)
        self._checker: ObjectPermissionChecker | None = None
        self._global: dict[str, bool] = {}

    def _object_checker(self) -> ObjectPermissionChecker:
        # Built on first use: a page where every answer comes from a global grant (a
        # community manager's) needs no object query at all.
        if self._checker is None:
            self._checker = ObjectPermissionChecker(self.user)
            if self._objects:
                self._checker.prefetch_perms(self._objects)
        return self._checker

    def has_global_perm(self, perm: str) -> bool:
        if perm not in self._global:
            self._global[perm] = self.user.has_perm(perm)
        return self._global[perm]

    def has_perm(self, perm: str, obj: Model) -> bool:
        return self.has_global_perm(perm) or self._object_checker().has_perm(perm, obj)


def object_permissions(user, objects: Iterable[Model]) -> ObjectPermissions:
    return ObjectPermissions(user, objects)


# --- Groups (private spaces) -------------------------------------------------------------
#
# Who sees a group:
#   listed  every community member; visitors (and sign-ups awaiting approval) only when the
#           community is public (branding members_only off).
#   hidden  its members (guardian grants `view_groupprofile` on the profile to the group's own
#           auth Group, so membership is the grant), its managers (`manage_groupprofile` on the
#           object, granted to users) and holders of either permission globally (community
#           managers) or superusers.


def may_see_listed_groups(user) -> bool:
    return is_community_member(user) or not branding_get().members_only


def visible_groups(user) -> QuerySet[GroupProfile]:
    """Every group `user` may see, filtered in SQL."""
    queryset = GroupProfile.objects.all()
    if user.is_authenticated and user.is_active:
        if user.is_superuser or user.has_perm(VIEW_GROUP) or user.has_perm(MANAGE_GROUP):
            return queryset
        granted = objects_for_user(
            user, [VIEW_GROUP, MANAGE_GROUP], GroupProfile.objects.all(), any_perm=True
        )
        condition = Q(pk__in=granted.values("pk"))
    else:
        # Nobody grants hidden groups to visitors; skip guardian's anonymous-user lookups.
        condition = Q(pk__in=[])
    if may_see_listed_groups(user):
        condition |= Q(visibility=GroupVisibility.LISTED)
    return queryset.filter(condition)


def can_manage_group(user, group_profile: GroupProfile) -> bool:
    return bool(user.is_authenticated and has_perm(user, MANAGE_GROUP, group_profile))


def check_manage_group(user, group_profile: GroupProfile) -> None:
    if not can_manage_group(user, group_profile):
        raise PermissionDenied("Only this group's managers can do that.")


def can_appoint_group_managers(user) -> bool:
    """Appointing and removing managers is for community managers (the global grant): a
    group manager cannot hand the group to someone else or lock out a co-manager."""
    return bool(user.is_authenticated and user.has_perm(MANAGE_GROUP))


def check_appoint_group_managers(user) -> None:
    if not can_appoint_group_managers(user):
        raise PermissionDenied("Only community managers can appoint or remove group managers.")


def can_view_group(user, group_profile: GroupProfile) -> bool:
    if group_profile.visibility == GroupVisibility.LISTED and may_see_listed_groups(user):
        return True
    if not (user.is_authenticated and user.is_active):
        return False
    return has_perm(user, VIEW_GROUP, group_profile) or can_manage_group(user, group_profile)


def check_view_group(user, group_profile: GroupProfile) -> None:
    """Http404, not 403: a hidden group must look exactly like a missing one."""
    if not can_view_group(user, group_profile):
        raise Http404(GROUP_NOT_FOUND)


def access_group(user, slug: str) -> GroupProfile:
    """The group with this slug if `user` may see it; Http404 (the same one as for a slug
    that does not exist) otherwise."""
    group_profile = visible_groups(user).select_related("group").filter(slug=slug).first()
    if group_profile is None:
        raise Http404(GROUP_NOT_FOUND)
    return group_profile


def is_group_member(user, group_profile: GroupProfile) -> bool:
    return bool(user.is_authenticated and user.groups.filter(pk=group_profile.group_id).exists())


def can_see_group_members(
    user,
    group_profile: GroupProfile,
    *,
    can_manage: bool | None = None,
    is_member: bool | None = None,
) -> bool:
    """The member list is for the group itself and its managers; everyone else sees the
    count. Members joined a private space, not a public roster.

    A page that already knows `can_manage` and `is_member` (the group page does) passes
    them: each fresh object check costs guardian two queries."""
    if can_manage is None:
        can_manage = can_manage_group(user, group_profile)
    if can_manage:
        return True
    if not is_community_member(user):
        return False
    return is_group_member(user, group_profile) if is_member is None else is_member


def groups_with_visible_members(user) -> QuerySet[GroupProfile]:
    """can_see_group_members decided in SQL: the groups whose member list `user` may see.
    Their own groups (for a community member), the groups they manage (an object grant, to
    them or to one of their auth groups) and, for community managers (the global grant) and
    superusers, every group. Anywhere that lists who is in a group (a profile's groups, the
    directory's group filter) filters by this, so a roster cannot be rebuilt elsewhere."""
    if not (user.is_authenticated and user.is_active):
        return GroupProfile.objects.none()
    if user.has_perm(MANAGE_GROUP):
        return GroupProfile.objects.all()
    managed = objects_for_user(user, MANAGE_GROUP, GroupProfile.objects.all())
    condition = Q(pk__in=managed.values("pk"))
    if is_community_member(user):
        condition |= Q(group_id__in=user.groups.values("pk"))
    return GroupProfile.objects.filter(condition)


# --- Profiles, the directory, a member's data ---------------------------------------------


def can_edit_profile(actor, user: User) -> bool:
    # Object checks ignore global grants, and the grant here is global:
    # community managers hold members.change_profile for every profile.
    if not actor.is_authenticated:
        return False
    if actor.pk == user.pk:
        return is_community_member(actor)
    return actor.has_perm("members.change_profile")


def check_edit_profile(actor, user: User) -> None:
    if not can_edit_profile(actor, user):
        raise PermissionDenied("You can't edit this profile.")


def check_manage_member_data(*, actor: User, member: User) -> None:
    """The member themselves, or a community manager. Only a superuser touches a superuser's
    account: a manager must not be able to erase the people who administer the site."""
    if actor.pk == member.pk and actor.is_active:
        return
    if not actor.is_active or not actor.has_perm(MANAGE_MEMBER_PERMISSION):
        raise PermissionDenied("You may not manage this member's data.")
    if member.is_superuser and not actor.is_superuser:
        raise PermissionDenied("Only a superuser can manage a superuser's data.")


def can_browse_members(viewer, *, directory_perm: bool | None = None) -> bool:
    """The directory (and follower lists) are for members, unless the community manager
    made the directory public in the branding settings. `directory_perm`: the viewer's
    members.view_member_directory already looked up (members.page_cache keeps it)."""
    if branding_get().directory_public:
        return True
    if not is_community_member(viewer):
        return False
    if directory_perm is None:
        directory_perm = _directory_granted(viewer)
    return directory_perm


@dataclass(frozen=True)
class _DirectoryAnswer:
    versions: tuple[str, ...]
    granted: bool


def _directory_granted(user) -> bool:
    """has_perm("members.view_member_directory") without its two permission queries on every
    page that asks (the search form does, on each search): cached per member, stamped with
    the access versions (members.access) that a role change or a role's new permissions
    replace, as the header's dashboard link is."""
    key = f"members:directory-granted:{user.pk}"
    found = cache_get_many_prefetched([*access_version_keys(user.pk), key])
    versions = access_versions(user.pk, found)
    answer = found.get(key)
    if isinstance(answer, _DirectoryAnswer) and answer.versions == versions:
        return answer.granted
    # The member as stored now, not the row loaded before the versions were read.
    fresh = User._default_manager.filter(pk=user.pk).first()
    granted = fresh is not None and fresh.has_perm("members.view_member_directory")
    cache.set(key, _DirectoryAnswer(versions, granted), timeout=MEMBER_VERSION_SECONDS)
    return granted


def community_member_q(prefix: str = "") -> Q:
    """Accounts that appear wherever members are listed: active, approved, not erased, and
    not guardian's AnonymousUser row. An exact match is enough (usernames are unique ignoring
    case, so no other spelling can exist) and keeps the index usable: an `iexact` here made
    PostgreSQL scan UPPER(username) on every row and halved directory throughput
    (docs/performance.md)."""
    return Q(
        **{
            f"{prefix}is_active": True,
            f"{prefix}approval_status": ApprovalStatus.APPROVED,
            f"{prefix}erased_at__isnull": True,
        }
    ) & ~Q(**{f"{prefix}username": settings.ANONYMOUS_USER_NAME})
