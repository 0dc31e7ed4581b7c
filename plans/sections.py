"""The numbers of a 90-day plan report, section by section, as JSON-ready data.

Every section reads the period as the community's days `start` … `end` (both included),
the 90-day window metrics.catalogue.Period(end, 90) calls [start, end). KPI values come
from the stored snapshots when the night stored them, else they are computed once here:
either way the report keeps them as they were when it was made. Lists name members and
link to them; content lists (topics, library items) leave out private categories and
resources: the report is read and e-mailed beyond the groups that may see them, and says
so. docs/plans.md states every rule."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import Group
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import Lower
from django.urls import reverse

from community.db_routers import reporting_reads
from community.links import absolute_url
from community.timezones import community_timezone
from forums.models import (
    CategoryAccess,
    ModerationAction,
    ModerationEvent,
    Post,
    SearchQuery,
    Tag,
    Topic,
    TopicViewDay,
)
from library.models import LibraryAccess, ResourceViewDay
from members.models import (
    GroupInvitation,
    GroupMembershipRequest,
    SupportAct,
    TrustLevel,
)
from members.models.groups import RequestStatus
from members.roles import MODERATORS
from metrics.catalogue import (
    CATALOGUE,
    Kpi,
    Measure,
    Period,
    computing_together,
    kpi_get,
    kpis_in_order,
)
from metrics.kpis.base import counted_member_q, counted_members, counted_posts
from metrics.kpis.growth import ACTIVATION_DAYS, DAYS_PER_MONTH, DOUBLING_BENCHMARK_MONTHS
from metrics.models import KpiSnapshot, KpiTarget
from metrics.selectors import lapsing_contributors, on_track
from plans.models import PERIOD_DAYS

WINDOW = PERIOD_DAYS
LIST_SHOWN = 25  # rows of each list shown in the report
LIST_KEPT = 500  # members kept for an outreach e-mail to the whole list
TOP_CONTENT = 10
CALENDAR_WEEKS = 13
# Candidates for the volunteer moderator cadre: trusted, helpful, and no moderation
# problems in the last year (no post hidden by a moderator, never suspended).
CADRE_LEVEL = TrustLevel.REGULAR
CADRE_CLEAN_DAYS = 365
# "Supporters nobody thanked": gave at least this much support in the period and got
# nothing back from anyone since their first support in it.
UNTHANKED_MIN_ACTS = 2
# Objectives on the one-page summary, in this order of preference, among the KPIs with a
# value: the headline row of the dashboard.
OBJECTIVE_KEYS = (
    "new_members",
    "mau",
    "median_first_response_hours",
    "solved_rate",
    "reciprocity_rate",
    "estimated_deflection",
    "activation_rate",
)
MAX_OBJECTIVES = 5


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=community_timezone())


def _member(user_id: int, username: str, display_name: str, **extra) -> dict:
    return {
        "id": user_id,
        "username": username,
        "name": display_name or username,
        "url": absolute_url(reverse("members:profile", args=[username])),
        **extra,
    }


# --- Period review -------------------------------------------------------------------------


def _stored(keys: list[str], day: date) -> dict[str, KpiSnapshot]:
    rows = KpiSnapshot.objects.filter(day=day, window=WINDOW, key__in=keys)
    return {row.key: row for row in rows}


def _values_on(kpis: list[Kpi], day: date) -> dict[str, float | None]:
    """Each KPI's 90-day value ending with `day`: the stored snapshot, else computed now."""
    stored = _stored([kpi.key for kpi in kpis], day)
    values = {key: row.value for key, row in stored.items()}
    missing = [kpi for kpi in kpis if kpi.key not in stored]
    if missing:
        tz = community_timezone()
        with computing_together():
            for kpi in missing:
                measured: Measure = kpi.compute(Period(day, WINDOW, tz))
                values[kpi.key] = measured.value
    return values


