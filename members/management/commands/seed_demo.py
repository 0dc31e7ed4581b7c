import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from community.exceptions import ApplicationError
from members.demo import (
    DEMO_DEFAULT_MEMBERS,
    DEMO_DEFAULT_SEED,
    demo_community_seed,
    member_accounts_exist,
)


class Command(BaseCommand):
    help = (
        "Fill a fresh database with the Acme demo community: branding, footer links, one "
        "log-in per role and generated members. Refuses a database that has accounts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--members",
            type=int,
            default=DEMO_DEFAULT_MEMBERS,
            help="How many members to generate besides the demo log-ins (default %(default)s).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEMO_DEFAULT_SEED,
            help="Random seed: the same seed gives the same members (default %(default)s).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has members (what `make seed` uses).",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not draw the progress bar."
        )

    def handle(self, *args, members: int, seed: int, if_empty: bool, no_progress: bool, **options):
        if members < 0:
            raise CommandError("--members must be zero or more.")
        if if_empty and member_accounts_exist():
            self.stdout.write("The database already has members; not seeding the demo community.")
            return
        started = time.monotonic()
        try:
            result = demo_community_seed(members=members, seed=seed, progress=not no_progress)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {result.community_name}: {len(result.accounts)} demo log-ins and "
                f"{result.members_created} members in {time.monotonic() - started:.1f}s."
            )
        )
