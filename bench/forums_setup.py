"""Prepare a seeded forum bench database for bench/run_forums.sh (run inside `manage.py shell`):
log BENCH_USER (default maya, a member of the "Beta Program" group, so her category checks
go through group permissions) in by creating a session the way django.contrib.auth.login
does, and write `sessionid=<key>; csrftoken=<secret>` to BENCH_COOKIE_FILE for wrk's Cookie
header. Refuses a user who is not a community member with a group grant on a private
category."""

import os
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils.crypto import get_random_string

from community.selectors import branding_get
from forums.models import CategoryAccess
from forums.permissions import visible_categories
from members.models import User
from members.permissions import is_community_member

if branding_get().members_only:
    raise SystemExit("the community is members-only: visitors would see the sign-in page")
user = User.objects.get(username=os.environ.get("BENCH_USER", "maya"))
private = visible_categories(user).filter(access=CategoryAccess.PRIVATE)
if not (is_community_member(user) and private.exists() and user.groups.exists()):
    raise SystemExit(f"{user.username} is not a member with a group grant on a private category")
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = user._meta.pk.value_to_string(user)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
# A browser sends back the CSRF cookie it was given with its first page; without one every
# request would mint a new secret and a Set-Cookie, which no signed-in browser costs.
csrf_secret = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
with open(os.environ["BENCH_COOKIE_FILE"], "w") as f:
    f.write(
        f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
        f"{settings.CSRF_COOKIE_NAME}={csrf_secret}"
    )
print(
    f"session for {user.username} (pk {user.pk}; groups: "
    f"{', '.join(user.groups.values_list('name', flat=True))}; private categories: "
    f"{', '.join(private.values_list('name', flat=True))}) written to the cookie file"
)
