"""The selectors metrics reads: zero-result searches (content gaps) and click-through."""

from datetime import timedelta

import pytest
from django.utils import timezone

from forums.models import SearchQuery
from forums.selectors.search import search_stats, zero_result_queries
from forums.services.search import search_click_record, search_query_record, search_token_new
from tests.forums.search.helpers import topic_with
from tests.members.factories import UserFactory
from tests.search_log import search_log_flush

pytestmark = pytest.mark.django_db


def _record(**kwargs) -> SearchQuery:
    token = search_token_new()
    search_query_record(token=token, **kwargs)
    search_log_flush()
    return SearchQuery.objects.get(token=token)


def _log(text: str, results: int, *, days_ago: int = 0, clicked: bool = False, user=None):
    logged = _record(user=user, text=text, filters={}, result_count=results)
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


def test_search_query_record_normalises_and_truncates_and_dates_the_search():
    member = UserFactory()
    searched_at = timezone.now() - timedelta(minutes=3)
    logged = _record(
        user=member, text="Ü" * 300, filters={"tag": "x"}, result_count=1, now=searched_at
    )

    assert logged.query == "ü" * 200
    assert logged.user == member
    assert logged.filters == {"tag": "x"}
    assert logged.created_at == searched_at  # when it was run, not when the flush wrote it


def test_search_click_record_only_first_click_by_the_owner(category):
    member = UserFactory()
    topic, other = topic_with(category=category), topic_with(category=category)
    mine, visitors = _log("pump", 1, user=member), _log("pump", 1)

    search_click_record(token=mine.token, user=UserFactory(), topic=topic)  # not theirs
    search_click_record(token=visitors.token, user=member, topic=topic)  # not a member's
    search_log_flush()
    mine.refresh_from_db()
    visitors.refresh_from_db()
    assert mine.clicked_at is None and visitors.clicked_at is None

    search_click_record(token=mine.token, user=member, topic=topic)
    search_click_record(token=mine.token, user=member, topic=other)  # the second: ignored
    search_click_record(token=visitors.token, user=None, topic=None)
    search_log_flush()
    mine.refresh_from_db()
    visitors.refresh_from_db()
    assert mine.clicked_topic == topic
    assert visitors.clicked_at is not None and visitors.clicked_topic is None


def test_a_search_by_a_member_erased_before_the_flush_is_kept_anonymous():
    member = UserFactory()
    token = search_token_new()
    search_query_record(user=member, text="pump", filters={}, result_count=0, token=token)
    type(member).objects.filter(pk=member.pk).delete()
    search_log_flush()
    assert SearchQuery.objects.get(token=token).user is None
