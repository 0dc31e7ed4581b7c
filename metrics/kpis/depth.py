"""Depth: how many members contribute, how new contributors arrive and members climb the
trust ladder, and how much the community leans on a few people."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q

from members.models import MemberVisit, TrustLevel, TrustLevelChange
from metrics.catalogue import Area, Direction, Measure, Period, Timing, Unit, kpi, ratio
from metrics.kpis.base import counted_member_q, counted_members, counted_posts

# The share of the window's posts the contributor absence factor must cover (CHAOSS).
ABSENCE_SHARE = 0.5


def _posts_in(period: Period):
    return counted_posts().filter(created_at__gte=period.start, created_at__lt=period.end)


def _contributors(period: Period) -> int:
    return _posts_in(period).aggregate(n=Count("author", distinct=True))["n"]


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
    return Measure(float(_contributors(period)))


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
    visited = MemberVisit.objects.filter(
        user=OuterRef("pk"), day__gte=period.first_day, day__lte=period.day
    )
    active = counted_members().filter(
        Exists(visited) | Q(pk__in=_posts_in(period).values("author"))
    )
    return ratio(_contributors(period), active.count())


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
    earlier = counted_posts().filter(author=OuterRef("pk"), created_at__lt=period.start)
    first_timers = counted_members().filter(
        ~Exists(earlier), pk__in=_posts_in(period).values("author")
    )
    return Measure(float(first_timers.count()))


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
    per_author = (
        _posts_in(period)
        .values("author")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("n", flat=True)
    )
    # One grouped query; the running sum walks at most the window's contributors. The
    # total comes from the same rows, so both agree on what counts.
    counts = list(per_author)
    total = sum(counts)
    if not total:
        return Measure(None, 0, 0, {"posts": 0, "contributors": 0})
    k = covered = 0
    while covered < ABSENCE_SHARE * total:
        covered += counts[k]
        k += 1
    detail = {"posts": total, "contributors": len(counts), "posts_by_them": covered}
    return Measure(float(k), covered, total, detail)
