"""Participation: whether support flows back, whether the library is read, whether members
take part in polls and in their private groups."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, Subquery, Sum

from forums.models import CategoryAccess, CategoryGroupObjectPermission, Post
from forums.permissions import VIEW_CATEGORY
from library.models import Download, LibraryAccess, ResourceViewDay
from members.models import GroupProfile, MemberVisit, User
from members.selectors.reciprocity import reciprocity_rate as ledger_reciprocity_rate
from metrics.catalogue import (
    Area,
    Direction,
    Measure,
    Period,
    Timing,
    Unit,
    by_window,
    kpi,
    ratio,
    shared,
)
from metrics.kpis.base import counted_member_q
from metrics.models import WINDOWS
from metrics.polls import poll_participation as polls_ended_participation
from polls.models import Poll

RECIPROCITY_REPLY_DAYS = 30
_APP_LABEL, _VIEW_CODENAME = VIEW_CATEGORY.split(".")


@kpi(
    key="reciprocity_rate",
    name="Reciprocity rate",
    definition="Share of member-to-member support that was returned within 30 days.",
    formula=(
        "Ordered pairs (A, B) of counted members where A supported B in the window (support "
        "ledger: reactions, replies, accepted answers, shares, shout-outs, follows, library "
        "credits; the pair's first act in the window opens it), and of those, the pairs where "
        "B supported A after that act and within 30 days. Acts to or from staff, deactivated, "
        "erased or unapproved accounts are left out; private categories count."
    ),
    unit=Unit.PERCENT,
    direction=Direction.HIGHER,
    timing=Timing.LAGGING,
    area=Area.COMMUNITY,
    drivers=("member_reply_share",),
)
def reciprocity_rate(period: Period) -> Measure:
    between_members = counted_member_q("giver__") & counted_member_q("receiver__")
    result = ledger_reciprocity_rate(
        start=period.start,
        end=period.end,
        reply_window_days=RECIPROCITY_REPLY_DAYS,
        people=between_members,
    )
    return ratio(result.reciprocated, result.pairs, {"reply_window_days": RECIPROCITY_REPLY_DAYS})


@kpi(
    key="library_views",
    name="Library views",
    definition="Views of library resource pages in the window.",
    formula=(
        "SUM(views) of the resources' daily view rows (library_resourceviewday) whose day is "
        "in the window. Every resource counts, private ones too; views by staff accounts are "
        "never counted; a member's or visitor's every page view counts."
    ),
    unit=Unit.COUNT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.CUSTOMER_SUCCESS,
)
def library_views(period: Period) -> Measure:
    rows = ResourceViewDay.objects.filter(day__gte=period.first_day, day__lte=period.day)
    by_access = dict(
        rows.values("resource__access")
        .annotate(n=Sum("views"))
        .order_by()
        .values_list("resource__access", "n")
    )
    detail = {"by_access": {access: by_access.get(access, 0) for access in LibraryAccess.values}}
    return Measure(float(sum(by_access.values())), detail=detail)


@kpi(
    key="library_downloads",
    name="Library downloads",
    definition="Files downloaded from the library in the window.",
    formula=(
        "COUNT(*) of library_download rows with start ≤ created_at < end, except downloads "
        "by staff accounts. Visitors' downloads of public files and members' downloads of "
        "private ones count; an erased member's downloads stay counted."
    ),
    unit=Unit.COUNT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.CUSTOMER_SUCCESS,
)
def library_downloads(period: Period) -> Measure:
    downloads = Download.objects.filter(
        created_at__gte=period.start, created_at__lt=period.end
    ).exclude(user__is_staff=True)
    by_access = dict(
        downloads.values("resource__access")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("resource__access", "n")
    )
    detail = {"by_access": {access: by_access.get(access, 0) for access in LibraryAccess.values}}
    return Measure(float(sum(by_access.values())), detail=detail)


def _polls_ended(period: Period):
    """The participation of the polls that ended in the window. Computed together, one
    query for every window of the day and for private_group_participation: the polls of
    the widest window, cut per window (the windows of a day share their end, and `now` is
    that end for all of them)."""

    def report(window: Period):
        return polls_ended_participation(
            start=window.start, end=window.end, now=window.end, among=counted_member_q()
        )

    widest = Period(period.day, max(WINDOWS), period.tz)
    if period.window <= widest.window:
        day_report = shared(("polls_ended", period.day, period.tz), lambda: report(widest))
        if day_report is not None:
            return [row for row in day_report.polls if row.ended_at >= period.start]
    return report(period).polls


@kpi(
    key="poll_participation",
    name="Poll participation",
    definition="Mean share of eligible members who voted, over the polls that ended in the window.",
    formula=(
        "For each poll that ended in [start, end) (closed by hand or by its closing time): "
        "voters ÷ eligible, where eligible are the counted members who were not suspended, "
        "had joined before the poll ended, could see its topic and were in its voter groups "
        "if it has any; the value is the unweighted mean of those shares (polls nobody could "
        "vote in left out). Staff accounts are neither eligible nor voters."
    ),
    unit=Unit.PERCENT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.PRODUCT,
)
def poll_participation(period: Period) -> Measure:
    polls = _polls_ended(period)
    rates = [row.rate for row in polls if row.rate is not None]
    detail = {
        # Ids and counts only: a poll's question is content, and the dashboard shows none.
        "polls": [
            {
                "poll_id": row.poll_id,
                "ended_at": row.ended_at.isoformat(),
                "eligible": row.eligible,
                "participants": row.participants,
                "rate": row.rate,
            }
            for row in polls
        ]
    }
    return ratio(sum(rates), len(rates), detail)


def _in_group_categories(group_ref) -> Q:
    """Posts in a private category opened (view_category) to the auth group `group_ref`."""
    grant = "topic__category__categorygroupobjectpermission__"
    return Q(
        **{
            "topic__category__access": CategoryAccess.PRIVATE,
            f"{grant}group_id": group_ref,
            f"{grant}permission__codename": _VIEW_CODENAME,
            f"{grant}permission__content_type__app_label": _APP_LABEL,
        }
    )


def _counted_posts(period: Period):
    """Visible posts written in the window by counted members, in visible topics."""
    return Post.objects.filter(
        counted_member_q("author__"),
        created_at__gte=period.start,
        created_at__lt=period.end,
        is_hidden=False,
        topic__is_hidden=False,
        topic__merged_into__isnull=True,
    )


def _count(queryset) -> Subquery:
    # COUNT over the whole correlated subquery, one row per group (no GROUP BY).
    return Subquery(
        queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"),
        output_field=IntegerField(),
    )


def _groups_poll_rates(polls) -> dict[int, list[float]]:
    """auth group id -> the participation rates of `polls` (those that ended in the window)
    in the group's private categories or limited to the group's members. Two queries over
    the polls that ended (a bounded number per window)."""
    poll_ids = [row.poll_id for row in polls if row.rate is not None]
    if not poll_ids:
        return {}
    rate_of = {row.poll_id: row.rate for row in polls}
    polls_of_group: dict[int, set[int]] = defaultdict(set)
    granted = CategoryGroupObjectPermission.objects.filter(
        permission__codename=_VIEW_CODENAME,
        permission__content_type__app_label=_APP_LABEL,
        content_object__access=CategoryAccess.PRIVATE,
        content_object__topics__poll__in=poll_ids,
    ).values_list("group_id", "content_object__topics__poll")
    for group_id, poll_id in granted:
        polls_of_group[group_id].add(poll_id)
    voters = Poll.voter_groups.through.objects.filter(poll_id__in=poll_ids)
    for group_id, poll_id in voters.values_list("group_id", "poll_id"):
        polls_of_group[group_id].add(poll_id)
    return {
        group_id: [rate_of[poll_id] for poll_id in sorted(polls)]
        for group_id, polls in polls_of_group.items()
    }


def _group_activity(windows: list[Period]) -> dict[int, list[dict]]:
    """Per window length, each group's counted members, its visitors, members who posted in
    its private categories without a visit, and those posts: one query for all the windows
    (the members are counted once)."""
    group_members = User.objects.filter(counted_member_q(), groups=OuterRef("group_id"))
    counts = {"members": _count(group_members)}
    for window in windows:
        visited = MemberVisit.objects.filter(
            user=OuterRef("pk"), day__gte=window.first_day, day__lte=window.day
        )
        posted = _counted_posts(window).filter(
            _in_group_categories(OuterRef(OuterRef("group_id"))), author=OuterRef("pk")
        )
        group_posts = _counted_posts(window).filter(_in_group_categories(OuterRef("group_id")))
        # Visitors, plus members who posted without a visit: two counts PostgreSQL runs as
        # joins, where "visited or posted" was two lookups per member.
        counts[f"visitors_{window.window}"] = _count(group_members.filter(Exists(visited)))
        counts[f"posted_only_{window.window}"] = _count(
            group_members.filter(~Exists(visited), Exists(posted))
        )
        counts[f"posts_{window.window}"] = _count(group_posts)
    rows = list(
        GroupProfile.objects.annotate(**counts)
        .order_by("group__name", "pk")
        .values("group_id", "slug", *counts)
    )
    return {
        window.window: [
            {
                "group_id": row["group_id"],
                "slug": row["slug"],
                "members": row["members"],
                "visitors": row[f"visitors_{window.window}"],
                "posted_only": row[f"posted_only_{window.window}"],
                "posts": row[f"posts_{window.window}"],
            }
            for row in rows
        ]
        for window in windows
    }


@kpi(
    key="private_group_participation",
    name="Private group participation",
    definition="Mean share of a private group's members who were active in the window.",
    formula=(
        "For each group (members_groupprofile) with at least one counted member: active "
        "members ÷ members, where members are the group's counted members now (membership "
        "has no history) and active ones visited the community (members_membervisit) on a "
        "day of the window or wrote a visible post in one of the group's private categories "
        "in it. The value is the unweighted mean over groups. Staff, deactivated or erased "
        "accounts are not members; hidden posts, hidden or merged topics do not count."
    ),
    unit=Unit.PERCENT,
    direction=Direction.HIGHER,
    timing=Timing.LAGGING,
    area=Area.PRODUCT,
    drivers=("poll_participation",),
)
def private_group_participation(period: Period) -> Measure:
    groups = by_window(period, "group_activity", _group_activity)
    poll_rates = _groups_poll_rates(_polls_ended(period))
    rows, shares = [], []
    for group in groups:
        active = group["visitors"] + group["posted_only"]
        share = active / group["members"] if group["members"] else None
        if share is not None:
            shares.append(share)
        rates = poll_rates.get(group["group_id"], [])
        rows.append(
            {
                "group_id": group["group_id"],
                "slug": group["slug"],
                "members": group["members"],
                "active": active,
                "active_share": share,
                "posts": group["posts"],
                "polls": len(rates),
                "poll_participation": sum(rates) / len(rates) if rates else None,
            }
        )
    return ratio(sum(shares), len(shares), {"groups": rows})
