"""Customer lookup benchmark: who is calling, and their file, against hand-written SQL.

    .venv/bin/python bench/lookup.py [--database sqlite|postgres] [--scale 50] [--samples 2000]

Builds its own database (a SQLite file in var/bench/, or the PostgreSQL database
``escalade_bench`` on 127.0.0.1), loads the demo data at the scale once and reuses it,
then times what the console does when a call comes in: find the caller by phone or PID,
open the customer file. Each is compared with the fastest honest baseline on the same
data: the same rows fetched by hand-written, indexed SQL through a raw cursor.

Prints one JSON line on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import phonenumbers

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bench.common import disconnect, ensure_postgres_database, log, pg_url  # noqa: E402 (after the path)

PG_DATABASE = "escalade_bench"
PG_URL = pg_url(PG_DATABASE)
TARGETS = {"lookup_p99_ms": 5, "customer_file_p99_ms": 20}

Op = Callable[[Any], object]


# --- Database -----------------------------------------------------------------------------


def sqlite_path(scale: int) -> Path:
    return ROOT / "var" / "bench" / f"lookup-scale{scale}.sqlite3"


def configure(database: str, scale: int) -> None:
    """Point Django at the benchmark's own database; must run before django.setup()."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "escalade.settings"
    os.environ["ESCALADE_DEBUG"] = "0"  # DEBUG keeps every query in memory
    if database == "postgres":
        ensure_postgres_database(PG_DATABASE)
        os.environ["DATABASE_URL"] = PG_URL
    else:
        os.environ.pop("DATABASE_URL", None)
        path = sqlite_path(scale)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.environ["ESCALADE_SQLITE_PATH"] = str(path)


def prepare(database: str, scale: int, seed: int) -> None:
    """Migrate and load the demo data at the scale, unless it is already there."""
    from django.core.management import call_command
    from django.db import connection

    from escalade.customers.models import Account
    from escalade.demo.generator import ACCOUNTS_PER_SCALE, generate

    expected = scale * ACCOUNTS_PER_SCALE
    call_command("migrate", verbosity=0)
    present = Account.objects.count()
    if present == expected:
        log(f"Reusing the demo data in the database ({present:,} accounts)")
        return
    if present:
        # Another scale, or an interrupted load: start from an empty database.
        log(f"The database holds {present:,} accounts, not {expected:,}: recreating it")
        disconnect()
        if database == "postgres":
            ensure_postgres_database(PG_DATABASE, drop=True)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sqlite_path(scale)}{suffix}").unlink(missing_ok=True)
        call_command("migrate", verbosity=0)
    log(f"Loading demo data: {expected:,} accounts")
    summary = generate(accounts=expected, seed=seed, progress=log)
    log(f"Demo data loaded in {summary.seconds:.0f} s")
    # Fresh statistics, as autovacuum (PostgreSQL) or PRAGMA optimize (SQLite) would give.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- Samples ------------------------------------------------------------------------------


def draw(model: Any, field: str, count: int, rng: random.Random) -> list[Any]:
    """``count`` values of a column from random rows (ids are dense after a bulk load)."""
    ids = model.objects.order_by("pk").values_list("pk", flat=True)
    low, high = ids.first(), ids.last()
    if low is None or high is None or high - low + 1 < count:
        raise SystemExit(f"Not enough {model.__name__} rows for {count} samples: lower --samples.")
    values: dict[int, Any] = {}
    while len(values) < count:
        wanted = [rng.randint(low, high) for _ in range(count - len(values))]
        values.update(model.objects.filter(pk__in=wanted).values_list("pk", field))
    return list(values.values())[:count]


def national(e164: str) -> str:
    """How an agent types a number read from a screen: "01 42 68 53 00"."""
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


# --- Baselines: hand-written SQL ----------------------------------------------------------

