"""SQL queries per page, with Django's test Client and CaptureQueriesContext, against the bench
database (run inside `manage.py shell` with the bench's settings and environment):

    BENCH_PAGES='[["directory", "visitor", "/members/"], ...]' BENCH_COOKIE_FILE=... \
    BENCH_QUERIES_OUT=queries.json \
    python manage.py shell -c "exec(open('bench/members_queries.py').read())"

For each page and user the page is requested once to warm the caches (branding snapshot,
session, the member's daily-visit write), then once more inside CaptureQueriesContext: its
statements are the steady-state count. Three further requests give an in-process time (median,
one request at a time, no HTTP server): the part of the wrk latency that is Django and SQL.
Prints a markdown table; writes the details (with the slowest statement of each page) to
BENCH_QUERIES_OUT.

BENCH_COLD=1: before the counted request and each timed one, replace the member pages'
versions (members.access.member_pages_changed; the kept counts go with the directory's
version), so that every request renders its page afresh, as after a profile edit: what a
miss costs on the pages that are kept and shared (members.page_cache)."""

import json
import os
import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

TX_WORDS = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
WRITE_WORDS = ("INSERT", "UPDATE", "DELETE")
TIMED_REQUESTS = 3


def bench_client(who: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")  # production ALLOWED_HOSTS has no "testserver"
    if who == "member":
        with open(os.environ["BENCH_COOKIE_FILE"]) as f:
            for cookie in f.read().strip().split("; "):
                name, _, value = cookie.partition("=")
                client.cookies[name] = value
    return client


def first_word(sql: str) -> str:
    return sql.split(None, 1)[0].upper()


results = []
clients = {}
COLD = os.environ.get("BENCH_COLD") == "1"


def make_cold() -> None:
    if COLD:
        from members.access import member_pages_changed

        member_pages_changed(every_profile=True)


for label, who, path in json.loads(os.environ["BENCH_PAGES"]):
    client = clients.setdefault(who, bench_client(who))
    client.get(path)
    make_cold()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    statements = ctx.captured_queries
    queries = [q for q in statements if first_word(q["sql"]) not in TX_WORDS]
    slowest = max(queries, key=lambda q: float(q["time"]), default=None)
    wall = []
    for _ in range(TIMED_REQUESTS):
        make_cold()
        started = time.perf_counter()
        client.get(path)
        wall.append((time.perf_counter() - started) * 1000)
    results.append(
        {
            "page": label,
            "user": who,
            "path": path,
            "status": response.status_code,
            "statements": len(statements),
            "queries": len(queries),
            "writes": sum(1 for q in queries if first_word(q["sql"]) in WRITE_WORDS),
            "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
            "slowest_ms": round(float(slowest["time"]) * 1000, 1) if slowest else 0,
            "slowest_sql": slowest["sql"] if slowest else "",
            "median_ms": round(statistics.median(wall), 1),
            "bytes": len(response.content),
        }
    )

print("| page | user | status | queries | writes | SQL ms | slowest query ms | in-process ms |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for r in results:
    print(
        f"| `{r['path']}` | {r['user']} | {r['status']} | {r['queries']} | {r['writes']} "
        f"| {r['sql_ms']} | {r['slowest_ms']} | {r['median_ms']} |"
    )
print(
    "\nqueries: statements per request, BEGIN/COMMIT excluded; SQL ms: their sum in the "
    "captured request; in-process ms: median of 3 requests through the test Client."
)
with open(os.environ["BENCH_QUERIES_OUT"], "w") as f:
    json.dump(results, f, indent=1)
