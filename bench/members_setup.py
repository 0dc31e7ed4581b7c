"""Prepare a seeded bench database for bench/run_members.sh (run inside `manage.py shell`):

- turn on the branding switch that lets visitors browse the member directory, the way a
  community manager does in the admin (branding_update, which also drops the cached snapshot);
- log BENCH_USER (default maya) in by creating a session the way django.contrib.auth.login
  does, and write `sessionid=<key>` to BENCH_COOKIE_FILE for wrk's Cookie header.

    BENCH_COOKIE_FILE=/tmp/cookie \
    python manage.py shell -c "exec(open('bench/members_setup.py').read())"
"""

import os
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from community.models import BRANDING_ID, SiteBranding
from community.selectors import branding_get
from community.services import branding_update
from members.models import User
from members.permissions import is_community_member

branding_update(branding=SiteBranding.objects.get(pk=BRANDING_ID), directory_public=True)
snapshot = branding_get()
if not snapshot.directory_public or snapshot.members_only:
    raise SystemExit(f"branding not as the benchmark needs it: {snapshot}")

user = User.objects.get(username=os.environ.get("BENCH_USER", "maya"))
if not (is_community_member(user) and user.has_perm("members.view_member_directory")):
    raise SystemExit(f"{user.username} may not browse the directory")
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = user._meta.pk.value_to_string(user)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
with open(os.environ["BENCH_COOKIE_FILE"], "w") as f:
    f.write(cookie)
print(f"directory_public=on; session for {user.username} (pk {user.pk}) written to cookie file")
