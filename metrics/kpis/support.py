"""Support health: how fast questions get a first response, how many are solved, whether
readers found their answer, and what that spares the support team. docs/kpis.md
("Conversation and support") gives each formula with a worked example.

A *question* is a visible topic (metrics.kpis.conversation) that was not started by staff:
the community team's announcements wait for nobody. Questions by members who were later
suspended or erased still count: they were asked. A *response* is the first visible reply
by anyone but the topic's author (staff included), the rule of the forum's Unanswered
list. Responses are judged as the database has them when the KPI is computed."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from forums.models import Post, Topic, TopicViewDay
from members.models import User
from metrics.catalogue import Area, Direction, Measure, Period, Timing, Unit, kpi, ratio, shared
from metrics.kpis.conversation import visible_topic_q, visible_topics
from metrics.models import WINDOWS, AnswerFeedback, MetricsSettings

# Unanswered questions older than this have been given up on: the stock counts the month.
UNANSWERED_DAYS = 30
# Below this many answers to "Did this answer your question?" in a window, the measured
# "yes" share is too noisy (±18 points at 30) and the manager's assumed rate is used.
MIN_MEASURED_ANSWERS = 30
# The resolution rate's bands (a healthy Q&A community solves most of what it is asked).
HEALTHY_RESOLUTION = 0.6
STRUGGLING_RESOLUTION = 0.4
# The first-response buckets, in hours: under 1, 1 to 4, 4 to 24, over 24.
BUCKETS = (("under_1h", 1), ("1_to_4h", 4), ("4_to_24h", 24))


def questions() -> QuerySet[Topic]:
    return visible_topics().filter(Q(author__isnull=True) | Q(author__is_staff=False))


def _responses() -> QuerySet[Post]:
    """The visible replies to the outer topic by anyone but its author, first first (the
    (topic, created_at) index)."""
    return (
        Post.objects.filter(topic_id=OuterRef("pk"), is_opening=False, is_hidden=False)
        .exclude(author_id=OuterRef("author_id"))
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class Question:
    created_at: datetime
    in_qa: bool  # asked in a Q&A category
    solved: bool  # has an accepted answer
    locked: bool
    first_response_at: datetime | None
    first_responder_is_staff: bool | None

    def responded_before(self, moment: datetime) -> bool:
        return self.first_response_at is not None and self.first_response_at < moment

    def responded_within(self, hours: int) -> bool:
        return self.responded_before(self.created_at + timedelta(hours=hours))


def _questions_between(start: datetime, end: datetime) -> list[Question]:
    """The questions created in [start, end) with their first responses: two queries, two
    index probes per question (the staff accounts, a handful, are read apart rather than
    joined to every first response)."""
    rows = (
        questions()
        .filter(created_at__gte=start, created_at__lt=end)
        .annotate(
            first_response_at=Subquery(_responses().values("created_at")[:1]),
            first_responder_id=Subquery(_responses().values("author_id")[:1]),
        )
        .values_list(
            "created_at",
            "category__is_qa",
            "accepted_answer_id",
            "is_locked",
            "first_response_at",
            "first_responder_id",
        )
    )
    staff = set(User.objects.filter(is_staff=True).values_list("pk", flat=True))
    return [
        Question(
            created_at,
            in_qa,
            solved is not None,
            locked,
            responded_at,
            None if responded_at is None else responder_id in staff,
        )
        for created_at, in_qa, solved, locked, responded_at, responder_id in rows
    ]


def questions_of(period: Period) -> list[Question]:
    """The window's questions. Computed together (a night's snapshot), the day's widest
    window is read once and every KPI and narrower window of that day is cut from it: the
    windows of a day share their end."""
    widest = Period(period.day, max(WINDOWS), period.tz)
    if period.window <= widest.window:
        day_rows = shared(
            ("questions", period.day, period.tz),
            lambda: _questions_between(widest.start, widest.end),
        )
        if day_rows is not None:
            return [row for row in day_rows if row.created_at >= period.start]
    return _questions_between(period.start, period.end)


@dataclass(frozen=True)
class FirstResponses:
    asked: int
    responded: int
    buckets: dict[str, int]  # under_1h, 1_to_4h, 4_to_24h, over_24h, none
    within_24h: int
    # Not yet responded to, and asked less than 24 hours before the computation: whether
    # they will be answered within the day is not known yet.
    pending: int
    staff_first: int


def first_responses(period: Period, *, now: datetime | None = None) -> FirstResponses:
    """How the questions of the window got their first response. Computed together, once
    per window for the three KPIs that read it."""
    if now is None:
        found = shared(("first_responses", period), lambda: _first_responses(period))
        if found is not None:
            return found
    return _first_responses(period, now=now)


def _first_responses(period: Period, *, now: datetime | None = None) -> FirstResponses:
    now = now or timezone.now()
    asked = questions_of(period)
    responded = [q for q in asked if q.first_response_at is not None]
    cumulative = [sum(q.responded_within(hours) for q in responded) for _, hours in BUCKETS]
    buckets = {
        "under_1h": cumulative[0],
        "1_to_4h": cumulative[1] - cumulative[0],
        "4_to_24h": cumulative[2] - cumulative[1],
        "over_24h": len(responded) - cumulative[2],
        "none": len(asked) - len(responded),
    }
    return FirstResponses(
        asked=len(asked),
        responded=len(responded),
        buckets=buckets,
        within_24h=cumulative[2],
        pending=sum(
            q.first_response_at is None and q.created_at > now - timedelta(hours=24) for q in asked
        ),
        staff_first=sum(bool(q.first_responder_is_staff) for q in responded),
    )


@kpi(
    key="answered_24h_share",
    name="Answered within 24 hours",
    definition="Share of the window's questions whose first response came within 24 hours.",
    formula="Questions (visible topics not started by staff) created in [start, end) whose "
    "first visible reply by someone other than the author came less than 24 hours after "
    "the topic ÷ those questions, less the ones still unanswered and asked less than 24 "
    "hours before the computation (not decided yet).",
    unit=Unit.PERCENT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.SUPPORT,
)
def answered_24h_share(period: Period) -> Measure:
    found = first_responses(period)
    return ratio(
        found.within_24h,
        found.asked - found.pending,
        {"asked": found.asked, "pending": found.pending},
    )


@kpi(
    key="median_first_response_hours",
    name="Median time to first response",
    definition="Half the window's questions that got a response had it within this many hours.",
    formula="Median, over questions created in [start, end) that have a first visible reply "
    "by someone other than the author, of the hours from the topic to that reply. "
    "Questions without one are left out and counted in the detail. Undefined when none "
    "was answered.",
    unit=Unit.HOURS,
    direction=Direction.LOWER,
    timing=Timing.LEADING,
    area=Area.SUPPORT,
)
def median_first_response_hours(period: Period) -> Measure:
    asked = questions_of(period)
    hours = [
        (q.first_response_at - q.created_at).total_seconds() / 3600
        for q in asked
        if q.first_response_at is not None
    ]
    value = statistics.median(hours) if hours else None
    return Measure(
        value,
        denominator=float(len(hours)),
        detail={"responded": len(hours), "without_response": len(asked) - len(hours)},
    )


@kpi(
    key="first_reply_distribution",
    name="Answered within an hour",
    definition="Share of the window's questions answered within an hour; the detail spreads "
    "them over under 1 h, 1–4 h, 4–24 h, over 24 h and no response yet.",
    formula="Questions created in [start, end) whose first visible reply by someone other "
    "than the author came less than 1 hour after the topic ÷ questions created in "
    "[start, end). Buckets include their lower bound (exactly 1 h is in 1–4 h).",
    unit=Unit.PERCENT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.SUPPORT,
)
def first_reply_distribution(period: Period) -> Measure:
    found = first_responses(period)
    return ratio(found.buckets["under_1h"], found.asked, {"buckets": found.buckets})


@kpi(
    key="staff_involvement",
    name="First responses by staff",
    definition="Share of the window's answered questions whose first response came from "
    "staff: lower means members help each other first.",
    formula="Questions created in [start, end) whose first visible reply by someone other "
    "than the author was written by a staff account ÷ questions created in [start, end) "
    "that have such a reply.",
    unit=Unit.PERCENT,
    direction=Direction.LOWER,
    timing=Timing.LEADING,
    area=Area.SUPPORT,
)
def staff_involvement(period: Period) -> Measure:
    found = first_responses(period)
    return ratio(found.staff_first, found.responded)


@kpi(
    key="solved_rate",
    name="Solved questions",
    definition="Share of the window's questions in Q&A categories that have an accepted answer.",
    formula="Questions created in [start, end) in a Q&A category with an accepted answer ÷ "
    "questions created in [start, end) in a Q&A category.",
    unit=Unit.PERCENT,
    direction=Direction.HIGHER,
    timing=Timing.LAGGING,
    area=Area.SUPPORT,
    drivers=("median_first_response_hours",),
)
def solved_rate(period: Period) -> Measure:
    in_qa = [q for q in questions_of(period) if q.in_qa]
    return ratio(sum(q.solved for q in in_qa), len(in_qa))


def resolution_band(rate: float | None) -> str | None:
    if rate is None:
        return None
    if rate >= HEALTHY_RESOLUTION:
        return "healthy"
    if rate < STRUGGLING_RESOLUTION:
        return "struggling"
    return "fair"


@kpi(
    key="resolution_rate",
    name="Resolution rate",
    definition="Of the window's Q&A questions still in play, the share solved; the detail "
    "has solved, in progress and unanswered, and the band (healthy ≥ 60 %, struggling "
    "< 40 %, else fair).",
    formula="Q&A questions created in [start, end): solved (accepted answer) ÷ (solved + "
    "in progress (a reply by someone else, no accepted answer, not locked) + unanswered "
    "(no reply by someone else, not locked)). Locked questions without an answer were "
    "closed by a moderator (duplicates, off-topic) and are left out, counted as closed.",
    unit=Unit.PERCENT,
    direction=Direction.HIGHER,
    timing=Timing.LAGGING,
    area=Area.SUPPORT,
    drivers=("median_first_response_hours", "answered_24h_share", "member_reply_share"),
)
def resolution_rate(period: Period) -> Measure:
    found = {"solved": 0, "in_progress": 0, "unanswered": 0, "closed": 0}
    for question in questions_of(period):
        if not question.in_qa:
            continue
        if question.solved:
            found["solved"] += 1
        elif question.locked:
            found["closed"] += 1
        elif question.first_response_at is not None:
            found["in_progress"] += 1
        else:
            found["unanswered"] += 1
    total = found["solved"] + found["in_progress"] + found["unanswered"]
    measure = ratio(found["solved"], total, found)
    measure.detail["band"] = resolution_band(measure.value)
    return measure


@kpi(
    key="unanswered_topics",
    name="Unanswered questions",
    definition=f"Open questions of the last {UNANSWERED_DAYS} days still without any "
    "response at the end of the day.",
    formula=f"Questions (visible topics not started by staff) not locked, created in the "
    f"{UNANSWERED_DAYS} days ending with D, with no visible reply by someone other than "
    "the author created before the end of D.",
    unit=Unit.COUNT,
    direction=Direction.LOWER,
    timing=Timing.LEADING,
    area=Area.SUPPORT,
    is_stock=True,
)
def unanswered_topics(period: Period) -> Measure:
    month = Period(period.day, UNANSWERED_DAYS, period.tz)
    waiting = [
        q for q in questions_of(month) if not q.locked and not q.responded_before(period.end)
    ]
    return Measure(float(len(waiting)), detail={"in_qa_categories": sum(q.in_qa for q in waiting)})


def _solved_views(period: Period) -> dict:
    days = TopicViewDay.objects.filter(
        day__gte=period.first_day,
        day__lte=period.day,
        topic__accepted_answer__isnull=False,
    ).filter(visible_topic_q("topic__"))
    return days.aggregate(views=Sum("views", default=0), topics=Count("topic", distinct=True))


@kpi(
    key="solved_topic_views",
    name="Views of solved topics",
    definition="How often solved topics were read in the window: each view is someone who "
    "may have found their answer without asking.",
    formula="Sum of daily topic views (forums TopicViewDay, the community's days D−N+1 … D) "
    "of visible topics that have an accepted answer, private categories included.",
    unit=Unit.COUNT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.SUPPORT,
)
def solved_topic_views(period: Period) -> Measure:
    found = _solved_views(period)
    return Measure(float(found["views"]), detail={"topics": found["topics"]})


def _answers_in(period: Period) -> QuerySet[AnswerFeedback]:
    """Answers to "Did this answer your question?" whose latest answer fell in the window,
    staff's own left out (they test the page, they are not its readers)."""
    return AnswerFeedback.objects.filter(day__gte=period.first_day, day__lte=period.day).exclude(
        member__is_staff=True
    )