def _series(keys: list[str], first: date, last: date) -> dict[str, list[list]]:
    """The stored 30-day values across the period, for the charts (none when not stored)."""
    series: dict[str, list[list]] = {key: [] for key in keys}
    rows = KpiSnapshot.objects.filter(
        key__in=keys, window=30, day__gte=first, day__lte=last
    ).order_by("day")
    for key, day, value in rows.values_list("key", "day", "value"):
        series[key].append([day.isoformat(), value])
    return series


def period_review(start: date, end: date) -> list[dict]:
    """Every KPI over the period against its target and against the 90 days before."""
    kpis = kpis_in_order()
    now = _values_on(kpis, end)
    before = _values_on(kpis, start - timedelta(days=1))
    # A target compares with the 90-day value only when it is set over 90 days; the business
    # goal a KPI serves is the same whatever window its target is set over.
    targets, goals = {}, {}
    for target in KpiTarget.objects.order_by("key", "-starts_on"):
        active = (target.starts_on is None or target.starts_on <= end) and (
            target.ends_on is None or target.ends_on >= end
        )
        if not active:
            continue
        if target.window == WINDOW and target.key not in targets:
            targets[target.key] = target
        goals.setdefault(target.key, target.business_goal)
    series = _series([kpi.key for kpi in kpis], start, end)
    rows = []
    for kpi in kpis:
        value, previous = now.get(kpi.key), before.get(kpi.key)
        target = targets.get(kpi.key)
        rows.append(
            {
                "key": kpi.key,
                "name": kpi.name,
                "unit": kpi.unit,
                "timing": kpi.timing,
                "area": kpi.area,
                "direction": kpi.direction,
                "drivers": list(kpi.drivers),
                "value": value,
                "previous": previous,
                "change": None if value is None or previous is None else value - previous,
                "target": None if target is None else target.value,
                "business_goal": goals.get(kpi.key, ""),
                "on_track": on_track(kpi, value, target),
                "series": series[kpi.key],
            }
        )
    return rows


# --- Member acquisition ----------------------------------------------------------------------


def _doubling_months(growth_per_month: float | None) -> float | None:
    if growth_per_month is None or growth_per_month <= 0:
        return None
    return math.log(2) / math.log(1 + growth_per_month)


def acquisition(start: date, end: date) -> dict:
    """Sign-ups by source, activation, growth against doubling in six months, and the
    sign-ups the next 90 days need to stay on that curve."""
    first, after = _midnight(start), _midnight(end + timedelta(days=1))
    members = counted_members()
    at_start = members.filter(date_joined__lt=first).count()
    joined = members.filter(date_joined__gte=first, date_joined__lt=after)
    invited = Exists(
        GroupInvitation.objects.filter(accepted_by=OuterRef("pk"), created_account=True)
    )
    counts = joined.aggregate(all=Count("pk"), invited=Count("pk", filter=invited))
    at_end = at_start + counts["all"]
    growth = None
    if at_start:
        growth = (at_end / at_start) ** (DAYS_PER_MONTH / PERIOD_DAYS) - 1
    # Doubling every six months: the factor a 90-day period must grow by.
    quarter_factor = 2 ** (PERIOD_DAYS / (DOUBLING_BENCHMARK_MONTHS * DAYS_PER_MONTH))
    # The activation KPI's rule (metrics.kpis.growth), for the period's own sign-ups.
    posted = counted_posts().filter(
        author=OuterRef("pk"),
        created_at__gte=OuterRef("date_joined"),
        created_at__lt=OuterRef("date_joined") + timedelta(days=ACTIVATION_DAYS),
    )
    activated = joined.filter(Exists(posted)).count()
    return {
        "members_at_start": at_start,
        "members_at_end": at_end,
        "sign_ups": counts["all"],
        "by_source": {
            "invitation": counts["invited"],
            "organic": counts["all"] - counts["invited"],
        },
        "activated": activated,
        "activation_rate": activated / counts["all"] if counts["all"] else None,
        "growth_per_month": growth,
        "doubling_months": _doubling_months(growth),
        "benchmark_doubling_months": DOUBLING_BENCHMARK_MONTHS,
        "on_curve": None if growth is None else at_end >= at_start * quarter_factor,
        # To stay on a six-month doubling from here: members × (factor − 1), rounded up.
        "needed_next_quarter": math.ceil(at_end * (quarter_factor - 1)) if at_end else None,
    }


