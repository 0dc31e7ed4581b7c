from django.core.management.base import BaseCommand

from metrics.management.commands._dates import parse_day
from metrics.snapshots import snapshot_day


class Command(BaseCommand):
    help = (
        "Store the KPI snapshots of one day (default: yesterday), as the nightly job does. "
        "Idempotent: rows already stored are kept as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD, in the community's time zone")

    def handle(self, *args, **options):
        day = parse_day(options["date"], "--date") if options["date"] else None
        result = snapshot_day(day)
        self.stdout.write(
            f"{result.day}: {result.written} snapshots stored, {result.kept} already there."
        )
