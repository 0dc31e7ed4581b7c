"""Settings shared by every profile. Values that differ between machines come from the
environment (or a `.env` file beside manage.py) through django-environ; local.py,
production.py and test.py change only what they must."""

import hashlib
import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _source_release_id() -> str:
    """A hash of the code and templates this process runs: what decides the HTML and the
    structures kept in the cache (forums.page_cache). The same files give the same id in every
    process of a release, without git or anything else installed."""
    digest = hashlib.blake2b(digest_size=8)
    skipped = {"__pycache__", "media", "staticfiles", "static", "tests", "docs", "bench"}
    for folder, folders, files in os.walk(BASE_DIR):
        folders[:] = sorted(f for f in folders if not f.startswith(".") and f not in skipped)
        for name in sorted(files):
            if name.endswith((".py", ".html")):
                path = Path(folder, name)
                digest.update(str(path.relative_to(BASE_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


# Which code is running, in every cache key of shared pages (docs/deployment.md): a deploy
# never serves what the code before it rendered or kept.
RELEASE_ID = env("RELEASE_ID", default="") or _source_release_id()

DEBUG = env.bool("DEBUG", default=False)
# Read as given: django-environ would take a key starting with "$" (Django's own generator
# makes such keys) for a reference to another variable and come back empty.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The community's public address, for links in e-mails sent by Celery workers.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "community.admin_config.HearthAdminConfig",  # django.contrib.admin, our AdminSite
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "guardian",
    "django_celery_beat",
    "django_htmx",
    "csp",
    "community",
    "members",
    "forums",
    "library",
    "polls",
    "search",
    "metrics",
    "plans",
    # Last: the demo community depends on every app above and none of them on it.
    "demo",
]

MIDDLEWARE = [
    "community.per_request.PerRequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "community.middleware.CommonReadsMiddleware",
    "members.middleware.SessionBackendUpgradeMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before anything reads a POST body: refuses an oversized library upload unread.
    "library.uploads.upload_limit_middleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "community.middleware.MembersOnlyMiddleware",
    "members.middleware.MemberVisitMiddleware",
]

ROOT_URLCONF = "community.urls"
WSGI_APPLICATION = "community.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project templates first, so the allauth and admin overrides win.
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "community.context_processors.branding",
                "community.context_processors.notifications",
                "metrics.context_processors.dashboard",
            ],
            # {% hole %}, for pages rendered once and shared (community.page_cache).
            "libraries": {"page_holes": "community.page_cache.holes"},
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Behind PgBouncer in transaction mode a server connection serves another client between two
# transactions: nothing may outlive a transaction on it. DATABASE_POOLER=pgbouncer turns off
# what would (prepared statements, unless DATABASE_PREPARE_THRESHOLD is given for PgBouncer
# 1.21+ with max_prepared_statements; server-side cursors, which .iterator() holds across
# transactions) and the jit startup option, which PgBouncer refuses (docs/deployment.md).
DATABASE_POOLER = env("DATABASE_POOLER", default="")
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured(
        f"DATABASE_POOLER={DATABASE_POOLER!r}: leave it empty, or set it to 'pgbouncer' when "
        "the database URLs point at PgBouncer in transaction mode."
    )


def _postgres_options(database: dict) -> dict:
    """The connection settings every PostgreSQL alias (the primary and its replica) shares."""
    database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # Off, as Django ships it: the ping before each request's first query is a round trip on
    # every page. After a database restart each worker's first request fails instead (a 503
    # "back in a moment" page, community.views.server_error) and the next one reconnects.
    database["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=False)
    # Planning costs PostgreSQL more than running the topic page's few small queries. With
    # parameters sent apart from the SQL (psycopg 3's server-side binding), psycopg prepares a
    # statement the fifth time one connection runs it and PostgreSQL plans it once, not on
    # every request. Django leaves this off for connection poolers in transaction mode
    # (PgBouncer before 1.21 cannot keep prepared statements): DATABASE_PREPARE_THRESHOLD=
    # (empty) turns it off. docs/performance.md has the measurement.
    prepare_threshold = env("DATABASE_PREPARE_THRESHOLD", default="" if DATABASE_POOLER else "5")
    database.setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=int(prepare_threshold) if prepare_threshold else None,
    )
    if DATABASE_POOLER:
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
    # PostgreSQL compiles a query it estimates as costly to machine code first (JIT). For
    # the nightly KPI aggregates that compilation took longer than the query itself (1.0 of
    # 1.6 s for one KPI; the night 48 s with it, 26 s without, docs/performance.md), and no
    # page runs a query that gains from it. DATABASE_JIT=on gives it back. Behind PgBouncer
    # it is turned off on the role instead (ALTER ROLE … SET jit = off).
    if not env.bool("DATABASE_JIT", default=bool(DATABASE_POOLER)):
        libpq_options = database["OPTIONS"].get("options", "")
        database["OPTIONS"]["options"] = f"{libpq_options} -c jit=off".strip()
    return database


if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    _postgres_options(DATABASES["default"])
else:
    # The web server and the Celery worker beside it both write: each transaction takes the
    # write lock when it starts and waits up to 20 s for it, instead of failing with
    # "database is locked" when a read inside it turns into a write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
# A streaming read replica of the primary: the dashboards and the 90-day reports read from it
# (community.db_routers), everything else, and every write, uses the primary.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.sqlite3":
        _postgres_options(DATABASES["replica"])
    DATABASE_ROUTERS = ["community.db_routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite has no INCLUDE: the posts' covering index (forums_post_window_idx) is a plain
# created_at index there, which is what SQLite needs; PostgreSQL gets the covering one.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# One Redis for cache, sessions and the Celery broker. Without it (the embedded default) the
# web server and the Celery worker beside it share files under EMBEDDED_DIR instead: the
# cache here, the broker's queue (integrations/celery.py); `make run` puts the worker's log
# there too.
REDIS_URL = env("REDIS_URL", default="")
EMBEDDED_DIR = Path(env("EMBEDDED_DIR", default=str(BASE_DIR / "var"))).resolve()
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache reusing one redis-py client per pool (community/cache.py): it
            # earns its place (docs/performance.md, "Fast paths on private internals").
            "BACKEND": "community.cache.HearthRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hearth",
            "TIMEOUT": 300,
        }
    }
    # Reads come from Redis; the database copy means a Redis restart logs nobody out.
    SESSION_ENGINE = "community.sessions"  # Django's cached_db, reading prefetched entries
