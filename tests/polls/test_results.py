from datetime import timedelta

import pytest
from django.utils import timezone

from members import roles
from polls.models import PollKind, ResultsVisibility
from polls.permissions import results_visible
from polls.selectors import instant_runoff, poll_results
from polls.services import vote_cast
from tests.members.factories import UserFactory
from tests.polls.factories import make_poll

pytestmark = pytest.mark.django_db


def ids(poll):
    return list(poll.options.values_list("pk", flat=True))


def test_single_choice_counts_and_percentages():
    poll = make_poll()
    red, green, blue = ids(poll)
    for pick in (red, red, green):
        vote_cast(poll=poll, voter=UserFactory(), selection=[pick])
    results = poll_results(poll=poll)
    assert results.ballots == 3
    assert [(r.option.pk, r.count, r.percent) for r in results.options] == [
        (red, 2, 66.7),
        (green, 1, 33.3),
        (blue, 0, 0.0),
    ]


def test_multiple_choice_shares_are_of_voters():
    poll = make_poll(kind=PollKind.MULTIPLE, max_choices=3)
    red, green, _blue = ids(poll)
    vote_cast(poll=poll, voter=UserFactory(), selection=[red, green])
    vote_cast(poll=poll, voter=UserFactory(), selection=[red])
    results = poll_results(poll=poll)
    assert [(r.count, r.percent) for r in results.options] == [(2, 100.0), (1, 50.0), (0, 0.0)]


def test_rating_average_and_distribution():
    poll = make_poll(options=["Docs"], kind=PollKind.RATING)
    (docs,) = ids(poll)
    for value in (5, 4, 4, 1):
        vote_cast(poll=poll, voter=UserFactory(), ratings={docs: value})
    (row,) = poll_results(poll=poll).options
    assert row.count == 4
    assert row.average == 3.5
    assert row.distribution == [(5, 1, 25.0), (4, 2, 50.0), (3, 0, 0.0), (2, 0, 0.0), (1, 1, 25.0)]


def test_anonymous_results_count_like_public_ones():
    poll = make_poll(is_anonymous=True)
    red = ids(poll)[0]
    vote_cast(poll=poll, voter=UserFactory(), selection=[red])
    assert poll_results(poll=poll).options[0].count == 1


class FakeOption:
    def __init__(self, pk, text):
        self.pk, self.text = pk, text

    def __repr__(self):
        return self.text


A, B, C, D = (FakeOption(n, t) for n, t in enumerate("ABCD", 1))


def test_instant_runoff_majority_in_the_first_round():
    rounds, winners = instant_runoff(options=[A, B, C], rankings=[[1], [1, 2], [2]])
    assert winners == [A]
    assert len(rounds) == 1


def test_instant_runoff_transfers_eliminated_votes_until_a_majority():
    rankings = [[1], [1], [2], [2], [3, 2], [4, 3]]
    rounds, winners = instant_runoff(options=[A, B, C, D], rankings=rankings)
    # Round 1: A2 B2 C1 D1; C and D tie for fewest, D listed last goes. Round 2: A2 B2 C2,
    # all tied this round, and round 1 had C and D behind: C goes. Round 3: B3 A2 -> B.
    assert [r.eliminated for r in rounds] == [[D], [C], []]
    assert [(o, n) for o, n, _ in rounds[0].tallies] == [(A, 2), (B, 2), (C, 1), (D, 1)]
    assert [(o, n) for o, n, _ in rounds[2].tallies] == [(B, 3), (A, 2)]
    assert winners == [B]


def test_instant_runoff_ties_on_fewest_look_at_earlier_rounds():
    # Round 1: A3 B2 C2 D1 -> D out; its vote goes to C. Round 2: A3 C3 B2 -> B out.
    rankings = [[1], [1], [1], [2, 1], [2, 1], [3], [3], [4, 3]]
    rounds, winners = instant_runoff(options=[A, B, C, D], rankings=rankings)
    assert rounds[0].eliminated == [D]
    assert rounds[1].eliminated == [B]
    assert winners == [A]  # round 3: A5 C3


def test_instant_runoff_counts_exhausted_ballots_and_reports_a_dead_heat():
    rounds, winners = instant_runoff(options=[A, B, C], rankings=[[1], [2], [3]])
    assert winners == [A, B, C]  # nothing separates them, now or before
    rounds, winners = instant_runoff(options=[A, B, C], rankings=[[1], [1], [2], [2], [3]])
    assert rounds[0].eliminated == [C]
    assert rounds[1].exhausted == 1
    assert winners == [A, B]


def test_ranked_results_from_the_database():
    poll = make_poll(kind=PollKind.RANKED)
    red, green, blue = ids(poll)
    for ranking in ([red, green], [green], [blue, green], [green, red]):
        vote_cast(poll=poll, voter=UserFactory(), selection=ranking)
    results = poll_results(poll=poll)
    assert [r.count for r in results.options] == [1, 2, 1]
    # Green has 2 of 4, not more than half; Blue (tied fewest, listed last) goes to Green.
    assert [r.eliminated[0].text for r in results.rounds[:-1]] == ["Blue"]
    assert [o.text for o in results.winners] == ["Green"]


@pytest.mark.parametrize(
    ("mode", "voted", "ended", "manages", "visible"),
    [
        (ResultsVisibility.ALWAYS, False, False, False, True),
        (ResultsVisibility.AFTER_VOTE, False, False, False, False),
        (ResultsVisibility.AFTER_VOTE, True, False, False, True),
        (ResultsVisibility.AFTER_VOTE, False, True, False, True),
        (ResultsVisibility.AFTER_CLOSE, True, False, False, False),
        (ResultsVisibility.AFTER_CLOSE, False, True, False, True),
        (ResultsVisibility.STAFF, True, True, False, False),
        (ResultsVisibility.STAFF, False, False, True, True),
        (ResultsVisibility.AFTER_CLOSE, False, False, True, True),
    ],
)
def test_results_visibility_modes(mode, voted, ended, manages, visible):
    poll = make_poll(results_visibility=mode)
    now = timezone.now() + (timedelta(days=1) if ended else timedelta(0))
    if ended:
        poll.closes_at = timezone.now() + timedelta(hours=1)
    assert results_visible(poll=poll, has_voted=voted, manages=manages, now=now) is visible


def test_moderators_manage_and_see_staff_only_results():
    from polls.permissions import can_manage_poll

    poll = make_poll(results_visibility=ResultsVisibility.STAFF)
    assert can_manage_poll(UserFactory(roles=[roles.MODERATORS]), poll)
    assert not can_manage_poll(poll.topic.author, poll)
