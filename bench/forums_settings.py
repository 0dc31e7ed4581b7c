"""bench/settings.py (production settings, STATIC_ROOT from the environment) with one more
URL: /bench/bare, the ceiling the forum pages are compared with (bench/forums_urls.py)."""

from bench.settings import *  # noqa: F403

ROOT_URLCONF = "bench.forums_urls"
