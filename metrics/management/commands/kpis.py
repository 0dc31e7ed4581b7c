import json
from datetime import timedelta

from django.core.management.base import BaseCommand

from community.timezones import community_timezone, community_today
from metrics.catalogue import Period, computing_together, kpis_in_order
from metrics.management.commands._dates import parse_day
from metrics.models import WINDOWS


class Command(BaseCommand):
    help = "Compute every KPI for a day (default: yesterday) and print it, for checking."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD, in the community's time zone")
        parser.add_argument("--window", type=int, choices=WINDOWS, default=30)
        parser.add_argument("--json", action="store_true", help="one JSON object")

    def handle(self, *args, **options):
        today = community_today()
        day = parse_day(options["date"], "--date") if options["date"] else today - timedelta(days=1)
        period = Period(day, options["window"], community_timezone())
        rows = []
        with computing_together():
            for kpi in kpis_in_order():
                result = kpi.compute(period)
                rows.append(
                    {
                        "key": kpi.key,
                        "name": kpi.name,
                        "unit": kpi.unit,
                        "value": result.value,
                        "numerator": result.numerator,
                        "denominator": result.denominator,
                    }
                )
        if options["json"]:
            payload = {"day": day.isoformat(), "window": period.window, "kpis": rows}
            self.stdout.write(json.dumps(payload, indent=2))
            return
        self.stdout.write(f"{day}, {period.window}-day window")
        for row in rows:
            value = "—" if row["value"] is None else f"{row['value']:g}"
            self.stdout.write(f"  {row['name']:<40} {value} {row['unit']}")