@kpi(
    key="community_success_rate",
    name="Readers who found their answer",
    definition='Share of "Did this answer your question?" answers that were Yes.',
    formula="Yes ÷ (yes + no) among the latest answers of each person per solved topic or "
    "library resource, answered on the community's days D−N+1 … D; staff accounts' answers "
    "are left out, visitors' count.",
    unit=Unit.PERCENT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.SUPPORT,
)
def community_success_rate(period: Period) -> Measure:
    yes = Q(answered=True)
    on_topic = Q(topic__isnull=False)
    found = _answers_in(period).aggregate(
        all=Count("pk"),
        yes=Count("pk", filter=yes),
        topics=Count("pk", filter=on_topic),
        topics_yes=Count("pk", filter=on_topic & yes),
    )
    detail = {
        "topics": {"yes": found["topics_yes"], "no": found["topics"] - found["topics_yes"]},
        "resources": {
            "yes": found["yes"] - found["topics_yes"],
            "no": (found["all"] - found["topics"]) - (found["yes"] - found["topics_yes"]),
        },
    }
    return ratio(found["yes"], found["all"], detail)


@kpi(
    key="estimated_deflection",
    name="Estimated support cost avoided",
    definition="What the solved topics read in the window spared the support team.",
    formula="solved_topic_views × deflection rate × cost per case (Metrics settings). The "
    f"rate is the measured Yes share of answers on topics in the window when there are at "
    f"least {MIN_MEASURED_ANSWERS}, else the manager's assumed rate.",
    unit=Unit.MONEY,
    direction=Direction.HIGHER,
    timing=Timing.LAGGING,
    area=Area.SUPPORT,
    drivers=("resolution_rate", "solved_topic_views", "community_success_rate"),
)
def estimated_deflection(period: Period) -> Measure:
    views = _solved_views(period)["views"]
    found = (
        _answers_in(period)
        .filter(topic__isnull=False)
        .aggregate(n=Count("pk"), yes=Count("pk", filter=Q(answered=True)))
    )
    settings = MetricsSettings.current()
    if found["n"] >= MIN_MEASURED_ANSWERS:
        rate, source = found["yes"] / found["n"], "measured"
    else:
        rate, source = settings.deflection_rate, "assumed"
    cost = Decimal(settings.cost_per_case)
    value = float(Decimal(views) * Decimal(str(rate)) * cost)
    return Measure(
        value,
        detail={
            "solved_topic_views": views,
            "deflection_rate": rate,
            "rate_source": source,
            "topic_answers": found["n"],
            "min_answers_to_measure": MIN_MEASURED_ANSWERS,
            "assumed_rate": settings.deflection_rate,
            "cost_per_case": str(cost),
            "currency": settings.currency,
        },
    )