PHONE_SQL = """
SELECT c.id, c.first_name, c.last_name, a.id, a.number, a.name
FROM customers_contactphone p
JOIN customers_contact c ON c.id = p.contact_id
JOIN customers_account a ON a.id = c.account_id
WHERE p.number = %s
"""
PID_SQL = """
SELECT l.pid, a.id, a.number, a.name
FROM customers_licence l JOIN customers_account a ON a.id = l.account_id
WHERE l.pid = %s
"""
FILE_SQL = (
    "SELECT id, number, name, kind, segment, country, language FROM customers_account "
    "WHERE id = %s",
    "SELECT id, first_name, last_name, language, job_title, is_active, user_id "
    "FROM customers_contact WHERE account_id = %s "
    "ORDER BY is_active DESC, last_name, first_name",
    "SELECT p.contact_id, p.number, p.kind FROM customers_contactphone p "
    "JOIN customers_contact c ON c.id = p.contact_id WHERE c.account_id = %s",
    "SELECT e.contact_id, e.address, e.is_primary FROM customers_contactemail e "
    "JOIN customers_contact c ON c.id = e.contact_id WHERE c.account_id = %s",
    "SELECT v.contact_id, v.question FROM customers_verificationanswer v "
    "JOIN customers_contact c ON c.id = v.contact_id WHERE c.account_id = %s",
    "SELECT c.id, c.number, c.starts_on, c.ends_on, c.cancelled_on, p.name, p.coverage, "
    "p.channels, k.time_zone, k.always_open, k.weekly_hours, k.holiday_country, o.name "
    "FROM contracts_contract c JOIN contracts_serviceplan p ON p.id = c.plan_id "
    "JOIN network_businesscalendar k ON k.id = p.calendar_id "
    "LEFT JOIN network_supportorganization o ON o.id = c.l1_partner_id "
    "WHERE c.account_id = %s ORDER BY c.ends_on DESC",
    "SELECT cp.contract_id, pr.id, pr.code, pr.name FROM contracts_contract_products cp "
    "JOIN contracts_contract c ON c.id = cp.contract_id "
    "JOIN customers_product pr ON pr.id = cp.product_id WHERE c.account_id = %s",
    "SELECT e.id, e.contract_id, e.name, e.allowance, e.period, e.counted_severities, "
    "e.excludes_bugs FROM contracts_entitlement e "
    "JOIN contracts_contract c ON c.id = e.contract_id WHERE c.account_id = %s",
    "SELECT x.id, x.entitlement_id, x.kind, x.quantity, x.occurred_at, x.refunds_id "
    "FROM contracts_entitlemententry x JOIN contracts_entitlement e ON e.id = x.entitlement_id "
    "JOIN contracts_contract c ON c.id = e.contract_id WHERE c.account_id = %s "
    "ORDER BY x.occurred_at",
    "SELECT l.pid, pr.code, pr.name, v.version, l.purchased_on FROM customers_licence l "
    "JOIN customers_product pr ON pr.id = l.product_id "
    "LEFT JOIN customers_productversion v ON v.id = l.version_id "
    "WHERE l.account_id = %s ORDER BY l.pid",
)


# --- Measuring ----------------------------------------------------------------------------


def percentile(sorted_ms: Sequence[float], share: float) -> float:
    """Nearest-rank percentile."""
    rank = max(1, math.ceil(share * len(sorted_ms)))
    return sorted_ms[rank - 1]


def measure(name: str, op: Op, samples: Sequence[Any], warmup: int) -> dict[str, float]:
    for sample in samples[:warmup]:
        op(sample)
    gc.collect()
    timings = []
    for sample in samples:
        started = time.perf_counter()
        op(sample)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    result = {
        "p50_ms": round(percentile(timings, 0.5), 3),
        "p99_ms": round(percentile(timings, 0.99), 3),
    }
    log(f"{name:20} p50 {result['p50_ms']:8.3f} ms   p99 {result['p99_ms']:8.3f} ms")
    return result


def profile(name: str, op: Op, sample: Any) -> None:
    """The SQL one call runs, with the database time of each statement (to the microsecond)."""
    from django.db import connection

    statements: list[tuple[float, str]] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append(((time.perf_counter() - started) * 1000, sql))

    op(sample)  # warm: the first call of each op fills caches
    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        op(sample)
    total = (time.perf_counter() - started) * 1000
    in_sql = sum(ms for ms, _sql in statements)
    log(f"--- {name}: {len(statements)} queries, {in_sql:.3f} ms in SQL of {total:.3f} ms")
    for ms, sql in statements:
        log(f"  {ms:7.3f} ms  {' '.join(sql.split())[:300]}")


