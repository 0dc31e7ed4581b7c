"""bench/settings.py (production settings, STATIC_ROOT from the environment) with one more
URL: /bench/bare, the ceiling the forum pages are compared with (bench/forums_urls.py)."""

import os

from bench.settings import *  # noqa: F403

ROOT_URLCONF = "bench.forums_urls"

# wrk sends every search from one address: the per-address limit would answer 429 and the
# benchmark would measure the refusal, not the search.
FORUM_SEARCH_RATE_LIMITED = False

# The switch for `bench/run_forums.sh --fast-paths` (docs/performance.md): the one shortcut
# around Django's internals that is kept, turned back into the standard way.
# community.db.KeyLookup: the ORM's queryset instead of SQL compiled once per process.
BENCH_KEY_LOOKUPS_ORM = os.environ.get("BENCH_KEY_LOOKUPS") == "orm"