# --- Groups ---------------------------------------------------------------------------------


def groups(start: date, end: date) -> list[dict]:
    """Per private or beta group: members, active share, posts, poll participation, open
    requests to join. The activity comes from the period's private-group participation
    KPI, as stored or computed."""
    found = _stored(["private_group_participation"], end).get("private_group_participation")
    if found is not None:
        detail = found.detail
    else:
        tz = community_timezone()
        detail = kpi_get("private_group_participation").compute(Period(end, WINDOW, tz)).detail
    pending = dict(
        GroupMembershipRequest.objects.filter(status=RequestStatus.PENDING)
        .values("group_profile__group_id")
        .annotate(n=Count("pk"))
        .values_list("group_profile__group_id", "n")
    )
    names = dict(
        Group.objects.filter(
            pk__in=[row["group_id"] for row in detail.get("groups", [])]
        ).values_list("pk", "name")
    )
    return [
        {
            "name": names.get(row["group_id"], row["slug"]),
            "slug": row["slug"],
            "url": absolute_url(reverse("groups:detail", args=[row["slug"]])),
            "members": row["members"],
            "active": row["active"],
            "active_share": row["active_share"],
            "posts": row["posts"],
            "polls": row["polls"],
            "poll_participation": row["poll_participation"],
            "open_requests": pending.get(row["group_id"], 0),
        }
        for row in detail.get("groups", [])
    ]


# --- Content and conversation programs ------------------------------------------------------


def _open_to_members_q(prefix: str = "") -> Q:
    return ~Q(**{f"{prefix}category__access": CategoryAccess.PRIVATE})


def content(start: date, end: date) -> dict:
    first, after = _midnight(start), _midnight(end + timedelta(days=1))
    shown = Q(topic__is_hidden=False, topic__merged_into__isnull=True) & _open_to_members_q(
        "topic__"
    )
    top_topics = (
        TopicViewDay.objects.filter(shown, day__gte=start, day__lte=end)
        .values("topic_id", "topic__title", "topic__slug", "topic__reply_count")
        .annotate(views=Sum("views"))
        .order_by("-views", "topic_id")[:TOP_CONTENT]
    )
    top_resources = (
        ResourceViewDay.objects.filter(day__gte=start, day__lte=end)
        .exclude(resource__access=LibraryAccess.PRIVATE)
        .values("resource__title", "resource__slug")
        .annotate(views=Sum("views"))
        .order_by("-views", "resource__slug")[:TOP_CONTENT]
    )
    responses = Post.objects.filter(
        topic=OuterRef("pk"), is_opening=False, is_hidden=False
    ).exclude(author_id=OuterRef("author_id"))
    unanswered = (
        Topic.objects.filter(
            _open_to_members_q(),
            is_hidden=False,
            merged_into__isnull=True,
            is_locked=False,
            created_at__gte=first,
            created_at__lt=after,
        )
        .filter(~Exists(responses))
        .order_by("created_at")
        .values("pk", "title", "slug", "created_at")[:LIST_SHOWN]
    )
    gaps = (
        SearchQuery.objects.filter(created_at__gte=first, created_at__lt=after, result_count=0)
        .annotate(normalised=Lower("query"))
        .values("normalised")
        .annotate(searches=Count("pk"))
        .order_by("-searches", "normalised")[:LIST_SHOWN]
    )
    return {
        "top_topics": [
            {
                "title": row["topic__title"],
                "url": absolute_url(
                    reverse("forums:topic-detail", args=[row["topic_id"], row["topic__slug"]])
                ),
                "views": row["views"],
                "replies": row["topic__reply_count"],
            }
            for row in top_topics
        ],
        "top_resources": [
            {
                "title": row["resource__title"],
                "url": absolute_url(
                    reverse("library:resource-detail", args=[row["resource__slug"]])
                ),
                "views": row["views"],
            }
            for row in top_resources
        ],
        "unanswered": [
            {
                "title": row["title"],
                "url": absolute_url(reverse("forums:topic-detail", args=[row["pk"], row["slug"]])),
                "asked": row["created_at"].date().isoformat(),
            }
            for row in unanswered
        ],
        "content_gaps": [{"query": row["normalised"], "searches": row["searches"]} for row in gaps],
        "calendar": content_calendar(start, end),
    }


