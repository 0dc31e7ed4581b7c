"""Conversation: how much the community talks, who carries the conversation, and how it
weighs against the content the library publishes. docs/kpis.md ("Conversation and
support") gives each formula with a worked example.

What counts, for every KPI here and in metrics.kpis.support:

- a *visible topic* is neither hidden (nor its opening post: hiding it hides the topic)
  nor merged into another; private categories count, since the business's community is
  all of it, and the dashboard shows only numbers;
- a *visible reply* is a post that is not the opening post, not hidden, in a visible topic
  (posts merged into another topic count there, at the time they were written);
- content is counted whoever wrote it, the community team included: how much the
  community talks is the sum of it; who carries it is what the shares below measure."""

from __future__ import annotations

from django.db.models import Case, Count, F, Q, QuerySet, Value, When

from forums.models import Post, Topic
from library.models import Resource
from members.models import TrustLevel
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
)

# The answerer mix's value: answers from members who have reached this level or above.
ESTABLISHED_LEVEL = TrustLevel.MEMBER


def visible_topic_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}is_hidden": False, f"{prefix}merged_into__isnull": True})


def visible_topics() -> QuerySet[Topic]:
    return Topic.objects.filter(visible_topic_q())


def visible_replies() -> QuerySet[Post]:
    return Post.objects.filter(is_opening=False, is_hidden=False).filter(visible_topic_q("topic__"))


def topics_in(period: Period) -> QuerySet[Topic]:
    return visible_topics().filter(created_at__gte=period.start, created_at__lt=period.end)


def replies_in(period: Period) -> QuerySet[Post]:
    return visible_replies().filter(created_at__gte=period.start, created_at__lt=period.end)


def answers_in(period: Period) -> QuerySet[Post]:
    """Visible replies of the window to a topic someone else started: help given, not an
    asker's own follow-up."""
    return replies_in(period).exclude(author_id=F("topic__author_id"))


@kpi(
    key="topics",
    name="Topics",
    definition="Conversations started in the window.",
    formula="Visible topics (not hidden, not merged) created in [start, end), by anyone, "
    "private categories included.",
    unit=Unit.COUNT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.COMMUNITY,
)
def topics(period: Period) -> Measure:
    found = topics_in(period).aggregate(
        n=Count("pk"), qa=Count("pk", filter=Q(category__is_qa=True))
    )
    return Measure(float(found["n"]), detail={"in_qa_categories": found["qa"]})


@kpi(
    key="replies",
    name="Replies",
    definition="Replies written in the window.",
    formula="Visible replies (not the opening post, not hidden, in a visible topic) created "
    "in [start, end), by anyone, private categories included.",
    unit=Unit.COUNT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.COMMUNITY,
)
def replies(period: Period) -> Measure:
    return Measure(float(_reply_counts(period)["all"]))


def _reply_counts(period: Period) -> dict:
    """The window's visible replies, and those that are peer help (not staff, not the
    topic's own author). Computed together: one query for every window of the day."""
    peer = Q(author__is_staff=False) & ~Q(author_id=F("topic__author_id"))

    def compute(windows: list[Period]) -> dict:
        counts = {}
        for window in windows:
            since = Q(created_at__gte=window.start)
            counts[f"all_{window.window}"] = Count("pk", filter=since)
            counts[f"peer_{window.window}"] = Count("pk", filter=since & peer)
        found = replies_in(max(windows, key=lambda w: w.window)).aggregate(**counts)
        return {
            window.window: {
                "all": found[f"all_{window.window}"],
                "peer": found[f"peer_{window.window}"],
            }
            for window in windows
        }

    return by_window(period, "reply_counts", compute)


@kpi(
    key="member_reply_share",
    name="Peer replies",
    definition="Share of replies that are members helping someone else: peer help.",
    formula="Visible replies of the window written by an account that is not staff to a "
    "topic someone else started ÷ all visible replies of the window. Replies by former "
    "(erased) members count as peer help; replies whose author is unknown do not.",
    unit=Unit.PERCENT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.COMMUNITY,
)
def member_reply_share(period: Period) -> Measure:
    found = _reply_counts(period)
    return ratio(found["peer"], found["all"])


@kpi(
    key="content_conversation_balance",
    name="Conversation per content item",
    definition="Topics and replies written for each library resource published in the "
    "window: whether the conversation keeps up with the content.",
    formula="(visible topics + visible replies created in [start, end)) ÷ library "
    "resources created in [start, end) (every kind and access, articles promoted from "
    "topics included). Undefined when nothing was published.",
    unit=Unit.RATIO,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.COMMUNITY,
)
def content_conversation_balance(period: Period) -> Measure:
    topic_count = topics_in(period).count()
    reply_count = _reply_counts(period)["all"]
    published = Resource.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
    found = published.aggregate(
        # distinct: the join to source topics repeats an article promoted from two topics.
        n=Count("pk", distinct=True),
        promoted=Count("pk", filter=Q(source_topics__isnull=False), distinct=True),
    )
    return ratio(
        topic_count + reply_count,
        found["n"],
        {
            "topics": topic_count,
            "replies": reply_count,
            "resources": found["n"],
            "promoted_articles": found["promoted"],
        },
    )


def _answerer_counts(windows: list[Period]) -> dict[int, dict[str, int]]:
    """Per window length, the window's answers by who wrote them (staff, each trust level,
    former members, unknown): one grouped query for all the windows."""
    levels = [
        When(author__trust_level=level, then=Value(f"level_{level}")) for level in TrustLevel.values
    ]
    rows = list(
        answers_in(max(windows, key=lambda w: w.window))
        .annotate(
            who=Case(
                When(author__isnull=True, then=Value("unknown")),
                When(author__is_staff=True, then=Value("staff")),
                When(author__erased_at__isnull=False, then=Value("former")),
                *levels,
                default=Value("unknown"),
            )
        )
        .order_by()
        .values("who")
        .annotate(
            **{
                f"n{window.window}": Count("pk", filter=Q(created_at__gte=window.start))
                for window in windows
            }
        )
    )
    return {
        window.window: {row["who"]: row[f"n{window.window}"] for row in rows} for window in windows
    }


@kpi(
    key="answerer_mix",
    name="Answers by established members",
    definition="Who answers: the share of answers written by members of trust level Member "
    "or above; the detail splits answers by staff and by each trust level.",
    formula="Visible replies of the window to a topic someone else started, by an account "
    "that is not staff, not erased and of trust level ≥ Member (2) ÷ all such replies. "
    "Trust levels are as they are now.",
    unit=Unit.PERCENT,
    direction=Direction.HIGHER,
    timing=Timing.LEADING,
    area=Area.COMMUNITY,
)
def answerer_mix(period: Period) -> Measure:
    counts = by_window(period, "answerers", _answerer_counts)
    total = sum(counts.values())
    established = sum(
        counts.get(f"level_{level}", 0) for level in TrustLevel.values if level >= ESTABLISHED_LEVEL
    )
    shares = {"staff": counts.get("staff", 0)}
    for level in TrustLevel:
        shares[level.label.lower()] = counts.get(f"level_{level.value}", 0)
    shares["former"] = counts.get("former", 0)
    shares["unknown"] = counts.get("unknown", 0)
    detail = {
        "answers": shares,
        "shares": {who: (n / total if total else None) for who, n in shares.items()},
    }
    return ratio(established, total, detail)
