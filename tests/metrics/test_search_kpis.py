"""Search KPIs on a small hand-built search log, written by the services the search page
calls and dated with update(). Staff searches and a search before the window are in it."""

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from forums.models import SearchQuery
from forums.services.search import search_click_record, search_query_record, search_token_new
from members import roles
from metrics.catalogue import Period, kpi_get
from tests.members.factories import UserFactory
from tests.search_log import search_log_flush

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
DAY = date(2026, 3, 10)  # the 7-day window: 4–10 March


def compute(key: str, window: int = 7):
    return kpi_get(key).compute(Period(DAY, window, UTC))


def search(user, text: str, results: int, *, day: int, kind: str = "forums", click=False):
    token = search_token_new()
    searched_at = datetime(2026, 3, day, 12, 0, tzinfo=UTC)
    search_query_record(
        user=user, text=text, filters={}, result_count=results, kind=kind, token=token
    )
    if click:
        search_click_record(token=token, user=user, topic=None)
    search_log_flush()
    SearchQuery.objects.filter(token=token).update(created_at=searched_at)


@pytest.fixture
def log():
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    carmen = UserFactory(username="carmen", roles=[roles.COMMUNITY_MANAGERS], is_staff=True)
    search(ann, "Pump", 5, day=4, kind="all", click=True)
    search(bob, "pump", 5, day=5)
    search(None, "pump", 3, day=6, click=True)  # a visitor, who opened a result
    search(ann, "valve", 0, day=7)
    search(bob, "valve", 0, day=8, kind="library")
    search(None, "warranty", 2, day=10)
    # The community team trying search out, and a search of 2 March: left out.
    search(carmen, "pump", 4, day=9, click=True)
    search(carmen, "secret roadmap", 0, day=9)
    search(ann, "old gap", 0, day=2)
    return {"ann": ann, "bob": bob}


def test_click_through_is_searches_with_a_click_over_searches_that_found_something(log):
    measure = compute("search_click_through")
    # Counted searches 4–10 March: 6; 2 found nothing (valve, valve), so 4 found something;
    # 2 of those led to a click (ann's and the visitor's "pump"). 2 / 4.
    assert (measure.numerator, measure.denominator) == (2, 4)
    assert measure.value == 2 / 4
    assert measure.detail["searches"] == 6
    assert measure.detail["top_queries"] == [
        {"query": "pump", "searches": 3, "clicked": 2, "zero_result": 0},
        {"query": "valve", "searches": 2, "clicked": 0, "zero_result": 2},
        {"query": "warranty", "searches": 1, "clicked": 0, "zero_result": 0},
    ]
    assert measure.detail["zero_result_queries"] == [{"query": "valve", "searches": 2}]
    assert measure.detail["by_kind"] == {
        "all": {"searches": 1, "zero_result": 0, "clicked": 1},
        "forums": {"searches": 4, "zero_result": 1, "clicked": 1},
        "library": {"searches": 1, "zero_result": 1, "clicked": 0},
    }


def test_the_detail_says_what_was_searched_never_who_searched(log):
    for key in ("search_click_through", "zero_result_searches"):
        text = json.dumps(compute(key).detail)
        assert "user" not in text and "ann" not in text and "bob" not in text


def test_zero_result_searches_is_the_share_that_found_nothing(log):
    measure = compute("zero_result_searches")
    assert measure.value == 2 / 6  # valve twice, of the 6 counted searches
    month = compute("zero_result_searches", window=30)
    assert month.value == 3 / 7  # + ann's "old gap" on 2 March
    assert month.detail["zero_result_queries"] == [
        {"query": "valve", "searches": 2},
        {"query": "old gap", "searches": 1},
    ]


def test_no_search_is_undefined_not_zero():
    assert compute("search_click_through").value is None
    assert compute("zero_result_searches").value is None