def content_calendar(start: date, end: date) -> list[dict]:
    """A suggested theme for each week of the next 90 days: the period's most active tags
    (visible posts in topics carrying them, private categories left out), taken in turn."""
    first, after = _midnight(start), _midnight(end + timedelta(days=1))
    active = (
        Tag.objects.filter(
            topics__is_hidden=False,
            topics__merged_into__isnull=True,
            topics__posts__is_hidden=False,
            topics__posts__created_at__gte=first,
            topics__posts__created_at__lt=after,
        )
        .exclude(topics__category__access=CategoryAccess.PRIVATE)
        .annotate(posts=Count("topics__posts"))
        .order_by("-posts", "name")
        .values("name", "slug", "posts")[:CALENDAR_WEEKS]
    )
    tags = list(active)
    if not tags:
        return []
    next_start = end + timedelta(days=1)
    weeks = []
    for week in range(CALENDAR_WEEKS):
        tag = tags[week % len(tags)]
        weeks.append(
            {
                "week_of": (next_start + timedelta(weeks=week)).isoformat(),
                "tag": tag["name"],
                "url": absolute_url(reverse("forums:tag-detail", args=[tag["slug"]])),
                "posts_last_period": tag["posts"],
                # Odd weeks a how-to for the library, even weeks a conversation starter.
                "format": "Library article or how-to" if week % 2 else "Conversation starter",
            }
        )
    return weeks


# --- Member outreach -------------------------------------------------------------------------


def _kept(rows: list[dict]) -> dict:
    return {"total": len(rows), "members": rows[:LIST_SHOWN], "ids": [r["id"] for r in rows]}


def lapsing(end: date) -> dict:
    rows = lapsing_contributors(end, limit=LIST_KEPT)
    return _kept(
        [
            _member(
                row["id"],
                row["username"],
                row["name"],
                posts=row["posts"],
                last_post=row["last_post_at"].date().isoformat(),
            )
            for row in rows
        ]
    )


def never_posted(start: date, end: date) -> dict:
    first, after = _midnight(start), _midnight(end + timedelta(days=1))
    posted = Post.objects.filter(author=OuterRef("pk"), is_hidden=False)
    rows = (
        counted_members()
        .filter(date_joined__gte=first, date_joined__lt=after)
        .filter(~Exists(posted))
        .order_by("date_joined", "pk")
        .values("pk", "username", "display_name", "date_joined")[:LIST_KEPT]
    )
    return _kept(
        [
            _member(
                row["pk"],
                row["username"],
                row["display_name"],
                joined=row["date_joined"].date().isoformat(),
            )
            for row in rows
        ]
    )


