"""Search in-process, cold and warm, on a bench database (run inside `manage.py shell` with
the bench's settings and environment, as bench/run_forums.sh sets them):

    BENCH_WORDS=zeppelin,invoice BENCH_WHO=visitor,member [BENCH_N=10] [BENCH_KIND=forums|all] \
    python manage.py shell -c "exec(open('bench/search_profile.py').read())"

For each word and viewer (a visitor; maya, the Beta Program member, signed in through a
session kept in the cache only, so nothing is written to the database): one search of an
unmatched word to warm the process, then the first search of the word after the search's
cache entries are dropped (cold: ranking, snippets, rendering), then the median of BENCH_N
more (warm), with their SQL time, the process's CPU time and the statements of the last
one. BENCH_KIND=all searches "All" as the header's box does (`/search/?q=word`, no kind).
The entries dropped are the keys holding "search" in the Redis database of REDIS_URL (use
one of your own): the forums', the library's and the members' sections and the pages."""

import os
import re
import statistics
import time
from importlib import import_module

import redis
from django.conf import settings

# A session in the cache alone: a signed-in search writes nothing to the bench database.
settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from members.models import User  # noqa: E402

maya = User.objects.get(username=os.environ.get("BENCH_USER", "maya"))
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(maya.pk)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = maya.get_session_auth_hash()
session.create()
store = redis.Redis.from_url(os.environ["REDIS_URL"])


def forget_searches() -> None:
    keys = [
        key
        for key in store.scan_iter(match="*search*")
        if not any(part in key for part in (b"rate", b"event", b"pending"))
    ]
    if keys:
        store.delete(*keys)


def client_for(who: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    if who == "member":
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


def timed(client, path):
    with CaptureQueriesContext(connection) as ctx:
        cpu, wall = time.process_time(), time.perf_counter()
        response = client.get(path)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")
    sql = sum(float(query["time"]) for query in ctx.captured_queries)
    return response, wall, sql, cpu, ctx.captured_queries


n = int(os.environ.get("BENCH_N", "10"))
kind = os.environ.get("BENCH_KIND", "forums")
for word in os.environ.get("BENCH_WORDS", "zeppelin,invoice").split(","):
    for who in os.environ.get("BENCH_WHO", "visitor,member").split(","):
        client = client_for(who)
        # "All" as the header's search box sends it: no kind in the address.
        asked = "" if kind == "all" else f"&kind={kind}"
        path = f"/search/?q={word}{asked}"
        # The process's first search compiles templates and imports: not what a search costs.
        client.get(f"/search/?q=unmatchedwarmup{asked}")
        forget_searches()
        _, cold, cold_sql, _, _ = timed(client, path)
        runs = [timed(client, path) for _ in range(n)]
        response, queries = runs[-1][0], runs[-1][4]
        # One heading, or one per section of "All" ("Library (24)").
        headings = re.findall(
            r'<h2 id="search-results[^"]*"[^>]*>(.*?)</h2>', response.content.decode(), re.S
        )
        found = "; ".join(" ".join(re.sub("<[^>]+>", "", h).split()) for h in headings)
        print(
            f"{word} ({who}): cold {cold * 1000:.1f} ms (SQL {cold_sql * 1000:.1f}); warm median "
            f"{statistics.median(r[1] for r in runs) * 1000:.1f} ms (SQL "
            f"{statistics.median(r[2] for r in runs) * 1000:.1f}, process CPU "
            f"{statistics.median(r[3] for r in runs) * 1000:.1f}, {len(queries)} statements): "
            f"{found or '?'}"
        )
        if os.environ.get("BENCH_SHOW_SQL"):
            for query in queries:
                print(f"    {float(query['time']) * 1000:6.1f} ms  {query['sql'][:200]}")
