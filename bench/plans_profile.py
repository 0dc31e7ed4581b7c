"""How long one 90-day plan report takes on the bench database (run inside `manage.py shell`
with the bench's settings and environment, as bench/run_plans.sh sets them):

    BENCH_NIGHT=2026-12-07 python manage.py shell -c "exec(open('bench/plans_profile.py').read())"

Makes the report of the 90 days ending the day before BENCH_NIGHT as the Celery task does
(report_generate: every section, the HTML and the PDF, in one go), after removing any report
of that period, then times each section apart. Prints a markdown table."""

import datetime
import os
import time

from plans import rendering, sections
from plans.models import PERIOD_DAYS, PlanReport
from plans.services import report_claim, report_generate

night = datetime.date.fromisoformat(os.environ["BENCH_NIGHT"])
end = night - datetime.timedelta(days=1)
start = end - datetime.timedelta(days=PERIOD_DAYS - 1)
PlanReport.objects.filter(period_start=start).delete()

started = time.perf_counter()
report = report_generate(report_id=report_claim(start=start).report.pk)
whole = time.perf_counter() - started

rows = []
for name, compute in (
    ("period review (40 KPIs, stored or computed)", lambda: sections.period_review(start, end)),
    ("member acquisition", lambda: sections.acquisition(start, end)),
    ("groups", lambda: sections.groups(start, end)),
    ("content and conversation", lambda: sections.content(start, end)),
    ("outreach lists", lambda: sections.outreach(start, end)),
    ("HTML", lambda: rendering.report_html(report)),
    ("PDF (WeasyPrint)", lambda: rendering.report_pdf(report, report.html)),
):
    t0 = time.perf_counter()
    compute()
    rows.append((name, time.perf_counter() - t0))

print(f"| the report of {start} – {end} | seconds |")
print("| --- | ---: |")
print(f"| whole report, as the Celery task makes it | {whole:.2f} |")
for name, spent in rows:
    print(f"| {name} | {spent:.2f} |")
print(f"\nPDF: {len(bytes(report.pdf)) / 1024:.0f} KB; HTML: {len(report.html) / 1024:.0f} KB")
