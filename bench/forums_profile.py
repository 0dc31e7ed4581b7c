"""Where one forum page's time goes, on the bench database (run inside `manage.py shell` with
the bench's settings and environment, as bench/run_forums.sh sets them):

    BENCH_PROFILE_PATH=/forums/t/1/slug/?page=1 BENCH_COOKIE_FILE=cookie [BENCH_WHO=member] \
    python manage.py shell -c "exec(open('bench/forums_profile.py').read())"

Warms the page twice, then times 10 requests through the test Client (median), sums their
SQL time, times template rendering (django.template.base.Template.render, outermost calls
only), and prints the statements of one request and the top functions of a cProfile run."""

import cProfile
import io
import os
import pstats
import statistics
import time

from django.db import connection
from django.template import base as template_base
from django.test import Client
from django.test.utils import CaptureQueriesContext

path = os.environ["BENCH_PROFILE_PATH"]
who = os.environ.get("BENCH_WHO", "visitor")
client = Client(HTTP_HOST="127.0.0.1")
if who == "member":
    with open(os.environ["BENCH_COOKIE_FILE"]) as f:
        name, _, value = f.read().strip().partition("=")
    client.cookies[name] = value

template_seconds = [0.0]
depth = [0]
original_render = template_base.Template.render


def timed_render(self, context):
    depth[0] += 1
    started = time.perf_counter()
    try:
        return original_render(self, context)
    finally:
        depth[0] -= 1
        if depth[0] == 0:
            template_seconds[0] += time.perf_counter() - started


template_base.Template.render = timed_render
try:
    for _ in range(2):
        if client.get(path).status_code != 200:
            raise SystemExit(f"{path} does not answer 200 for the {who}")
    totals, sql, templates = [], [], []
    for _ in range(10):
        template_seconds[0] = 0.0
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(path)
            totals.append(time.perf_counter() - started)
        sql.append(sum(float(q["time"]) for q in ctx.captured_queries))
        templates.append(template_seconds[0])
    print(
        f"{path} ({who}): {len(response.content) / 1024:.1f} KB, "
        f"{len(ctx.captured_queries)} statements"
    )
    print(
        f"median of 10: total {1000 * statistics.median(totals):.1f} ms, "
        f"SQL {1000 * statistics.median(sql):.1f} ms, "
        f"template rendering {1000 * statistics.median(templates):.1f} ms (SQL issued while "
        "rendering counts in both)"
    )
    for query in ctx.captured_queries:
        print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:220]}")
finally:
    template_base.Template.render = original_render

profiler = cProfile.Profile()
profiler.enable()
for _ in range(5):
    client.get(path)
profiler.disable()
stream = io.StringIO()
pstats.Stats(profiler, stream=stream).sort_stats(
    os.environ.get("BENCH_PROFILE_SORT", "cumulative")
).print_stats(int(os.environ.get("BENCH_PROFILE_LINES", "35")))
print(stream.getvalue())
