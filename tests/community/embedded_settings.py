"""The embedded default (`make run` without REDIS_URL: community.settings.local) with views
counted per second instead of per minute, so a test sees a real worker flush them within
seconds (test_embedded_worker.py)."""

from community.settings.local import *  # noqa: F403

FORUMS_VIEW_BUCKET_SECONDS = 1
