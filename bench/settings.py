"""The production profile for benchmarks, changed in one place: STATIC_ROOT comes from the
environment, so bench/run_members.sh can collect static files into a temporary folder instead
of the checkout's staticfiles/ (which WhiteNoise in a developer's runserver would also serve).

Everything else is community.settings.production as deployed: DEBUG off, the manifest
static storage, Redis cache and sessions, persistent database connections."""

import os

# Benchmarks send no e-mail; production insists on a mail server being named.
os.environ.setdefault("EMAIL_URL", "consolemail://")

from community.settings.production import *  # noqa: F403
from community.settings.production import env

STATIC_ROOT = env.path("STATIC_ROOT")