def unthanked(start: date, end: date) -> dict:
    """Members who supported others in the period at least UNTHANKED_MIN_ACTS times and got
    no support from anyone since their first support in it (the reciprocity ledger)."""
    first, after = _midnight(start), _midnight(end + timedelta(days=1))
    given = SupportAct.objects.filter(
        counted_member_q("giver__"),
        counted_member_q("receiver__"),
        occurred_at__gte=first,
        occurred_at__lt=after,
    )
    # Two grouped queries instead of a lookup per act: each giver's acts and first support
    # in the period, then the latest support each of them received since the period began
    # (12.3 s to 2.5 s at a million posts, docs/performance.md).
    givers = list(
        given.values("giver_id", "giver__username", "giver__display_name")
        .annotate(
            acts=Count("pk"), people=Count("receiver", distinct=True), first_at=Min("occurred_at")
        )
        .filter(acts__gte=UNTHANKED_MIN_ACTS)
        .order_by("-acts", "giver__username")
    )
    last_received = dict(
        SupportAct.objects.filter(receiver_id__in=given.values("giver_id"), occurred_at__gte=first)
        .values("receiver_id")
        .annotate(last=Max("occurred_at"))
        .values_list("receiver_id", "last")
    )
    rows = [
        row
        for row in givers
        if row["giver_id"] not in last_received or last_received[row["giver_id"]] < row["first_at"]
    ][:LIST_KEPT]
    return _kept(
        [
            _member(
                row["giver_id"],
                row["giver__username"],
                row["giver__display_name"],
                acts=row["acts"],
                people=row["people"],
            )
            for row in rows
        ]
    )


def cadre(end: date) -> dict:
    """Candidates for volunteer moderators: Regular or above, the most helpful first, with no
    post hidden by a moderator and no suspension in the last year, not yet moderators."""
    since = _midnight(end - timedelta(days=CADRE_CLEAN_DAYS - 1))
    hidden_by_moderator = Post.objects.filter(
        author=OuterRef("pk"), is_hidden=True, hidden_by__isnull=False, hidden_at__gte=since
    )
    suspended = ModerationEvent.objects.filter(
        target_user=OuterRef("pk"), action=ModerationAction.SUSPEND, created_at__gte=since
    )
    rows = (
        counted_members()
        .filter(trust_level__gte=CADRE_LEVEL, suspended_until__isnull=True)
        .exclude(groups__name=MODERATORS)
        .filter(~Exists(hidden_by_moderator), ~Exists(suspended))
        .order_by("-helpful_score", "-trust_level", "username")
        .values("pk", "username", "display_name", "trust_level", "helpful_score")[:LIST_KEPT]
    )
    levels = dict(TrustLevel.choices)
    return _kept(
        [
            _member(
                row["pk"],
                row["username"],
                row["display_name"],
                trust_level=levels[row["trust_level"]],
                helpful=row["helpful_score"],
            )
            for row in rows
        ]
    )


def outreach(start: date, end: date) -> dict:
    return {
        "lapsing": lapsing(end),
        "never_posted": never_posted(start, end),
        "unthanked": unthanked(start, end),
        "cadre": cadre(end),
    }


# --- Next 90 days ---------------------------------------------------------------------------


def proposed_value(kpi_unit: str, direction: str, value: float | None, previous: float | None):
    """The next period's target from the trend: the value moved on by the last change when
    that change went the right way, else a 10 % step the right way from the value. Shares
    stay between 0 and 1; counts are whole. A KPI still at zero that did not move has no
    trend to extend (no deflection yet, no flags): the manager sets its target, if any."""
    if value is None or value == 0:
        return None
    higher = direction == "higher"
    change = None if previous is None else value - previous
    if change is not None and (change > 0 if higher else change < 0):
        target = max(value + change, 0)
    else:
        step = abs(value) * 0.1
        target = value + step if higher else max(value - step, 0)
    if kpi_unit == "percent":
        target = min(max(target, 0.0), 1.0)
        return round(target, 3)
    if kpi_unit == "count":
        return float(math.ceil(target) if higher else math.floor(target))
    return round(target, 2)


def objectives(review: list[dict]) -> list[str]:
    with_value = {row["key"] for row in review if row["value"] is not None}
    chosen = [key for key in OBJECTIVE_KEYS if key in with_value][:MAX_OBJECTIVES]
    return chosen


