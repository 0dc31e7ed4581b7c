"""Depth: how many members contribute, how new contributors arrive and members climb the
trust ladder, and how much the community leans on a few people."""

from __future__ import annotations

from django.db.models import Count, Exists, Min, OuterRef, Q

from members.models import MemberVisit, TrustLevel, TrustLevelChange
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
from metrics.kpis.base import active_members, counted_member_q, counted_posts
from metrics.models import WINDOWS

# The share of the window's posts the contributor absence factor must cover (CHAOSS).
ABSENCE_SHARE = 0.5


def _posts_in(period: Period):
    return counted_posts().filter(created_at__gte=period.start, created_at__lt=period.end)


def _widest(period: Period) -> Period:
    return Period(period.day, max(WINDOWS), period.tz)


def _post_counts_by_author(period: Period) -> list[int]:
    """How many counted posts each of the window's contributors wrote, most first: one
    grouped query (computed together, one for every window of the day)."""
    return by_window(period, "post_counts_by_author", _post_counts_per_window)


def _post_counts_per_window(windows: list[Period]) -> dict[int, list[int]]:
    names = [f"n{window.window}" for window in windows]
    counts = [Count("pk", filter=Q(created_at__gte=window.start)) for window in windows]
    widest = max(windows, key=lambda window: window.window)
    rows = list(
        _posts_in(widest)
        .values("author")
        .annotate(**dict(zip(names, counts, strict=True)))
        .order_by()
        .values_list(*names)
    )
    return {
        window.window: sorted((row[i] for row in rows if row[i]), reverse=True)
        for i, window in enumerate(windows)
    }


@kpi(
    key="contributors",
    name="Contributors",
    definition="Members who wrote at least one visible post or reply in the window.",
    formula=(
        "Distinct authors of posts created in [start, end) that are visible (the post and "
        "its topic not hidden), written by counted members; private categories count."
    ),
    unit=Unit.COUNT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.COMMUNITY,
)
def contributors(period: Period) -> Measure:
    return Measure(float(len(_post_counts_by_author(period))))


@kpi(
    key="contributor_ratio",
    name="Contributor ratio",
    definition="Share of the window's active members who contributed.",
    formula=(
        "contributors ÷ distinct counted members with a MemberVisit on a day of the window "
        "or a visible post in it (for the 30-day window that is MAU at D, since posting is "
        "a visit; a post imported or written without a recorded visit still counts its "
        "author as active, so the share never passes 100 %). Undefined when nobody was active."
    ),
    unit=Unit.PERCENT,
    direction=Direction.HIGHER,
    timing=Timing.LAGGING,
    area=Area.COMMUNITY,
    drivers=("new_contributors", "activation_rate", "contributors"),
)
def contributor_ratio(period: Period) -> Measure:
    # Active = visitors + authors without a visit, two set-wise counts: "visited or posted"
    # per member was an index probe per member (100,000 at 100,000 members).
    visitors = active_members(period.first_day, period.day)
    visited = MemberVisit.objects.filter(
        user=OuterRef("author"), day__gte=period.first_day, day__lte=period.day
    )
    posted_only = (
        _posts_in(period).filter(~Exists(visited)).aggregate(n=Count("author", distinct=True))["n"]
    )
    return ratio(len(_post_counts_by_author(period)), visitors + posted_only)


@kpi(
    key="new_contributors",
    name="New contributors",
    definition="Members whose first visible post ever was written in the window.",
    formula=(
        "Counted members with a visible post created in [start, end) and no visible post "
        "created before start (visibility and membership as they are now: a member whose "
        "earlier posts were all hidden since counts as new)."
    ),
    unit=Unit.COUNT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.COMMUNITY,
)
def new_contributors(period: Period) -> Measure:
    return Measure(float(len(_first_posts(period))))


def _first_posts(period: Period) -> list:
    """When each member whose first counted post ever came in the window wrote it. Computed
    together, one query for every window of the day: the widest window's first-timers, cut
    per window."""

    def first_posts(window: Period) -> list:
        earlier = counted_posts().filter(author=OuterRef("author"), created_at__lt=window.start)
        rows = (
            _posts_in(window)
            .filter(~Exists(earlier))
            .values("author")
            .annotate(first=Min("created_at"))
            .order_by()
        )
        return list(rows.values_list("first", flat=True))

    widest = _widest(period)
    day_rows = shared(("first_posts", period.day, period.tz), lambda: first_posts(widest))
    rows = day_rows if day_rows is not None else first_posts(period)
    return [first for first in rows if first >= period.start]


_RISING_LEVELS = (TrustLevel.BASIC, TrustLevel.MEMBER, TrustLevel.REGULAR, TrustLevel.LEADER)


def _reached(level: int) -> Q:
    return Q(from_level__lt=level, to_level__gte=level)


@kpi(
    key="trust_level_growth",
    name="Trust-level growth",
    definition="Members who rose to trust level Member or above in the window.",
    formula=(
        "Distinct counted members with a TrustLevelChange at changed_at in [start, end) "
        "from a level below Member to Member or above (Regular and Leader included; falling "
        "back from Regular to Member is not a rise). Detail: the same per level reached, "
        "Basic to Leader. Counts only changes recorded since the history exists."
    ),
    unit=Unit.COUNT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.COMMUNITY,
)
def trust_level_growth(period: Period) -> Measure:
    changes = TrustLevelChange.objects.filter(
        changed_at__gte=period.start, changed_at__lt=period.end
    ).filter(counted_member_q("user__"))
    counts = changes.aggregate(
        **{
            f"level_{level}": Count("user", distinct=True, filter=_reached(level))
            for level in _RISING_LEVELS
        }
    )
    detail = {
        "levels": [
            {"level": int(level), "name": level.label, "members": counts[f"level_{level}"]}
            for level in _RISING_LEVELS
        ]
    }
    return Measure(float(counts[f"level_{TrustLevel.MEMBER}"]), detail=detail)


@kpi(
    key="contributor_absence_factor",
    name="Contributor absence factor",
    definition=(
        "The fewest members who together wrote half of the window's visible posts: how "
        "many would have to leave to take half the conversation with them."
    ),
    formula=(
        "Visible posts created in [start, end) by counted members, counted per author and "
        "sorted from most to fewest; the smallest k such that the top k authors wrote at "
        "least 50 % of those posts. Undefined when the window has no such post."
    ),
    unit=Unit.COUNT,
    direction=Direction.HIGHER,
    timing=Timing.LAGGING,
    area=Area.COMMUNITY,
    drivers=("new_contributors", "trust_level_growth", "contributors"),
)
def contributor_absence_factor(period: Period) -> Measure:
    # The running sum walks at most the window's contributors. The total comes from the
    # same counts, so both agree on what counts.
    counts = _post_counts_by_author(period)
    total = sum(counts)
    if not total:
        return Measure(None, 0, 0, {"posts": 0, "contributors": 0})
    k = covered = 0
    while covered < ABSENCE_SHARE * total:
        covered += counts[k]
        k += 1
    detail = {"posts": total, "contributors": len(counts), "posts_by_them": covered}
    return Measure(float(k), covered, total, detail)