else:
    # Not local memory: views counted by the web process are flushed by the worker process.
    CACHES = {
        "default": {
            "BACKEND": "community.cache.SharedFileCache",
            "LOCATION": EMBEDDED_DIR / "cache",
            "TIMEOUT": 300,
            # Django culls a third of the entries, pending view counts included, past
            # MAX_ENTRIES (300 by default).
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_USER_MODEL = "members.User"
# Django's and allauth's backends, loading the member on each request more cheaply.
AUTHENTICATION_BACKENDS = [
    "members.backends.ModelBackend",
    "members.backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Library files (and their covers) are private: kept outside MEDIA_ROOT, no URL serves them,
# and they leave only through the library's permission-checked views (docs/library.md).
LIBRARY_FILES_ROOT = env.path("LIBRARY_FILES_ROOT", default=BASE_DIR / "private" / "library")
# The forum category comments on public and members-only library resources go to (made,
# members-only, on the first comment when missing).
LIBRARY_DISCUSSION_CATEGORY = env("LIBRARY_DISCUSSION_CATEGORY", default="library-discussions")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "library": {
        "BACKEND": "library.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(LIBRARY_FILES_ROOT)},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Media and library files on S3-compatible object storage (django-storages), so that every
# web node and worker sees the same files: MEDIA_STORAGE=s3, or a bucket named. Members'
# uploads (avatars, images in posts) are public objects under media/, served by the bucket
# or its CDN (AWS_S3_CUSTOM_DOMAIN) without signatures; library files stay private (no
# public read on library/, or their own bucket) and still leave only through the library's
# views. Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the machine's role.
MEDIA_STORAGE = env(
    "MEDIA_STORAGE", default="s3" if env("AWS_STORAGE_BUCKET_NAME", default="") else "filesystem"
)
if MEDIA_STORAGE == "s3":
    _s3 = {
        "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
        "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),  # MinIO, R2, Spaces…
        "region_name": env("AWS_S3_REGION_NAME", default=None),
        "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default=None),  # "path" for MinIO
        "access_key": env("AWS_ACCESS_KEY_ID", default=None),
        "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
        "file_overwrite": False,  # names are generated; never replace another file's bytes
        "default_acl": None,  # the bucket's policy decides who reads, not per-object ACLs
    }
    _media_domain = env("AWS_S3_CUSTOM_DOMAIN", default=None)
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3,
            "location": "media",
            "custom_domain": _media_domain,
            "querystring_auth": False,  # public objects: plain, cacheable URLs
        },
    }
    STORAGES["library"] = {
        "BACKEND": "library.s3_storage.PrivateS3Storage",
        "OPTIONS": {
            **_s3,
            "bucket_name": env("AWS_LIBRARY_BUCKET_NAME", default=_s3["bucket_name"]),
            "location": "library",
            "querystring_auth": True,  # never public, even if a URL were ever made
        },
    }
    # The address S3Storage gives uploads: forums.services.limits recognises images in posts
    # as the community's own by it, and the content security policy allows it.
    if _media_domain:
        _default_media_url = f"https://{_media_domain}/media/"
    elif _s3["endpoint_url"]:
        _default_media_url = f"{_s3['endpoint_url'].rstrip('/')}/{_s3['bucket_name']}/media/"
    else:
        _default_media_url = f"https://{_s3['bucket_name']}.s3.amazonaws.com/media/"
    MEDIA_URL = env("MEDIA_URL", default=_default_media_url)
elif MEDIA_STORAGE != "filesystem":
    raise ImproperlyConfigured(
        f"MEDIA_STORAGE={MEDIA_STORAGE!r}: 'filesystem' (the default) or 's3'."
    )
# Request-size limits: form bodies stay small; uploads have their own caps.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 10

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="community@hearth.localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Serve uploaded files from Django itself: for the demo and for small single-machine sites.
# Larger sites put media on object storage or behind the web server (docs/deployment.md).
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs each step of every PDF at INFO: noise in the worker's log.
        "weasyprint.progress": {"level": "WARNING"},
    },
}

from community.settings.integrations.allauth import *  # noqa: E402
from community.settings.integrations.celery import *  # noqa: E402
from community.settings.integrations.guardian import *  # noqa: E402
from community.settings.integrations.security import *  # noqa: E402

if MEDIA_STORAGE == "s3":
    # Members' images are served from the bucket's (or its CDN's) address.
    _media = urlsplit(MEDIA_URL)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] = [
        *CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"],
        f"{_media.scheme}://{_media.netloc}",
    ]