def suggested_actions(data: dict) -> list[str]:
    """The checklist the numbers suggest; the manager edits it before publishing."""
    actions = []
    out = data["outreach"]
    if out["lapsing"]["total"]:
        actions.append(f"Write to the {out['lapsing']['total']} lapsing contributors.")
    if out["never_posted"]["total"]:
        actions.append(
            f"Welcome the {out['never_posted']['total']} new members who have not posted yet "
            "with a question they can answer."
        )
    if out["unthanked"]["total"]:
        actions.append(f"Thank the {out['unthanked']['total']} members whose help went unreturned.")
    if out["cadre"]["total"]:
        actions.append("Invite the strongest volunteer-moderator candidates to the cadre.")
    if data["content"]["unanswered"]:
        actions.append("Answer or close the questions still without a reply.")
    if data["content"]["content_gaps"]:
        actions.append("Write library articles for the searches that found nothing.")
    acquisition_ = data["acquisition"]
    if acquisition_["needed_next_quarter"]:
        actions.append(
            f"Bring in {acquisition_['needed_next_quarter']} new members to stay on a "
            "six-month doubling."
        )
    return actions


def last_quarter(start: date, review: list[dict], previous_objectives: list[dict]) -> list[dict]:
    """How the objectives the previous report set for this period turned out."""
    values = {row["key"]: row for row in review}
    rows = []
    for objective in previous_objectives:
        row = values.get(objective["key"])
        actual = None if row is None else row["value"]
        target = objective["value"]
        met = None
        if actual is not None and target is not None:
            met = actual >= target if objective["direction"] == "higher" else actual <= target
        rows.append({**objective, "actual": actual, "met": met})
    return rows


@reporting_reads()
def report_data(start: date, end: date) -> dict:
    """Every section of the report for the period: the stored numbers. Read from the
    replica when one is in use (community.db_routers): nothing here was just written."""
    review = period_review(start, end)
    data = {
        "period": {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "previous_start": (start - timedelta(days=PERIOD_DAYS)).isoformat(),
            "previous_end": (start - timedelta(days=1)).isoformat(),
            "time_zone": str(community_timezone()),
        },
        "review": review,
        "acquisition": acquisition(start, end),
        "groups": groups(start, end),
        "content": content(start, end),
        "outreach": outreach(start, end),
    }
    data["objectives"] = objectives(review)
    data["actions"] = suggested_actions(data)
    return data


def situation(data: dict) -> list[str]:
    """The one-page summary's opening lines, in words, from the numbers."""
    lines = []
    acquisition_ = data["acquisition"]
    if acquisition_["members_at_start"]:
        change = acquisition_["members_at_end"] / acquisition_["members_at_start"] - 1
        lines.append(
            f"Membership went from {acquisition_['members_at_start']:,} to "
            f"{acquisition_['members_at_end']:,} ({change:+.1%}) with "
            f"{acquisition_['sign_ups']:,} sign-ups."
        )
    doubling = acquisition_["doubling_months"]
    if doubling is not None:
        pace = "ahead of" if doubling <= DOUBLING_BENCHMARK_MONTHS else "behind"
        lines.append(
            f"At this pace membership doubles in {doubling:.1f} months, {pace} the "
            f"{DOUBLING_BENCHMARK_MONTHS}-month benchmark."
        )
    review = {row["key"]: row for row in data["review"]}
    on, off = (
        sum(1 for row in data["review"] if row["on_track"] is True),
        sum(1 for row in data["review"] if row["on_track"] is False),
    )
    if on or off:
        lines.append(f"{on} KPIs met their target and {off} did not.")
    resolution = review.get("resolution_rate")
    if resolution and resolution["value"] is not None:
        lines.append(
            f"{resolution['value']:.0%} of the period's questions still in play were solved."
        )
    return lines


def previous_objectives_of(report) -> list[dict]:
    """The objectives a published report set for the next period, with their targets."""
    return [
        {"key": target.key, "value": target.value, "direction": _direction(target.key)}
        for target in report.targets.filter(is_objective=True).order_by("key")
    ]


def _direction(key: str) -> str:
    kpi = CATALOGUE.get(key)
    return "higher" if kpi is None else kpi.direction
