"""``manage.py demo_data``: load the demo network and customers into an empty database."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from escalade.customers.models import Account
from escalade.demo.generator import ACCOUNTS_PER_SCALE, DEMO_PASSWORD, generate
from escalade.demo.support import build_routes, open_demo_incidents

DEMO_INCIDENTS = 120


class Command(BaseCommand):
    help = (
        "Load demo data: the support network (about 290 agents, demo logins) and "
        f"{ACCOUNTS_PER_SCALE:,} customer accounts per unit of --scale. Does nothing when "
        "the database already holds accounts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help=f"Multiply the customers: {ACCOUNTS_PER_SCALE:,} accounts and about "
            "20,000 contacts each (default 1; 50 makes a million contacts).",
        )
        parser.add_argument(
            "--accounts", type=int, help="Exact number of accounts (overrides --scale)."
        )
        parser.add_argument(
            "--seed", type=int, default=42, help="Random seed: same seed, same data (42)."
        )
        parser.add_argument("--quiet", action="store_true", help="No progress messages.")

    def handle(self, *args: Any, **options: Any) -> None:
        existing = Account.objects.count()
        if existing:
            # Safe to re-run: the README's first command must not fail the second time.
            self.stdout.write(f"Demo data already loaded ({existing:,} accounts); nothing done.")
            return
        if options["scale"] < 1:
            raise CommandError("--scale must be 1 or more.")
        accounts = options["accounts"]
        if accounts is None:
            accounts = options["scale"] * ACCOUNTS_PER_SCALE
        if accounts < 1:
            raise CommandError("--accounts must be 1 or more.")
        quiet = options["quiet"]
        summary = generate(
            accounts=accounts,
            seed=options["seed"],
            progress=None if quiet else lambda message: self.stderr.write(message),
        )
        build_routes()
        incidents = open_demo_incidents(count=min(DEMO_INCIDENTS, accounts), seed=options["seed"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded in {summary.seconds:.1f} s: {summary.accounts:,} accounts, "
                f"{summary.contacts:,} contacts, {summary.licences:,} licences, "
                f"{summary.contracts:,} contracts, {summary.agents:,} agents, "
                f"{incidents:,} incidents."
            )
        )
        logins = ", ".join(str(login) for login in summary.logins)
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}): {logins}")
