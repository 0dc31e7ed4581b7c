from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from community.timezones import community_today
from metrics.management.commands._dates import parse_day
from metrics.snapshots import days_between, snapshots_recompute

MAX_DAYS = 3 * 366


class Command(BaseCommand):
    help = (
        "Compute the KPI snapshots of every day from --from to --to (inclusive) again and "
        "replace what is stored: the explicit act that rewrites history."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="last", help="YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        first = parse_day(options["first"], "--from")
        last = (
            parse_day(options["last"], "--to")
            if options["last"]
            else community_today() - timedelta(days=1)
        )
        if last < first:
            raise CommandError(f"--to ({last}) is before --from ({first}).")
        days = days_between(first, last)
        if len(days) > MAX_DAYS:
            raise CommandError(f"At most {MAX_DAYS} days at a time; split the range.")
        written = 0
        for day in tqdm(days, unit="day", desc="Metrics", disable=options["no_progress"] or None):
            written += snapshots_recompute(day)
        self.stdout.write(f"{len(days)} days, {written} snapshots written.")
