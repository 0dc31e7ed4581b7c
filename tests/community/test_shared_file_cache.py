"""The embedded default's cache (community.cache.SharedFileCache): counters stay exact when
several writers count at once, and keep their expiry."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from community.cache import SharedFileCache


@pytest.fixture
def shared_cache(tmp_path):
    return SharedFileCache(str(tmp_path), {"TIMEOUT": 300})


def test_concurrent_increments_are_all_counted(shared_cache):
    shared_cache.add("views", 0, timeout=None)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: shared_cache.incr("views"), range(200)))
    assert shared_cache.get("views") == 200


def test_incr_keeps_the_timeout_and_refuses_a_missing_key(shared_cache):
    with pytest.raises(ValueError):
        shared_cache.incr("missing")
    shared_cache.set("short", 1, timeout=1)
    assert shared_cache.incr("short", 2) == 3
    time.sleep(1.1)
    assert shared_cache.get("short") is None
    with pytest.raises(ValueError):
        shared_cache.incr("short")


def test_add_only_once(shared_cache):
    assert shared_cache.add("lock", "a")
    assert not shared_cache.add("lock", "b")
    assert shared_cache.get("lock") == "a"
