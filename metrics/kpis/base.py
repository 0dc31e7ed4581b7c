"""What every KPI agrees on: who counts as a member. docs/kpis.md ("Who counts") says it
in words; a KPI that counts people starts from `counted_members`."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from members.models import User
from members.permissions import community_member_q


def counted_member_q(prefix: str = "") -> Q:
    """Community members (active, approved, not erased) who are not staff: the accounts of
    the community team in the admin would otherwise count their own work as engagement."""
    return community_member_q(prefix) & Q(**{f"{prefix}is_staff": False})


def counted_members() -> QuerySet[User]:
    return User.objects.filter(counted_member_q())
