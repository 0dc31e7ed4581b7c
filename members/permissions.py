"""Who may do what in members/: the shared helpers every view and service goes through.

Shapes (STYLE.md rule 18): `check_*` raises PermissionDenied (or Http404 when existence must
stay hidden), `can_*` returns a bool, `access_*` returns the object or raises Http404."""

from members.models import ApprovalStatus


def is_community_member(user) -> bool:
    """Signed in, active, approved and not erased: the people who see members-only things.
    A sign-up still waiting for approval is not a member yet."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.approval_status == ApprovalStatus.APPROVED
        and not user.erased_at
    )
