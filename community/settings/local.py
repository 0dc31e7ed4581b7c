"""The demo and development profile: `make run`. SQLite, console e-mail and eager Celery
unless DATABASE_URL / REDIS_URL say otherwise."""

from community.settings.base import *

DEBUG = env.bool("DEBUG", default=True)
# Development only; production.py refuses to start without a real SECRET_KEY.
SECRET_KEY = SECRET_KEY or "django-insecure-hearth-local-development-key-not-for-production"
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
