"""bench/settings.py (production settings, STATIC_ROOT from the environment) with one more
URL: /bench/bare, the ceiling the forum pages are compared with (bench/forums_urls.py)."""

import os

from bench.settings import *  # noqa: F403

ROOT_URLCONF = "bench.forums_urls"

# wrk sends every search from one address: the per-address limit would answer 429 and the
# benchmark would measure the refusal, not the search.
FORUM_SEARCH_RATE_LIMITED = False

# Switches for `bench/run_forums.sh --fast-paths`, each turning one of Hearth's shortcuts
# around Django's and psycopg's internals back into the standard way (docs/performance.md).
if os.environ.get("BENCH_DB_ENGINE") == "django":  # CONN_HEALTH_CHECKS pings as Django does
    DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"  # noqa: F405
if os.environ.get("BENCH_CACHE_BACKEND") == "django":  # a client per call; incr in two trips
    CACHES["default"]["BACKEND"] = "django.core.cache.backends.redis.RedisCache"  # noqa: F405
# community.db.KeyLookup: the ORM's queryset instead of SQL compiled once per process.
BENCH_KEY_LOOKUPS_ORM = os.environ.get("BENCH_KEY_LOOKUPS") == "orm"
