from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from demo.members import DEMO_ACCOUNTS, DEMO_PASSWORD
from members import roles
from members.models import User


class Command(BaseCommand):
    help = "Print the demo log-ins (made by seed_demo) and where to use them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where the site runs (default %(default)s).",
        )

    def handle(self, *args, base_url: str, **options):
        base_url = base_url.rstrip("/")
        try:
            present = set(
                User.objects.filter(
                    username__in=[account.username for account in DEMO_ACCOUNTS]
                ).values_list("username", flat=True)
            )
        except DatabaseError:
            # Not migrated yet, or no database at all: this command only informs, never fails.
            present = set()
        accounts = [account for account in DEMO_ACCOUNTS if account.username in present]
        if not accounts:
            self.stdout.write("No demo log-ins in this database yet: run make seed")
            return

        width = max(len(account.role) for account in accounts)
        lines = ["", f"Demo log-ins (password: {DEMO_PASSWORD})"]
        for account in accounts:
            line = f"  {account.role:<{width}}  {account.email}"
            if roles.COMMUNITY_MANAGERS in account.role_names:
                line += f"  (admin: {base_url}/admin/)"
            lines.append(line)
        lines += [f"  Open {base_url}/ and log in with an e-mail above.", ""]
        self.stdout.write("\n".join(lines))
