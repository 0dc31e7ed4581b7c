"""Demo polls for `seed_demo`: one poll of every kind on demo topics that fit it, some
closed with their results, some open and closing in the coming weeks, one anonymous, one in
the private Beta Program category for its members only, and every results-visibility mode.

Everything goes through polls.services (poll_create, vote_cast, poll_close), so the seed is
held to the rules a member is: only people who see a topic vote in its poll, each once, and
anonymous ballots are stored as any anonymous ballot is. Maya (the member log-in) has voted
in the closed polls and left the open ones for whoever tries the demo as her."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from tqdm import tqdm

from demo.forums import BETA_GROUP_NAME
from demo.groups import DEMO_MANAGER_USERNAME
from forums.models import Topic
from members.models import User
from members.permissions import community_members
from polls.models import Option, Poll, PollKind, ResultsVisibility
from polls.permissions import poll_create_refusal
from polls.services import poll_close, poll_create, vote_cast

MEMBER_LOGIN = "maya"
# Voters per poll at most: the share of the community that votes is what matters, and a
# `--members 100000` seed must not cast tens of thousands of ballots one service call each.
MAX_VOTERS = 120
# Topics of the demo forum's stories (demo.forums) that polls fit.
WELCOME = "Welcome to the Acme Customer Community"
MONDAY = "What does your Monday reporting routine look like?"
BETA_TIMELINE = "Beta 6: the new timeline view is much faster"


@dataclass(frozen=True)
class PollPlan:
    """One demo poll. `topic` finds its topic among the demo forum's; `turnout` is the
    share of the people allowed to vote who did."""

    question: str
    options: tuple[str, ...]
    kind: str
    topic: Callable[[], Topic | None]
    turnout: float
    results_visibility: str = ResultsVisibility.ALWAYS
    min_choices: int = 1
    max_choices: int | None = None
    closes_in: timedelta | None = None  # None with `closed`: closed by hand now
    closed: bool = False
    is_anonymous: bool = False
    beta_only: bool = False
    # How popular each option is (the first preference, for ranked choice; the mean rating,
    # for a rating poll): votes lean this way, so the results tell a story, not a flat spread.
    weights: tuple[float, ...] = ()


@dataclass
class DemoPollsResult:
    polls: list[Poll] = field(default_factory=list)
    votes: int = 0


def _topic_titled(title: str) -> Callable[[], Topic | None]:
    return lambda: Topic.objects.filter(title=title).order_by("pk").first()


def _busiest_in(slug: str, *, preferring: tuple[str, ...] = ()) -> Callable[[], Topic | None]:
    """The busiest topic of category `slug` titled one of `preferring` (the generated forum
    may or may not have written each), else its busiest topic; never one with a poll."""

    def find() -> Topic | None:
        topics = Topic.objects.filter(
            category__slug=slug, is_hidden=False, poll__isnull=True
        ).order_by("-reply_count", "pk")
        return topics.filter(title__in=preferring).first() or topics.first()

    return find


def _latest_release() -> Topic | None:
    announcements = Topic.objects.filter(category__slug="announcements", is_hidden=False)
    releases = announcements.filter(Q(title__contains=" is out") | Q(title__startswith="New in "))
    return (
        releases.order_by("-created_at", "pk").first()
        or announcements.exclude(title=WELCOME).order_by("-created_at", "pk").first()
    )


POLL_PLANS = (
    PollPlan(
        question="What brings you to the community? Pick up to three.",
        options=(
            "Answers to my questions",
            "Product news and release notes",
            "Sharing ideas for the roadmap",
            "Meeting other Acme customers",
            "Early access to beta builds",
        ),
        kind=PollKind.MULTIPLE,
        min_choices=1,
        max_choices=3,
        topic=_topic_titled(WELCOME),
        turnout=0.7,
        closed=True,
        weights=(9, 6, 4, 3, 2),
    ),
    PollPlan(
        question="Rank the ideas you want most in the next release",
        options=(
            "Dark mode",
            "Bulk edit in lists",
            "Keyboard shortcuts",
            "Scheduled exports to Slack",
            "Offline mode for the mobile app",
        ),
        kind=PollKind.RANKED,
        topic=_busiest_in("ideas"),
        turnout=0.6,
        closed=True,
        results_visibility=ResultsVisibility.AFTER_CLOSE,
        # No first preference near half: the count needs several rounds of instant runoff.
        weights=(3, 2.6, 2, 1.4, 1),
    ),
    PollPlan(
        question="How would you rate this release?",
        options=("Speed", "Reports and sharing", "Stability"),
        kind=PollKind.RATING,
        topic=_latest_release,
        turnout=0.45,
        closes_in=timedelta(days=10),
        results_visibility=ResultsVisibility.AFTER_VOTE,
        weights=(4.2, 3.6, 3.9),  # the mean rating each option leans to
    ),
    PollPlan(
        question="When does your team go through the weekly numbers?",
        options=("Monday morning", "Monday afternoon", "Tuesday", "Whenever the export lands"),
        kind=PollKind.SINGLE,
        topic=_topic_titled(MONDAY),
        turnout=0.5,
        closes_in=timedelta(days=14),
        weights=(6, 2, 3, 4),
    ),
    PollPlan(
        question="Honestly: how much of your team's work runs through Acme?",
        options=("Almost all of it", "About half", "A few workflows", "We are still trying it"),
        kind=PollKind.SINGLE,
        topic=_busiest_in(
            "lounge",
            preferring=(
                "How do you onboard new colleagues to Acme?",
                "What are you working on this week?",
                "Favourite productivity tools",
            ),
        ),
        turnout=0.4,
        closes_in=timedelta(days=21),
        is_anonymous=True,
        results_visibility=ResultsVisibility.AFTER_VOTE,
        weights=(3, 5, 4, 1),
    ),
    PollPlan(
        question="Where should the timeline's zoom buttons go?",
        options=("Back in the toolbar", "Bottom-right corner", "Keyboard only (+ and -)"),
        kind=PollKind.SINGLE,
        topic=_topic_titled(BETA_TIMELINE),
        turnout=0.75,
        closes_in=timedelta(days=7),
        beta_only=True,
        results_visibility=ResultsVisibility.STAFF,
        weights=(7, 3, 1),
    ),
)


@transaction.atomic
def demo_polls_create(*, rng: random.Random, progress: bool = False) -> DemoPollsResult:
    """The demo polls on the seeded forum (demo_forums_create first) and their votes. A poll
    whose topic the forum lacks (a forum seeded without the demo log-ins' stories) is left
    out; without carmen, who runs the polls, there are none."""
    manager = User.objects.filter(username=DEMO_MANAGER_USERNAME).first()
    if manager is None:
        return DemoPollsResult()
    beta_group = Group.objects.filter(name=BETA_GROUP_NAME).first()
    members = list(community_members().order_by("pk").values_list("pk", "username"))
    beta_ids = set(beta_group.user_set.values_list("pk", flat=True)) if beta_group else set()
    now = timezone.now()
    result = DemoPollsResult()
    planned = [(plan, plan.topic()) for plan in POLL_PLANS]
    planned = [(plan, topic) for plan, topic in planned if topic is not None]
    with tqdm(
        total=len(planned), unit="poll", desc="Polls", disable=None if progress else True
    ) as bar:
        for plan, topic in planned:
            if plan.beta_only and beta_group is None:
                bar.update(1)
                continue
            # The topic's author adds the poll when the rules let them; carmen otherwise.
            author = topic.author
            if author is None or poll_create_refusal(author, topic) is not None:
                author = manager
            poll = poll_create(
                topic=topic,
                author=author,
                question=plan.question,
                options=plan.options,
                kind=plan.kind,
                min_choices=plan.min_choices,
                max_choices=plan.max_choices,
                closes_at=now + (plan.closes_in or timedelta(days=1)),
                results_visibility=plan.results_visibility,
                is_anonymous=plan.is_anonymous,
                voter_groups=[beta_group] if plan.beta_only else (),
            )
            electorate = [
                (pk, username)
                for pk, username in members
                if (pk in beta_ids or not plan.beta_only)
                and (plan.closed or username != MEMBER_LOGIN)
            ]
            result.votes += _votes_cast(poll=poll, plan=plan, electorate=electorate, rng=rng)
            if plan.closed:
                poll_close(poll=poll, actor=manager)
            result.polls.append(poll)
            bar.update(1)
    return result


def _votes_cast(
    *, poll: Poll, plan: PollPlan, electorate: list[tuple[int, str]], rng: random.Random
) -> int:
    """`electorate`: (pk, username) of those who may vote; a sample of them does, as
    themselves through vote_cast. Only the voters are loaded, whatever the community's size."""
    options = list(Option.objects.filter(poll=poll).order_by("position"))
    count = min(MAX_VOTERS, round(len(electorate) * plan.turnout))
    voter_ids = [pk for pk, _username in rng.sample(electorate, count)]
    login = next((pk for pk, username in electorate if username == MEMBER_LOGIN), None)
    if login is not None and login not in voter_ids and voter_ids:
        voter_ids[-1] = login  # Maya voted in the closed polls: her choice is marked there
    voters = User.objects.in_bulk(voter_ids)
    for pk in voter_ids:
        vote_cast(poll=poll, voter=voters[pk], **_ballot(plan, options, rng))
    return len(voter_ids)


def _ballot(plan: PollPlan, options: list[Option], rng: random.Random) -> dict:
    weights = list(plan.weights or [1] * len(options))
    if plan.kind == PollKind.RATING:
        return {
            "ratings": {
                option.pk: max(1, min(5, round(rng.gauss(mean, 0.9))))
                for option, mean in zip(options, weights, strict=True)
            }
        }
    if plan.kind == PollKind.SINGLE:
        return {"selection": [rng.choices(options, weights=weights)[0].pk]}
    if plan.kind == PollKind.MULTIPLE:
        most = plan.max_choices or len(options)
        picks = rng.randint(plan.min_choices, most)
        order = _weighted_order(options, weights, rng)
        return {"selection": [option.pk for option in order[:picks]]}
    # Ranked: a full order for some, only the first few for others (their ballots are
    # exhausted once those options are out, as real ones are).
    order = _weighted_order(options, weights, rng)
    return {"selection": [option.pk for option in order[: rng.randint(2, len(order))]]}


def _weighted_order(options: list[Option], weights: list[float], rng: random.Random) -> list:
    """Options in a random order where heavier ones tend to come first."""
    remaining = list(zip(options, weights, strict=True))
    order = []
    while remaining:
        index = rng.choices(range(len(remaining)), weights=[w for _, w in remaining])[0]
        order.append(remaining.pop(index)[0])
    return order
