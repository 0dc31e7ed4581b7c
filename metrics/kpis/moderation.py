"""Moderation health: how much members flag, how fast moderators resolve flags, how much
moderating there is, and who keeps being moderated. Snapshots keep aggregates and member
ids only, never a flagged post or a name: the dashboard looks names up when it is served
(metrics.health), so an erased member's name is gone from every past snapshot too."""

from __future__ import annotations

from statistics import median

from django.db.models import Count, DurationField, ExpressionWrapper, F

from forums.models import (
    CategoryAccess,
    Flag,
    FlagReason,
    FlagStatus,
    ModerationAction,
    ModerationEvent,
)
from metrics.catalogue import Area, Direction, Measure, Period, Timing, Unit, kpi

# Who keeps being moderated: members with this many posts hidden by moderators in a window.
REPEAT_OFFENCES = 2
HOUR = 3600.0


def _member_flags():
    """Flags raised by anyone but staff: the community team flagging is moderating."""
    return Flag.objects.exclude(flagger__is_staff=True)


def _category_label(category_id: int | None, name: str | None, access: str | None) -> str:
    if category_id is None:
        return "—"
    # A private category's name is for its groups; the dashboard names it by number.
    if access == CategoryAccess.PRIVATE:
        return f"Private category {category_id}"
    return name


@kpi(
    key="flags",
    name="Flags",
    definition="Posts flagged by members in the window.",
    formula=(
        "COUNT(*) of forums_flag rows with start ≤ created_at < end, except flags raised by "
        "staff accounts. Flags on posts in private categories count; a flag whose member "
        "has since been erased or deleted still counts."
    ),
    unit=Unit.COUNT,
    direction=Direction.LOWER,
    timing=Timing.LEADING,
    area=Area.COMMUNITY,
)
def flags(period: Period) -> Measure:
    raised = _member_flags().filter(created_at__gte=period.start, created_at__lt=period.end)
    by_reason = dict(
        raised.values("reason").annotate(n=Count("pk")).order_by().values_list("reason", "n")
    )
    by_category = (
        raised.values(
            "post__topic__category_id",
            "post__topic__category__name",
            "post__topic__category__access",
        )
        .annotate(n=Count("pk"))
        .order_by("-n", "post__topic__category_id")
    )
    detail = {
        "by_reason": {reason: by_reason.get(reason, 0) for reason in FlagReason.values},
        "by_category": [
            {
                "category_id": row["post__topic__category_id"],
                "category": _category_label(
                    row["post__topic__category_id"],
                    row["post__topic__category__name"],
                    row["post__topic__category__access"],
                ),
                "flags": row["n"],
            }
            for row in by_category
        ],
    }
    return Measure(float(sum(by_reason.values())), detail=detail)


def _actions(period: Period):
    """Moderation log entries of the window that a person took (the automatic hide after
    flags has no actor)."""
    return ModerationEvent.objects.filter(
        created_at__gte=period.start, created_at__lt=period.end, actor__isnull=False
    )


def _repeat_offenders(period: Period) -> list[dict]:
    """Members with REPEAT_OFFENCES or more posts that a moderator hid in the window (a
    hide that upholds flags is one of those) and that are still hidden: ids and counts."""
    rows = (
        ModerationEvent.objects.filter(
            created_at__gte=period.start,
            created_at__lt=period.end,
            action=ModerationAction.HIDE,
            post__is_hidden=True,
            post__author__isnull=False,
        )
        .values("post__author_id")
        .annotate(hidden_posts=Count("post_id", distinct=True))
        .filter(hidden_posts__gte=REPEAT_OFFENCES)
        .order_by("-hidden_posts", "post__author_id")
    )
    return [
        {"member_id": row["post__author_id"], "hidden_posts": row["hidden_posts"]} for row in rows
    ]


def _per_moderator(period: Period) -> list[dict]:
    rows = (
        _actions(period)
        .values("actor_id", "action")
        .annotate(n=Count("pk"))
        .order_by("actor_id", "action")
    )
    moderators: dict[int, dict] = {}
    for row in rows:
        entry = moderators.setdefault(
            row["actor_id"], {"moderator_id": row["actor_id"], "actions": 0, "by_action": {}}
        )
        entry["actions"] += row["n"]
        entry["by_action"][row["action"]] = row["n"]
    return sorted(moderators.values(), key=lambda m: (-m["actions"], m["moderator_id"]))


@kpi(
    key="median_flag_resolution_hours",
    name="Median flag resolution time",
    definition="Median hours from a flag to its resolution, for flags resolved in the window.",
    formula=(
        "Median of (resolved_at − created_at) in hours over forums_flag rows with "
        "start ≤ resolved_at < end (upheld or dismissed), except flags raised by staff "
        "accounts; with an even number, the mean of the middle two. Flags still open do not "
        "count. Detail: members with 2 or more posts a moderator hid in the window and still "
        "hidden (ids and counts), and each moderator's actions in the window."
    ),
    unit=Unit.HOURS,
    direction=Direction.LOWER,
    timing=Timing.LAGGING,
    area=Area.COMMUNITY,
    drivers=("moderation_activity",),
)
def median_flag_resolution_hours(period: Period) -> Measure:
    # No portable SQL median: the window's durations come back from one query, already
    # computed by the database, and only they are sorted here.
    durations = list(
        _member_flags()
        .filter(
            resolved_at__gte=period.start,
            resolved_at__lt=period.end,
            status__in=[FlagStatus.UPHELD, FlagStatus.DISMISSED],
        )
        .annotate(
            took=ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
        )
        .values_list("took", flat=True)
    )
    hours = [duration.total_seconds() / HOUR for duration in durations]
    detail = {
        "resolved": len(hours),
        "repeat_offenders": _repeat_offenders(period),
        "moderators": _per_moderator(period),
    }
    return Measure(median(hours) if hours else None, denominator=len(hours), detail=detail)


@kpi(
    key="moderation_activity",
    name="Moderation activity",
    definition="Actions moderators took in the window.",
    formula=(
        "COUNT(*) of forums_moderationevent rows with start ≤ created_at < end and an actor "
        "(hides, restores, dismissed flags, edits, locks, pins, moves, merges, suspensions); "
        "the automatic hide when flags reach the threshold has no actor and is left out. "
        "Staff moderators' actions count: moderating is their job."
    ),
    unit=Unit.COUNT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.COMMUNITY,
)
def moderation_activity(period: Period) -> Measure:
    by_action = dict(
        _actions(period)
        .values("action")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("action", "n")
    )
    moderators = _actions(period).aggregate(n=Count("actor_id", distinct=True))["n"]
    detail = {
        "by_action": {
            action: by_action.get(action, 0)
            for action in ModerationAction.values
            if action != ModerationAction.AUTO_HIDE
        },
        "moderators": moderators,
    }
    return Measure(float(sum(by_action.values())), detail=detail)
