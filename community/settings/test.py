"""pytest: the same settings as production code paths, minus HTTPS (live_server is plain
http) and slow password hashing. DATABASE_URL and REDIS_URL, when set, are used as given:
CI runs the suite on PostgreSQL and Redis."""

import tempfile
from urllib.parse import urlsplit

from community.settings.base import *

SECRET_KEY = "test-secret-key-that-is-long-enough-to-be-realistic-0123456789"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run in-process in most tests; tests/community/test_celery_worker.py runs a real worker.
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = tempfile.mkdtemp(prefix="hearth-test-media-")
LIBRARY_FILES_ROOT = tempfile.mkdtemp(prefix="hearth-test-library-")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Files stay on the disk in tests, whatever the environment says (no network).
MEDIA_STORAGE = "filesystem"
STORAGES = {
    **STORAGES,
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "library": {
        "BACKEND": "library.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": LIBRARY_FILES_ROOT},
    },
}
MEDIA_URL = "/media/"
# The read replica's alias, as a mirror of the test database: the replica router's tests
# (tests/community/test_multihost_settings.py) install the router and see which alias each
# query goes to. Without the router, as everywhere else in the suite, nothing reads it.
DATABASES["replica"] = {
    **DATABASES["default"],
    "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
    "TEST": {"MIRROR": "default"},
}
DATABASE_ROUTERS: list[str] = []
if not REDIS_URL:
    # Each test process keeps its own cache and never reaches a broker (tasks are eager; the
    # tests of the embedded worker start their own processes with their own EMBEDDED_DIR).
    # Room for every pending view count: at the default 300 entries the cache culls a third
    # of them as a demo seed counts views for 150 topics, and the flush writes fewer.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
    CELERY_BROKER_URL = "memory://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
if REDIS_URL:
    # Its own logical database: the autouse cache.clear() must not flush a developer's data.
    # Two suites running at once on one Redis (two checkouts) each need their own.
    _test_redis_db = env.int("HEARTH_TEST_REDIS_DB", default=13)
    CACHES["default"]["LOCATION"] = urlsplit(REDIS_URL)._replace(path=f"/{_test_redis_db}").geturl()
    CACHES["default"]["KEY_PREFIX"] = "hearth-test"
# Serve static files straight from the app folders (no collectstatic before tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
