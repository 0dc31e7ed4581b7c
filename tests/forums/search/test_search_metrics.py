"""The selectors metrics reads: zero-result searches (content gaps) and click-through."""

from datetime import timedelta

import pytest
from django.utils import timezone

from forums.models import SearchQuery
from forums.selectors.search import search_stats, zero_result_queries
from forums.services.search import search_click_record, search_query_record
from tests.forums.search.helpers import topic_with
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def _log(text: str, results: int, *, days_ago: int = 0, clicked: bool = False, user=None):
    logged = search_query_record(user=user, text=text, filters={}, result_count=results)
    SearchQuery.objects.filter(pk=logged.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago),
        clicked_at=timezone.now() if clicked else None,
    )
    return logged


def _window(days: int = 7):
    end = timezone.now() + timedelta(seconds=1)
    return {"start": end - timedelta(days=days), "end": end}


def test_search_stats_count_zero_results_and_click_through(django_assert_num_queries):
    _log("pump", 4, clicked=True)
    _log("pump", 4)
    _log("valve", 2, clicked=True)
    _log("flux capacitor", 0)
    _log("old search", 3, days_ago=30, clicked=True)  # outside the window

    with django_assert_num_queries(1):
        stats = search_stats(**_window())

    assert (stats.searches, stats.zero_result, stats.clicked) == (4, 1, 2)
    assert stats.click_through_rate == pytest.approx(2 / 3)
    assert stats.zero_result_rate == pytest.approx(1 / 4)


def test_search_stats_of_an_empty_window_has_no_rates():
    stats = search_stats(**_window())

    assert stats.searches == 0
    assert stats.click_through_rate is None
    assert stats.zero_result_rate is None


def test_zero_result_queries_most_frequent_first(django_assert_num_queries):
    _log("Flux Capacitor", 0)
    _log("flux capacitor", 0)
    _log("warp drive", 0)
    _log("pump", 5)
    _log("ancient gap", 0, days_ago=30)

    with django_assert_num_queries(1):
        gaps = list(zero_result_queries(**_window()))

    assert [(g["query"], g["searches"]) for g in gaps] == [
        ("flux capacitor", 2),
        ("warp drive", 1),
    ]


def test_search_query_record_normalises_and_truncates():
    member = UserFactory()
    logged = search_query_record(user=member, text="Ü" * 300, filters={"tag": "x"}, result_count=1)

    assert logged.query == "ü" * 200
    assert logged.user == member
    assert logged.filters == {"tag": "x"}


def test_search_click_record_only_first_click_by_the_owner(category):
    member = UserFactory()
    topic = topic_with(category=category)
    logged = _log("pump", 1, user=member)

    assert not search_click_record(
        search_query_id=logged.pk, user=UserFactory(), topic=topic, owned=True
    )
    assert search_click_record(search_query_id=logged.pk, user=member, topic=topic, owned=False)
    assert not search_click_record(search_query_id=logged.pk, user=member, topic=topic, owned=False)
    visitor_search = _log("pump", 1)
    assert not search_click_record(
        search_query_id=visitor_search.pk, user=None, topic=topic, owned=False
    )
    assert search_click_record(
        search_query_id=visitor_search.pk, user=None, topic=topic, owned=True
    )
