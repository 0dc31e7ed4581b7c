"""Reads for polls: the list, one poll's page state, and the results (counts, percentages,
rating averages and distributions, instant-runoff rounds). Visibility comes from
polls.permissions; results are a fixed number of grouped queries whatever the vote count
(instant runoff reads one row per ranked choice and counts in Python)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from forums.permissions import topic_readers_q
from members.models import TrustLevel
from members.permissions import community_members
from members.visibility import levels_for
from polls.box_cache import ENTRY_SECONDS, shared_get, shared_set
from polls.models import RATING_MAX, RATING_MIN, Ballot, Choice, Option, Poll, PollKind
from polls.permissions import (
    SIGN_IN_TO_VOTE,
    can_manage_poll,
    results_visible,
    visible_polls,
    vote_refusal,
)


def poll_list_for(*, viewer, now=None) -> QuerySet[Poll]:
    """The polls `viewer` may see: open ones first (soonest closing first), then ended ones
    (latest first). Each row carries `is_open` and `viewer_voted`; topic and category are
    joined. Three queries at most, whatever the number of polls."""
    now = now or timezone.now()
    open_q = Q(is_closed=False) & (Q(closes_at__isnull=True) | Q(closes_at__gt=now))
    if viewer.is_authenticated:
        voted = Exists(Ballot.objects.filter(poll=OuterRef("pk"), voter=viewer))
    else:
        voted = Value(False)
    # Open polls by their closing time (none: last); ended ones by when they ended, most
    # recent first (a hand-closed poll's closing time says nothing about when it ended).
    open_closes_at = Case(When(open_q, then=F("closes_at")), output_field=DateTimeField())
    return (
        visible_polls(viewer)
        .select_related("topic__category")
        .annotate(
            is_open=Case(When(open_q, then=Value(True)), default=Value(False)),
            viewer_voted=voted,
        )
        .order_by(
            "-is_open",
            open_closes_at.asc(nulls_last=True),
            poll_ended_at(now).desc(nulls_last=True),
            "-created_at",
            "-pk",
        )
    )


@dataclass
class OptionResult:
    option: Option
    count: int = 0
    percent: float = 0.0
    # Rating polls only.
    average: float | None = None
    distribution: list[tuple[int, int, float]] = field(default_factory=list)  # value, n, %


@dataclass
class RunoffRound:
    number: int
    tallies: list[tuple[Option, int, float]]  # continuing options, best first
    exhausted: int
    eliminated: list[Option]


@dataclass
class PollResults:
    ballots: int
    options: list[OptionResult]
    rounds: list[RunoffRound] = field(default_factory=list)
    winners: list[Option] = field(default_factory=list)  # ranked: one, or several on a tie


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def poll_results(*, poll: Poll, options: list[Option] | None = None) -> PollResults:
    """Counts per option (`options`: the poll's, if the caller has them). Single and
    multiple choice: voters who picked each option, as a share of all voters (multiple
    choice shares may add up to more than 100 %). Rating: the average and the distribution
    per option. Ranked: first preferences per option, and
    the instant-runoff rounds (docs/polls.md states the rules)."""
    if options is None:
        options = list(poll.options.all())
    ballots = Choice.objects.filter(poll=poll).values("sheet").distinct().count()
    by_id = {option.pk: OptionResult(option=option) for option in options}
    choices = Choice.objects.filter(poll=poll)
    if poll.kind == PollKind.RATING:
        rows = choices.values("option_id", "value").annotate(n=Count("pk"))
        counts: dict[int, Counter] = defaultdict(Counter)
        for row in rows:
            counts[row["option_id"]][row["value"]] = row["n"]
        for pk, result in by_id.items():
            values = counts[pk]
            result.count = sum(values.values())
            if result.count:
                total = sum(value * n for value, n in values.items())
                result.average = round(total / result.count, 2)
            result.distribution = [
                (value, values[value], _percent(values[value], result.count))
                for value in range(RATING_MAX, RATING_MIN - 1, -1)
            ]
            result.percent = _percent(result.count, ballots)
        return PollResults(ballots=ballots, options=list(by_id.values()))

    if poll.kind == PollKind.RANKED:
        choices = choices.filter(rank=1)
    for row in choices.values("option_id").annotate(n=Count("pk")):
        by_id[row["option_id"]].count = row["n"]
    for result in by_id.values():
        result.percent = _percent(result.count, ballots)
    results = PollResults(ballots=ballots, options=list(by_id.values()))
    if poll.kind == PollKind.RANKED:
        sheets: dict = defaultdict(list)
        for sheet, option_id in (
            Choice.objects.filter(poll=poll)
            .order_by("sheet", "rank")
            .values_list("sheet", "option")
        ):
            sheets[sheet].append(option_id)
        rounds, winners = instant_runoff(options=options, rankings=list(sheets.values()))
        results.rounds, results.winners = rounds, winners
    return results


def instant_runoff(
    *, options: list[Option], rankings: list[list[int]]
) -> tuple[list[RunoffRound], list[Option]]:
    """Instant-runoff rounds over `rankings` (option ids, first preference first).

    Each round counts every ranking for its highest option still in the race; rankings with
    none left are exhausted. An option with more than half of the counted rankings wins.
    Otherwise the option with the fewest votes is eliminated; on a tie for fewest, the one
    with fewer votes in the latest earlier round where they differ, and if they never
    differed, the one listed last in the poll. When every option left has the same count
    (and no earlier round tells them apart), they tie: all are winners."""
    by_id = {option.pk: option for option in options}
    order = {option.pk: index for index, option in enumerate(options)}
    continuing = [option.pk for option in options]
    history: list[dict[int, int]] = []
    rounds: list[RunoffRound] = []
    if not rankings:
        return rounds, []
    while continuing:
        alive = set(continuing)
        tally = dict.fromkeys(continuing, 0)
        exhausted = 0
        for ranking in rankings:
            top = next((pk for pk in ranking if pk in alive), None)
            if top is None:
                exhausted += 1
            else:
                tally[top] += 1
        history.append(tally)
        counted = sum(tally.values())
        ranked = sorted(continuing, key=lambda pk: (-tally[pk], order[pk]))
        current = RunoffRound(
            number=len(history),
            tallies=[(by_id[pk], tally[pk], _percent(tally[pk], counted)) for pk in ranked],
            exhausted=exhausted,
            eliminated=[],
        )
        rounds.append(current)
        leader = ranked[0]
        if len(continuing) == 1 or tally[leader] * 2 > counted:
            return rounds, [by_id[leader]]

        # Fewest now, then fewest in the latest earlier round where it differs (comparing
        # the rounds from the newest back does that), then listed last.
        record = {pk: tuple(counts[pk] for counts in reversed(history)) for pk in continuing}
        weakest = min(continuing, key=lambda pk: (record[pk], -order[pk]))
        ties = [pk for pk in continuing if record[pk] == record[weakest]]
        if len(ties) == len(continuing):
            return rounds, [by_id[pk] for pk in sorted(ties, key=order.__getitem__)]
        current.eliminated = [by_id[weakest]]
        continuing.remove(weakest)
    return rounds, []


class Voter(NamedTuple):
    username: str
    public_name: str


@dataclass
class SharedPoll:
    """What every viewer of a poll shares: its options, its results (whoever may see them)
    and, in a public poll, who voted (newest first, at most VOTERS_SHOWN)."""

    options: list[Option]
    results: PollResults
    voters: list[Voter]


VOTERS_SHOWN = 50


def _shared_compute(poll: Poll) -> SharedPoll:
    options = list(poll.options.all())
    voters = []
    if not poll.is_anonymous:
        ballots = (
            Ballot.objects.filter(poll=poll, voter__isnull=False)
            .select_related("voter")
            .order_by("-created_at")[:VOTERS_SHOWN]
        )
        voters = [Voter(ballot.voter.username, ballot.voter.public_name) for ballot in ballots]
    return SharedPoll(options, poll_results(poll=poll, options=options), voters)


def shared_poll(poll: Poll) -> SharedPoll:
    """`poll`'s SharedPoll from the cache, under its results version (polls.box_cache): a
    cache round trip, and a few grouped queries once per vote."""
    version, shared = shared_get(poll.topic_id, "shared")
    if shared is None:
        shared = _shared_compute(poll)
        shared_set(poll.topic_id, "shared", version, shared, timeout=ENTRY_SECONDS)
    return shared


def with_viewer_facts(polls: QuerySet[Poll], viewer) -> QuerySet[Poll]:
    """`polls` annotated with what poll_page needs to know about `viewer`: their ballot's
    id (`viewer_ballot_id`), whether the poll names voter groups and whether they are in
    one, in the same query."""
    groups = Poll.voter_groups.through.objects.filter(poll=OuterRef("pk"))
    polls = polls.annotate(has_voter_groups=Exists(groups))
    if not viewer.is_authenticated:
        return polls.annotate(
            viewer_ballot_id=Value(None, output_field=BigIntegerField()),
            viewer_in_groups=Value(False, output_field=BooleanField()),
        )
    return polls.annotate(
        viewer_ballot_id=Subquery(
            Ballot.objects.filter(poll=OuterRef("pk"), voter=viewer).values("pk")[:1]
        ),
        viewer_in_groups=Exists(groups.filter(group__user=viewer)),
    )


def topic_poll_for(topic, viewer) -> Poll | None:
    """The poll of `topic` (a topic `viewer` sees), annotated for `viewer` (one query)."""
    poll = with_viewer_facts(Poll.objects.filter(topic=topic), viewer).first()
    if poll is not None:
        poll.topic = topic
    return poll


@dataclass
class PollPage:
    """What the poll page shows `viewer`, decided once."""

    poll: Poll
    options: list[Option]
    has_voted: bool
    my_choices: dict[int, int | None]  # option id -> rank/value (public polls only)
    vote_refusal: str | None
    can_manage: bool
    show_results: bool
    results: PollResults | None
    ended: bool = False
    voters: list = field(default_factory=list)  # public polls: who voted, newest first

    @property
    def can_vote(self) -> bool:
        return self.vote_refusal is None and not self.has_voted

    @property
    def needs_sign_in(self) -> bool:
        """The viewer could vote once signed in (a visitor, as far as anyone can tell)."""
        return self.vote_refusal == SIGN_IN_TO_VOTE

    @property
    def can_change_vote(self) -> bool:
        return self.vote_refusal is None and self.has_voted and not self.poll.is_anonymous


def poll_page(*, poll: Poll, viewer, now=None) -> PollPage:
    """The state of `poll`'s page for `viewer` (who may see it: access_poll). With `poll`
    from with_viewer_facts (topic and category loaded) it costs a query for a public
    poll's voter's own choices and a cache round trip; else one query more."""
    now = now or timezone.now()
    if not hasattr(poll, "viewer_in_groups"):
        facts = with_viewer_facts(Poll.objects.filter(pk=poll.pk), viewer).values(
            "has_voter_groups", "viewer_ballot_id", "viewer_in_groups"
        )
        for name, value in facts.get().items():
            setattr(poll, name, value)
    ballot_id = poll.viewer_ballot_id
    my_choices: dict[int, int | None] = {}
    if ballot_id is not None and not poll.is_anonymous:
        my_choices = {
            option_id: rank or value
            for option_id, rank, value in Choice.objects.filter(ballot_id=ballot_id).values_list(
                "option_id", "rank", "value"
            )
        }
    manages = can_manage_poll(viewer, poll)
    in_groups = viewer.is_authenticated and (not poll.has_voter_groups or poll.viewer_in_groups)
    refusal = vote_refusal(viewer, poll, now=now, in_voter_groups=in_groups)
    has_voted = ballot_id is not None
    show = results_visible(poll=poll, has_voted=has_voted, manages=manages, now=now)
    shared = shared_poll(poll)
    return PollPage(
        poll=poll,
        options=shared.options,
        has_voted=has_voted,
        my_choices=my_choices,
        vote_refusal=refusal,
        can_manage=manages,
        show_results=show,
        results=shared.results if show else None,
        ended=poll.has_ended_at(now),
        voters=shared.voters if show else [],
    )


# --- Participation -----------------------------------------------------------------------------
#
# participation = participants / eligible, where for each poll
#   eligible      the community members (members.permissions.community_members: active,
#                 approved, not erased) who are not suspended now, who joined before the poll
#                 ended (before now for an open poll), who may see its topic now
#                 (forums.permissions.topic_readers_q: a private category's group, a hidden
#                 topic's moderators) and, when the poll names voter groups, belong to one;
#   participants  those of the eligible who have a ballot in the poll.
# Counting only eligible voters keeps the rate between 0 and 1: a vote from someone who has
# since left the poll's group or been erased still counts in the results, not here.
# Group membership and access are as they are now (no history of them is kept).


def poll_ended_at(now) -> Case:
    """When a poll ended: the closing time if it passed before a manual close, else the
    manual close, else a closing time that has passed; NULL while it is open."""
    return Case(
        When(
            Q(is_closed=True, closes_at__isnull=False, closes_at__lt=F("closed_at")),
            then=F("closes_at"),
        ),
        When(is_closed=True, then=F("closed_at")),
        When(closes_at__lte=now, then=F("closes_at")),
        default=Value(None),
        output_field=DateTimeField(),
    )


def _count(users: QuerySet) -> Subquery:
    # COUNT over the whole correlated subquery, one row per poll (no GROUP BY).
    return Subquery(
        users.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"),
        output_field=IntegerField(),
    )


def with_participation(
    polls: QuerySet[Poll], *, now=None, among: Q | None = None
) -> QuerySet[Poll]:
    """`polls` annotated with `ended_at`, `eligible` and `participants` (the counts above),
    in the one query that lists them, whatever their number. `among` narrows the members
    who count (metrics leaves the community team's staff accounts out)."""
    now = now or timezone.now()
    polls = polls.annotate(ended_at=poll_ended_at(now))
    groups = Poll.voter_groups.through.objects.filter(poll=OuterRef(OuterRef("pk")))
    eligible = (
        community_members()
        .filter(Q(suspended_until__isnull=True) | Q(suspended_until__lte=now))
        .filter(date_joined__lt=Coalesce(OuterRef("ended_at"), Value(now)))
        .filter(topic_readers_q("topic"))
        .filter(~Q(Exists(groups)) | Q(Exists(groups.filter(group__user=OuterRef("pk")))))
        .filter(among or Q())
    )
    voted = Ballot.objects.filter(poll=OuterRef(OuterRef("pk")), voter=OuterRef("pk"))
    return polls.annotate(
        eligible=_count(eligible), participants=_count(eligible.filter(Exists(voted)))
    )


def participation_rate(poll: Poll) -> float | None:
    """participants / eligible of a poll from with_participation; None with nobody eligible."""
    if not poll.eligible:
        return None
    return poll.participants / poll.eligible


# --- Breakdowns (public polls only) --------------------------------------------------------


class Dimension(NamedTuple):
    key: str
    label: str


DIMENSIONS = (
    Dimension("group", "Group"),
    Dimension("company", "Company"),
    Dimension("location", "Location"),
    Dimension("trust_level", "Trust level"),
)
NOT_SHARED = "Not shared"
NOT_GIVEN = "Not given"
NO_GROUP = "In no group"
FORMER_MEMBER = "Former member"


@dataclass
class BreakdownRow:
    label: str
    voters: int
    # Per option, in the poll's order: (count, % of this row's voters); rating polls:
    # (number of ratings, average or None).
    cells: list[tuple[int, float | None]]


@dataclass
class Breakdown:
    dimension: Dimension
    options: list[Option]
    rows: list[BreakdownRow]


class AnonymousPollError(ValueError):
    """Breakdowns need to know who chose what, which an anonymous poll never stores."""


def poll_breakdown(*, poll: Poll, dimension: str, viewer) -> Breakdown:
    """`poll`'s results split by the voters' groups (community groups, not roles: a member
    in several groups counts in each), company, location or trust level. Profile fields
    show only where members.visibility lets `viewer` see them (a manager: fields shared with
    members or everyone; "only me" is NOT_SHARED). Ranked polls: first preferences. Public
    polls only (AnonymousPollError). Four queries, whatever the number of votes."""
    if poll.is_anonymous:
        raise AnonymousPollError("Anonymous polls keep no link between voters and choices.")
    chosen = next((d for d in DIMENSIONS if d.key == dimension), None)
    if chosen is None:
        raise ValueError(f"unknown dimension {dimension!r}")
    options = list(poll.options.all())
    labels: dict[int, list[str]] = {}  # ballot id -> its voter's values
    ballots = Ballot.objects.filter(poll=poll)
    if chosen.key == "group":
        for ballot_id in ballots.values_list("pk", flat=True):
            labels[ballot_id] = []
        rows = (
            ballots.filter(voter__groups__profile__isnull=False)
            .values_list("pk", "voter__groups__name")
            .order_by()
        )
        for ballot_id, name in rows:
            labels[ballot_id].append(name)
        for names in labels.values():
            if not names:
                names.append(NO_GROUP)
    elif chosen.key == "trust_level":
        trust = ballots.values_list("pk", "voter_id", "voter__trust_level")
        for ballot_id, voter_id, level in trust:
            labels[ballot_id] = [TrustLevel(level).label if voter_id is not None else FORMER_MEMBER]
    else:
        field_name = chosen.key
        for ballot_id, voter_id, value, visibility in ballots.values_list(
            "pk",
            "voter_id",
            f"voter__profile__{field_name}",
            f"voter__profile__{field_name}_visibility",
        ):
            if voter_id is None:
                label = FORMER_MEMBER
            elif visibility not in levels_for(viewer, voter_id):
                label = NOT_SHARED
            else:
                label = " ".join((value or "").split()) or NOT_GIVEN
            labels[ballot_id] = [label]

    # Case and spacing aside, "Acme" and "ACME " are one company.
    display: dict[str, str] = {}
    for values in labels.values():
        for index, value in enumerate(values):
            values[index] = display.setdefault(value.casefold(), value)

    choices = Choice.objects.filter(poll=poll, ballot__isnull=False)
    if poll.kind == PollKind.RANKED:
        choices = choices.filter(rank=1)
    voters: Counter = Counter()
    counts: dict[str, Counter] = defaultdict(Counter)
    totals: dict[str, Counter] = defaultdict(Counter)
    for values in labels.values():
        voters.update(values)
    for ballot_id, option_id, value in choices.values_list("ballot_id", "option_id", "value"):
        for label in labels.get(ballot_id, ()):
            counts[label][option_id] += 1
            totals[label][option_id] += value or 0
    last = {NOT_SHARED, NOT_GIVEN, NO_GROUP, FORMER_MEMBER}
    # Trust levels read as a ladder, lowest first; other values by size.
    ladder = {str(level.label): level.value for level in TrustLevel}

    def order(item):
        label, n = item
        rung = ladder.get(label, 0) if chosen.key == "trust_level" else 0
        return (label in last, rung, -n, label)

    rows = []
    for label, n in sorted(voters.items(), key=order):
        if poll.kind == PollKind.RATING:
            cells = [
                (
                    counts[label][o.pk],
                    round(totals[label][o.pk] / counts[label][o.pk], 2)
                    if counts[label][o.pk]
                    else None,
                )
                for o in options
            ]
        else:
            cells = [(counts[label][o.pk], _percent(counts[label][o.pk], n)) for o in options]
        rows.append(BreakdownRow(label=label, voters=n, cells=cells))
    return Breakdown(dimension=chosen, options=options, rows=rows)
