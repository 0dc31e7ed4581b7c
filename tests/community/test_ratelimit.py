from datetime import UTC, datetime, timedelta

import pytest

from community.ratelimit import RateLimit, RateLimited, _humanize_seconds, rate_limit_hit

SPACING = (RateLimit(count=1, seconds=5, description="1 post every 5 seconds"),)
HOURLY = (RateLimit(count=3, seconds=3600, description="3 things an hour"),)


def _at(monkeypatch, moment):
    monkeypatch.setattr("community.ratelimit.timezone.now", lambda: moment)


def test_two_attempts_either_side_of_a_clock_boundary_are_still_one_window(monkeypatch):
    # 4.9 s past a multiple of 5: a clock-aligned window would reopen 0.1 s later.
    just_before = datetime(2026, 1, 1, 12, 0, 4, 900_000, tzinfo=UTC)
    _at(monkeypatch, just_before)
    rate_limit_hit(scope="test", key=1, limits=SPACING)
    _at(monkeypatch, just_before + timedelta(milliseconds=200))
    with pytest.raises(RateLimited, match="1 post every 5 seconds") as excinfo:
        rate_limit_hit(scope="test", key=1, limits=SPACING)
    # Whole seconds: opened at :04, asked at :05, so the window has 4 seconds left.
    assert excinfo.value.retry_after == 4
    assert "try again in 4 seconds" in excinfo.value.message

    _at(monkeypatch, just_before + timedelta(seconds=5))
    rate_limit_hit(scope="test", key=1, limits=SPACING)


def test_the_limit_counts_each_key_on_its_own_and_says_when_to_retry(monkeypatch):
    start = datetime(2026, 1, 1, 12, 59, 0, tzinfo=UTC)
    _at(monkeypatch, start)
    for _ in range(3):
        rate_limit_hit(scope="test", key="a", limits=HOURLY)
    rate_limit_hit(scope="test", key="b", limits=HOURLY)  # someone else is not affected

    _at(monkeypatch, start + timedelta(minutes=10))
    with pytest.raises(RateLimited) as excinfo:
        rate_limit_hit(scope="test", key="a", limits=HOURLY)
    assert excinfo.value.retry_after == 50 * 60
    assert "about 50 minutes" in excinfo.value.message


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (1, "1 second"),
        (59, "59 seconds"),
        (60, "about 1 minute"),
        (3569, "about 59 minutes"),
        (3570, "about 1 hour"),  # never "about 60 minutes"
        (3599, "about 1 hour"),
        (5400, "about 2 hours"),
    ],
)
def test_the_wait_is_said_the_way_a_person_would(seconds, said):
    assert _humanize_seconds(seconds) == said
