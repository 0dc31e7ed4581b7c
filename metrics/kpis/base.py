"""What every KPI agrees on: who counts as a member. docs/kpis.md ("Who counts") says it
in words; a KPI that counts people starts from `counted_members`."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet

from forums.models import Post
from members.models import MemberVisit, User
from members.permissions import community_member_q
from metrics.catalogue import shared


def counted_member_q(prefix: str = "") -> Q:
    """Community members (active, approved, not erased) who are not staff: the accounts of
    the community team in the admin would otherwise count their own work as engagement."""
    return community_member_q(prefix) & Q(**{f"{prefix}is_staff": False})


def counted_members() -> QuerySet[User]:
    return User.objects.filter(counted_member_q())


def counted_posts() -> QuerySet[Post]:
    """The posts a contribution KPI counts: visible (neither the post nor its topic hidden;
    a merged topic is hidden and its posts were moved to the topic it points to), written by
    a counted member, in every category — private ones included, since they are part of the
    community's work and the dashboard only shows aggregates."""
    return Post.objects.filter(is_hidden=False, topic__is_hidden=False).filter(
        counted_member_q("author__")
    )


def active_members(first_day: date, last_day: date) -> int:
    """Distinct counted members with a visit (MemberVisit, one row per member per
    community day) on a day from `first_day` to `last_day`, both included. Computed
    together, counted once per span (MAU, stickiness and the contributor ratio's 30-day
    window ask for the same one)."""

    def count() -> int:
        visits = MemberVisit.objects.filter(day__gte=first_day, day__lte=last_day).filter(
            counted_member_q("user__")
        )
        return visits.aggregate(n=Count("user", distinct=True))["n"]

    found = shared(("active_members", first_day, last_day), count)
    return count() if found is None else found
