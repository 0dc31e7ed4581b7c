"""Reads for polls: the list, one poll's page state, and the results (counts, percentages,
rating averages and distributions, instant-runoff rounds). Visibility comes from
polls.permissions; results are a fixed number of grouped queries whatever the vote count
(instant runoff reads one row per ranked choice and counts in Python)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from polls.models import RATING_MAX, RATING_MIN, Ballot, Choice, Option, Poll, PollKind
from polls.permissions import (
    can_manage_poll,
    is_in_voter_groups,
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
    return (
        visible_polls(viewer)
        .select_related("topic__category")
        .annotate(
            is_open=Case(When(open_q, then=Value(True)), default=Value(False)),
            viewer_voted=voted,
        )
        .order_by("-is_open", "closes_at", "-created_at", "-pk")
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


def poll_results(*, poll: Poll) -> PollResults:
    """Counts per option. Single and multiple choice: voters who picked each option, as a
    share of all voters (multiple choice shares may add up to more than 100 %). Rating:
    the average and the distribution per option. Ranked: first preferences per option, and
    the instant-runoff rounds (docs/polls.md states the rules)."""
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


@dataclass
class PollPage:
    """What the poll page shows `viewer`, decided once."""

    poll: Poll
    options: list[Option]
    ballot: Ballot | None
    my_choices: dict[int, int | None]  # option id -> rank/value (public polls only)
    vote_refusal: str | None
    can_manage: bool
    show_results: bool
    results: PollResults | None
    ended: bool = False
    voters: list = field(default_factory=list)  # public polls: who voted, newest first

    @property
    def has_voted(self) -> bool:
        return self.ballot is not None

    @property
    def can_vote(self) -> bool:
        return self.vote_refusal is None and self.ballot is None

    @property
    def can_change_vote(self) -> bool:
        return self.vote_refusal is None and self.ballot is not None and not self.poll.is_anonymous


VOTERS_SHOWN = 50


def poll_page(*, poll: Poll, viewer, now=None) -> PollPage:
    """The state of `poll`'s page for `viewer` (who may see it: access_poll)."""
    now = now or timezone.now()
    options = list(poll.options.all())
    ballot = None
    my_choices: dict[int, int | None] = {}
    if viewer.is_authenticated:
        ballot = Ballot.objects.filter(poll=poll, voter=viewer).first()
        if ballot is not None and not poll.is_anonymous:
            my_choices = {
                choice.option_id: choice.rank or choice.value
                for choice in Choice.objects.filter(ballot=ballot)
            }
    manages = can_manage_poll(viewer, poll)
    refusal = vote_refusal(
        viewer,
        poll,
        now=now,
        in_voter_groups=is_in_voter_groups(viewer, poll) if viewer.is_authenticated else False,
    )
    show = results_visible(poll=poll, has_voted=ballot is not None, manages=manages, now=now)
    voters = []
    if show and not poll.is_anonymous:
        voters = [
            ballot.voter
            for ballot in Ballot.objects.filter(poll=poll, voter__isnull=False)
            .select_related("voter")
            .order_by("-created_at")[:VOTERS_SHOWN]
        ]
    return PollPage(
        poll=poll,
        options=options,
        ballot=ballot,
        my_choices=my_choices,
        vote_refusal=refusal,
        can_manage=manages,
        show_results=show,
        results=poll_results(poll=poll) if show else None,
        ended=poll.has_ended_at(now),
        voters=voters,
    )
