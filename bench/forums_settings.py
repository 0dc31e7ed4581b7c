"""bench/settings.py (production settings, STATIC_ROOT from the environment) with one more
URL: /bench/bare, the ceiling the forum pages are compared with (bench/forums_urls.py)."""

import os

from bench.settings import *  # noqa: F403

ROOT_URLCONF = "bench.forums_urls"

# wrk sends every search from one address: the per-address limit would answer 429 and the
# benchmark would measure the refusal, not the search.
SEARCH_RATE_LIMITED = False

# Switches for `bench/run_forums.sh --fast-paths` (docs/performance.md): the shortcuts
# around Django's internals that are kept, each turned back into the standard way.
if os.environ.get("BENCH_CACHE_BACKEND") == "django":  # a client per call; incr in two trips
    CACHES["default"]["BACKEND"] = "django.core.cache.backends.redis.RedisCache"  # noqa: F405
# community.db.KeyLookup: the ORM's queryset instead of SQL compiled once per process.
BENCH_KEY_LOOKUPS_ORM = os.environ.get("BENCH_KEY_LOOKUPS") == "orm"
