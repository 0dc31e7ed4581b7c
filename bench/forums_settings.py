"""bench/settings.py (production settings, STATIC_ROOT from the environment) with one more
URL: /bench/bare, the ceiling the forum pages are compared with (bench/forums_urls.py)."""

from bench.settings import *  # noqa: F403

ROOT_URLCONF = "bench.forums_urls"

# wrk sends every search from one address: the per-address limit would answer 429 and the
# benchmark would measure the refusal, not the search.
FORUM_SEARCH_RATE_LIMITED = False
