from datetime import UTC, datetime, timedelta

import pytest

from members.models import SupportKind
from members.selectors.reciprocity import reciprocity_rate
from tests.members.factories import UserFactory
from tests.members.reciprocity.conftest import act

pytestmark = pytest.mark.django_db

START = datetime(2025, 5, 1, tzinfo=UTC)
END = datetime(2025, 6, 1, tzinfo=UTC)


def may(day: int, hour: int = 12) -> datetime:
    return datetime(2025, 5, day, hour, tzinfo=UTC)


@pytest.fixture
def people():
    return [UserFactory(username=name) for name in ("amy", "bob", "cat", "don")]


def test_reciprocity_rate_on_a_hand_built_month_is_exactly_two_thirds(people):
    amy, bob, cat, don = people
    # (amy, bob): bob replies 11 days after amy's first support, after the window ends.
    act(amy, bob, SupportKind.REPLY, may(25))
    act(amy, bob, SupportKind.REACTION, may(26))  # a second act: still one pair
    act(bob, amy, SupportKind.REACTION, datetime(2025, 6, 5, tzinfo=UTC))
    # (cat, don): don answers 38 days later, too late.
    act(cat, don, SupportKind.SHOUT_OUT, may(3))
    act(don, cat, SupportKind.REPLY, datetime(2025, 6, 10, tzinfo=UTC))
    # (don, amy): amy returns it 23 days later.
    act(don, amy, SupportKind.REACTION, may(28))
    act(amy, don, SupportKind.FOLLOW, datetime(2025, 6, 20, tzinfo=UTC))
    # Before the window: not a pair.
    act(amy, cat, SupportKind.REPLY, datetime(2025, 4, 20, tzinfo=UTC))
    act(cat, amy, SupportKind.REPLY, datetime(2025, 4, 25, tzinfo=UTC))

    result = reciprocity_rate(start=START, end=END)

    assert (result.pairs, result.reciprocated) == (3, 2)
    assert result.rate == pytest.approx(2 / 3)


def test_reciprocity_counts_a_reply_on_the_thirtieth_day_but_not_a_second_later(people):
    amy, bob, cat, _ = people
    act(amy, bob, SupportKind.REPLY, may(2))
    act(bob, amy, SupportKind.REPLY, may(2) + timedelta(days=30))
    act(amy, cat, SupportKind.REPLY, may(2))
    act(cat, amy, SupportKind.REPLY, may(2) + timedelta(days=30, seconds=1))

    result = reciprocity_rate(start=START, end=END)

    # Pairs: (amy, bob) yes, (amy, cat) no, (bob, amy) no: both returns fall after END.
    assert (result.pairs, result.reciprocated) == (2, 1)


def test_reciprocity_measures_from_the_first_support_in_the_window(people):
    amy, bob, _, _ = people
    act(amy, bob, SupportKind.REPLY, may(1))
    act(amy, bob, SupportKind.REPLY, may(30))
    # 35 days after the first support, 5 after the second: too late for the pair.
    act(bob, amy, SupportKind.REPLY, datetime(2025, 6, 5, tzinfo=UTC))

    result = reciprocity_rate(start=START, end=END)

    assert (result.pairs, result.reciprocated) == (1, 0)
    assert result.rate == 0.0


def test_support_given_back_before_the_first_support_does_not_count(people):
    amy, bob, _, _ = people
    act(bob, amy, SupportKind.REPLY, datetime(2025, 4, 28, tzinfo=UTC))  # before the window
    act(amy, bob, SupportKind.REPLY, may(3))

    result = reciprocity_rate(start=START, end=END)

    assert (result.pairs, result.reciprocated) == (1, 0)


def test_window_is_half_open_an_act_at_the_end_instant_belongs_to_the_next_window(people):
    amy, bob, cat, _ = people
    act(amy, bob, SupportKind.REPLY, START)
    act(cat, amy, SupportKind.REPLY, END)
    # bob returns it on the 30th day (31 May): that also opens the pair (bob, amy).
    act(bob, amy, SupportKind.REPLY, START + timedelta(days=30))

    result = reciprocity_rate(start=START, end=END)

    # (amy, bob) returned, (bob, amy) not yet; (cat, amy) at the end instant belongs to June.
    assert (result.pairs, result.reciprocated) == (2, 1)


def test_reciprocity_rate_without_any_pair_is_none_not_zero(db):
    result = reciprocity_rate(start=START, end=END)

    assert (result.pairs, result.reciprocated, result.rate) == (0, 0, None)


def test_reciprocity_rate_is_one_query_for_3_or_30_pairs(django_assert_num_queries):
    hub = UserFactory()
    for n in range(3):
        act(UserFactory(), hub, SupportKind.REACTION, may(2 + n))
    with django_assert_num_queries(1):
        few = reciprocity_rate(start=START, end=END)
    for n in range(27):
        giver = UserFactory()
        act(giver, hub, SupportKind.REACTION, may(5))
        if n % 3 == 0:
            act(hub, giver, SupportKind.REPLY, may(6))
    with django_assert_num_queries(1):
        many = reciprocity_rate(start=START, end=END)

    assert few.pairs == 3
    # 30 supporters of hub plus hub's 9 replies, which are pairs of their own.
    assert (many.pairs, many.reciprocated) == (39, 9)
