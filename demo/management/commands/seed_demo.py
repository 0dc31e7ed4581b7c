import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from community.exceptions import ApplicationError
from demo.forums import SCALES, demo_forums_create
from demo.library import demo_library_create
from demo.members import (
    DEMO_DEFAULT_MEMBERS,
    DEMO_DEFAULT_SEED,
    demo_community_seed,
    member_accounts_exist,
)
from demo.metrics import demo_metrics_backfill, demo_targets_create
from demo.plans import demo_plans_create
from demo.polls import demo_polls_create
from demo.tasks import demo_metrics_history
from members.services.trust import helpfulness_recompute

LARGE_MEMBERS = 100_000


class Command(BaseCommand):
    # The demo app's command: it composes every app's demo data, which is why it lives here.
    help = (
        "Fill a fresh database with the Acme demo community: branding, footer links, one "
        "log-in per role, generated members, groups, forum topics, polls and the content "
        "library. Refuses a database that has accounts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--members",
            type=int,
            default=None,
            help=(
                "How many members to generate besides the demo log-ins (default "
                f"{DEMO_DEFAULT_MEMBERS}, or {LARGE_MEMBERS:,} with --scale large)."
            ),
        )
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            default="demo",
            help=(
                "Forum size: 'demo' (about 150 topics) or 'large' (100,000 topics and "
                "1,000,000 posts, for benchmarks; several minutes on PostgreSQL)."
            ),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEMO_DEFAULT_SEED,
            help="Random seed: the same seed gives the same members (default %(default)s).",
        )
        parser.add_argument(
            "--history",
            choices=("background", "now", "none"),
            default="background",
            help="The dashboard's KPI history: computed by the Celery worker once it runs "
            "(default; inline when Celery runs tasks eagerly), now, or not at all.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has members (what `make seed` uses).",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not draw the progress bar."
        )

    def handle(
        self,
        *args,
        members: int | None,
        scale: str,
        seed: int,
        if_empty: bool,
        no_progress: bool,
        **options,
    ):
        if members is None:
            members = LARGE_MEMBERS if scale == "large" else DEMO_DEFAULT_MEMBERS
        if members < 0:
            raise CommandError("--members must be zero or more.")
        if if_empty and member_accounts_exist():
            self.stdout.write("The database already has members; not seeding the demo community.")
            return
        started = time.monotonic()
        try:
            with transaction.atomic():
                result = demo_community_seed(members=members, seed=seed, progress=not no_progress)
                members_done = time.monotonic()
                forums = demo_forums_create(
                    rng=random.Random(seed + 2),  # noqa: S311 - reproducible demo data
                    scale=scale,
                    progress=not no_progress,
                )
                # The directory's "most helpful" sort reads a stored score that the nightly
                # job refreshes; without this the seeded reactions and answers would not
                # show in it until the next night.
                helpfulness_recompute()
                forums_done = time.monotonic()
                polls = demo_polls_create(
                    rng=random.Random(seed + 3),  # noqa: S311 - reproducible demo data
                    progress=not no_progress,
                )
                polls_done = time.monotonic()
                library = demo_library_create(
                    rng=random.Random(seed + 4),  # noqa: S311 - reproducible demo data
                    progress=not no_progress,
                )
                library_done = time.monotonic()
                # Last: the KPIs read everything seeded above.
                demo_targets_create()
                history = self._history(options["history"], progress=not no_progress)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {result.community_name}: {len(result.accounts)} demo log-ins, "
                f"{result.members_created:,} members ({members_done - started:.1f}s), "
                f"{forums.topics:,} forum topics, {forums.posts:,} posts, "
                f"{forums.reactions:,} reactions, {forums.support_acts:,} forum support acts and "
                f"{forums.views:,} topic views "
                f"({forums_done - members_done:.1f}s), {len(polls.polls)} polls with "
                f"{polls.votes:,} votes ({polls_done - forums_done:.1f}s), "
                f"{library.collections} library collections of {library.resources} resources "
                f"({library.promoted} promoted from answered questions) "
                f"with {library.views:,} views, {library.downloads:,} downloads, "
                f"{library.reactions} reactions and {library.shares} shares "
                f"({library_done - polls_done:.1f}s), {history} "
                f"({time.monotonic() - library_done:.1f}s); "
                f"{time.monotonic() - started:.1f}s in all."
            )
        )

    def _history(self, how: str, *, progress: bool) -> str:
        if how == "none":
            return "no KPI history"
        if how == "now" or settings.CELERY_TASK_ALWAYS_EAGER:
            done = demo_metrics_backfill(progress=progress)
            demo_plans_create()
            return f"{done.snapshots:,} KPI snapshots over {done.days} days and two 90-day plans"
        # Queued once the seed commits; the worker beside the web server computes it.
        transaction.on_commit(demo_metrics_history.delay)
        return (
            "the KPI history and 90-day plans queued for the Celery worker (the dashboard "
            "fills in shortly)"
        )
