from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import Follow, SupportKind
from members.selectors.reciprocity import (
    support_ledger,
    support_ledger_count,
    supporters_to_thank,
)
from tests.members.factories import UserFactory
from tests.members.reciprocity.conftest import NOW, act, days_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {name: UserFactory(username=name) for name in ("ana", "ben", "cai", "dee")}


@pytest.fixture
def example(people):
    """Ana's last 90 days, by hand:
    ben replied 80 days ago and reacted 10 and 5 days ago; Ana followed him back 3 days ago.
    cai gave Ana a shout-out 30 days ago; Ana replied to cai 40 days ago, *before* that,
    so she has not returned cai's support.
    dee replied 100 and reacted 91 days ago: outside the window. Ana reacted to dee 20 days
    ago, which does not make dee a supporter.
    Noise between others (ben → cai) must not leak into Ana's ledger."""
    ana, ben, cai, dee = (people[n] for n in ("ana", "ben", "cai", "dee"))
    act(ben, ana, SupportKind.REPLY, days_ago(80))
    act(ben, ana, SupportKind.REACTION, days_ago(10))
    act(ben, ana, SupportKind.REACTION, days_ago(5))
    act(cai, ana, SupportKind.SHOUT_OUT, days_ago(30))
    act(dee, ana, SupportKind.REPLY, days_ago(100))
    act(dee, ana, SupportKind.REACTION, days_ago(91))
    act(ana, ben, SupportKind.FOLLOW, days_ago(3))
    act(ana, cai, SupportKind.REPLY, days_ago(40))
    act(ana, dee, SupportKind.REACTION, days_ago(20))
    act(ben, cai, SupportKind.REPLY, days_ago(2))
    return people


def test_ledger_lists_who_supported_the_member_and_how_with_exact_counts(example):
    rows = support_ledger(member=example["ana"], now=NOW)

    assert [row.person.username for row in rows] == ["ben", "cai"]
    ben, cai = rows
    assert ben.total == 3
    assert ben.counts == {SupportKind.REPLY: 1, SupportKind.REACTION: 2}
    assert ben.first_at == days_ago(80)
    assert ben.last_at == days_ago(5)
    assert cai.total == 1
    assert cai.counts == {SupportKind.SHOUT_OUT: 1}
    assert [item.label for item in cai.kinds] == ["Shout-out"]


def test_ledger_says_whether_the_member_returned_the_favour_after_the_first_support(example):
    ben, cai = support_ledger(member=example["ana"], now=NOW)

    assert ben.returned is True  # Ana followed ben after his first reply
    assert ben.given == 1
    assert cai.returned is False  # Ana's reply to cai came before cai's shout-out
    assert cai.given == 1


def test_supporters_to_thank_lists_only_people_not_supported_back(example):
    rows = supporters_to_thank(member=example["ana"], limit=5, now=NOW)

    assert [row.person.username for row in rows] == ["cai"]


def test_supporters_to_thank_orders_by_most_support_and_respects_the_limit(people):
    ana = people["ana"]
    for name, times in (("ben", 1), ("cai", 3), ("dee", 2)):
        for n in range(times):
            act(people[name], ana, SupportKind.REACTION, days_ago(n + 1))

    rows = supporters_to_thank(member=ana, limit=2, now=NOW)

    assert [(row.person.username, row.total) for row in rows] == [("cai", 3), ("dee", 2)]


def test_ledger_ignores_acts_older_than_the_window_and_keeps_those_just_inside(people):
    ana, ben, cai = people["ana"], people["ben"], people["cai"]
    act(ben, ana, SupportKind.REPLY, NOW - timedelta(days=90, minutes=1))
    act(cai, ana, SupportKind.REPLY, NOW - timedelta(days=89, hours=23))

    rows = support_ledger(member=ana, now=NOW)

    assert [row.person.username for row in rows] == ["cai"]
    assert support_ledger_count(member=ana, now=NOW) == 1


def test_ledger_window_can_be_narrowed(example):
    rows = support_ledger(member=example["ana"], days=7, now=NOW)

    assert [(row.person.username, row.total) for row in rows] == [("ben", 1)]
    # Ana's follow 3 days ago came after ben's first support *in this window*.
    assert rows[0].returned is True


def test_ledger_leaves_out_erased_and_deactivated_supporters(example):
    example["cai"].erased_at = NOW
    example["cai"].save()
    example["ben"].is_active = False
    example["ben"].save()

    assert support_ledger(member=example["ana"], now=NOW) == []
    assert supporters_to_thank(member=example["ana"], limit=5, now=NOW) == []


def test_ledger_counts_every_support_kind_so_forum_and_library_acts_plug_in(people):
    ana, ben = people["ana"], people["ben"]
    for n, kind in enumerate(SupportKind.values):
        act(ben, ana, kind, days_ago(n + 1))

    (row,) = support_ledger(member=ana, now=NOW)

    assert row.total == len(SupportKind.values)
    assert row.counts == dict.fromkeys(SupportKind.values, 1)


def test_ledger_marks_people_the_member_already_follows(example):
    Follow.objects.create(follower=example["ana"], followed=example["cai"])

    rows = {row.person.username: row for row in support_ledger(member=example["ana"], now=NOW)}

    assert rows["cai"].is_following is True
    assert rows["ben"].is_following is False


def _supporters(member, count):
    for _ in range(count):
        act(UserFactory(), member, SupportKind.REACTION, days_ago(1))


def _queries(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


def test_ledger_and_panel_use_the_same_number_of_queries_for_3_or_30_supporters(member):
    _supporters(member, 3)
    ledger_few = _queries(lambda: support_ledger(member=member, now=NOW))
    panel_few = _queries(lambda: supporters_to_thank(member=member, limit=50, now=NOW))
    _supporters(member, 27)

    assert len(support_ledger(member=member, now=NOW)) == 30
    assert _queries(lambda: support_ledger(member=member, now=NOW)) == ledger_few == 3
    assert _queries(lambda: supporters_to_thank(member=member, limit=50, now=NOW)) == panel_few
    assert panel_few == 2


def test_ledger_of_a_member_nobody_supported_is_empty_and_costs_one_query(member):
    assert _queries(lambda: support_ledger(member=member, now=NOW)) == 1
    assert support_ledger(member=member, now=NOW) == []
