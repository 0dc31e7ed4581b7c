"""Settings for Spirit in the forum benchmark, copied by bench/peers/setup_spirit.sh into the
project `spirit startproject` generates (as site_spirit/settings/bench.py).

They start from the production settings Spirit's template ships (settings/prod.py: DEBUG
off, the database cache, manifest static files) and change only what a local run needs, so
the figures describe Spirit as its authors would deploy it rather than a tuned copy. Hearth
and Spirit are held to the same few rules: PostgreSQL on 127.0.0.1, persistent connections,
nothing logged per request.
"""

import os

from .prod import *

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# The site holds nothing but generated users, and it only ever listens on loopback.
SECRET_KEY = os.environ.get("SECRET_KEY") or "hearth-bench-spirit-not-secret"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("SPIRIT_DB", "peers_spirit"),
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": "5432",
        # Django's default (0) would reconnect on every request, which would measure
        # PostgreSQL's connection set-up rather than Spirit; every engine gets the same 600 s.
        "CONN_MAX_AGE": 600,
    }
}

ST_SITE_URL = f"http://127.0.0.1:{os.environ.get('SPIRIT_PORT', '8192')}/"

# The template logs INFO to the console: under wrk that would be a write per request on
# Spirit's side only.
LOGGING["loggers"][""]["level"] = "WARNING"

# Spirit limits log-ins per client address, which it takes from the connection: every
# simulated person of the mixed load (bench/load.py) comes from 127.0.0.1, where real people
# would each have their own (Hearth is told theirs through X-Real-IP). Off, so that 140
# members can sign in before the clock, as they do on Hearth.
ST_RATELIMIT_ENABLE = False
