"""Where one night's snapshot spends its time, KPI by KPI, on the bench database (run inside
`manage.py shell` with the bench's settings and environment, as bench/run_metrics.sh sets
them):

    BENCH_NIGHT=2026-06-30 python manage.py shell -c "exec(open('bench/metrics_profile.py').read())"

Computes every KPI for every window of that night the way the snapshot does (together, so
KPIs that share a day's rows pay for them once: the first to ask is charged), stores
nothing, and prints a markdown table of the slowest KPIs with their share of the night."""

import datetime
import os
import time

from community.timezones import community_timezone
from metrics.catalogue import CATALOGUE, Period, computing_together
from metrics.models import WINDOWS

night = datetime.date.fromisoformat(os.environ["BENCH_NIGHT"])
tz = community_timezone()
seconds = {}
with computing_together():
    for kpi in CATALOGUE.values():
        started = time.perf_counter()
        for window in WINDOWS[:1] if kpi.is_stock else WINDOWS:
            kpi.compute(Period(night, window, tz))
        seconds[kpi.key] = time.perf_counter() - started
total = sum(seconds.values())
print(f"| KPI (every window of {night}) | seconds | share |")
print("| --- | ---: | ---: |")
for key, spent in sorted(seconds.items(), key=lambda item: -item[1])[:15]:
    print(f"| {key} | {spent:.3f} | {spent / total:.0%} |")
print(f"| all {len(seconds)} KPIs | {total:.2f} | |")
