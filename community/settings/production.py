"""Production: `DJANGO_SETTINGS_MODULE=community.settings.production`. Passes
`manage.py check --deploy` with no warnings (tests/community/test_settings.py)."""

from django.core.exceptions import ImproperlyConfigured

from community.settings.base import *

DEBUG = False

if not SECRET_KEY or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production. "
        "Generate one with: python -c 'from django.core.management.utils import "
        "get_random_secret_key as k; print(k())'"
    )
if not env.list("ALLOWED_HOSTS", default=[]):
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS must list the host names the community is served on, e.g. "
        "ALLOWED_HOSTS=community.example.com"
    )
# Without Redis every gunicorn worker keeps its own cache: a branding change would show in
# one worker only, and rate limits would count per process.
if not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL must point at the Redis that holds the cache, sessions and the task queue in "
        "production, e.g. REDIS_URL=redis://127.0.0.1:6379/0"
    )
# Sign-up needs the verification e-mail to reach people; the console default would swallow it.
if not env("EMAIL_URL", default=""):
    raise ImproperlyConfigured(
        "EMAIL_URL must name the mail server in production, e.g. "
        "EMAIL_URL=smtp+tls://user:password@smtp.example.com:587"
    )

# Outside the demo every address is verified before its first log-in (the environment
# variable only applies to the demo and development profiles).
ACCOUNT_EMAIL_VERIFICATION = "mandatory"

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