def run(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    # Django's modules are imported once it is configured for the benchmark's database.
    from django.db import connection
    from django.utils import timezone

    from escalade.core.principal import Principal
    from escalade.core.roles import Role
    from escalade.customers import queries
    from escalade.customers.models import Account, Contact, ContactPhone, Licence
    from escalade.network.models import Agent

    prepare(args.database, args.scale, seed=42)
    agent = Agent.objects.select_related("user").get(user__username="agent")
    principal = Principal(
        user_id=agent.user_id,
        role=Role.INTERNAL_AGENT,
        organization_id=agent.organization_id,
        agent_id=agent.pk,
    )
    rng = random.Random(args.seed)
    warmup = max(50, args.samples // 10)
    total = args.samples + warmup
    phones = draw(ContactPhone, "number", total, rng)
    pids = draw(Licence, "pid", total, rng)
    account_ids = draw(Account, "pk", total, rng)
    phone_samples = [(national(number), number) for number in phones]
    now = timezone.now()

    def lookup_phone(sample: tuple[str, str]) -> object:
        matches = queries.by_phone(principal, sample[0])
        assert matches, sample  # a wrong answer fast is no answer
        return matches

    def lookup_pid(pid: str) -> object:
        # As typed by an agent: lower case, spaces around.
        matches = queries.by_pid(principal, f" {pid.lower()} ")
        assert matches, pid
        return matches

    def customer_file(account_id: int) -> object:
        found = queries.customer_file(principal, account_id, now=now)
        assert found is not None
        # Everything the console shows, so nothing lazy is left out of the time.
        shown: list[object] = [found.account.name]
        for contact in found.contacts:
            shown += [*contact.phones.all(), *contact.emails.all(), *contact.verifications.all()]
        for status in found.contracts:
            contract = status.contract
            shown += [contract.plan.name, contract.l1_partner, *contract.products.all()]
            shown += status.allowances
        for licence in found.licences:
            shown += [licence.product.name, licence.version]
        return shown

    def baseline_phone(sample: tuple[str, str]) -> object:
        with connection.cursor() as cursor:
            cursor.execute(PHONE_SQL, [sample[1]])
            rows = cursor.fetchall()
        assert rows, sample
        return rows

    def baseline_pid(pid: str) -> object:
        with connection.cursor() as cursor:
            cursor.execute(PID_SQL, [pid])
            rows = cursor.fetchall()
        assert rows, pid
        return rows

    def baseline_file(account_id: int) -> object:
        with connection.cursor() as cursor:
            results = []
            for sql in FILE_SQL:
                cursor.execute(sql, [account_id])
                results.append(cursor.fetchall())
        assert results[0], account_id
        return results

    plan: list[tuple[str, Op, Sequence[Any]]] = [
        ("lookup_phone", lookup_phone, phone_samples),
        ("baseline_phone_sql", baseline_phone, phone_samples),
        ("lookup_pid", lookup_pid, pids),
        ("baseline_pid_sql", baseline_pid, pids),
        ("customer_file", customer_file, account_ids),
        ("baseline_file_sql", baseline_file, account_ids),
    ]
    contacts = Contact.objects.count()
    accounts = Account.objects.count()
    log(f"Measuring on {args.database}: {accounts:,} accounts, {contacts:,} contacts")
    if args.profile:
        for name, op, samples in plan:
            profile(name, op, samples[0])
    ops = {name: measure(name, op, samples, warmup) for name, op, samples in plan}
    lookup_p99 = max(ops["lookup_phone"]["p99_ms"], ops["lookup_pid"]["p99_ms"])
    return {
        "bench": "lookup",
        "database": args.database,
        "contacts": contacts,
        "accounts": accounts,
        "samples": args.samples,
        "ops": ops,
        "targets": TARGETS,
        "met": {
            "lookup": lookup_p99 <= TARGETS["lookup_p99_ms"],
            "customer_file": ops["customer_file"]["p99_ms"] <= TARGETS["customer_file_p99_ms"],
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--scale", type=int, default=50, help="5,000 accounts, ~20,000 contacts each (50)."
    )
    parser.add_argument("--samples", type=int, default=2_000, help="Timed calls per op.")
    parser.add_argument("--seed", type=int, default=1, help="Seed for drawing the samples.")
    parser.add_argument(
        "--profile", action="store_true", help="Print each op's SQL and timings to stderr."
    )
    args = parser.parse_args(argv)
    if args.scale < 1 or args.samples < 1:
        parser.error("--scale and --samples must be 1 or more.")
    configure(args.database, args.scale)
    started = datetime.now()
    result = run(args)
    log(f"Done in {(datetime.now() - started).total_seconds():.0f} s")
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
