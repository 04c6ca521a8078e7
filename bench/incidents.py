"""Incident intake benchmark: POST /api/incidents over real HTTP, against plain SQL inserts.

    .venv/bin/python bench/incidents.py [--database postgres|sqlite] [--clients 4]
        [--seconds 20] [--accounts 5000] [--workers 4] [--threads 1] [--profile]

Builds its own database (the PostgreSQL database ``escalade_bench_incidents`` on
127.0.0.1, or a SQLite file in var/bench/), loads the demo data once (network, routing
rules, ``--accounts`` accounts) and reuses it, creates an API token for the internal agent
"agent", then starts the application under gunicorn on a free local port, with production
settings (``ESCALADE_DEBUG`` unset), as a subprocess.

``--clients`` threads then open incidents through ``POST /api/incidents`` for
``--seconds`` (after a short warm-up that is not counted), each over its own lean
HTTP/1.1 connection (``bench/load.py``: the clients' CPU is the server's loss): a random
covered licence of a random account, one of the account's contacts, severity mostly 3-4,
channel email or web, identity verified. Requests are drawn against each contract's
remaining allowance, so "not covered" refusals stay rare.

Baseline, in the same run: the same number of threads inserting an equivalent row into
``incidents_incident`` with one plain ``INSERT`` per statement through a raw database
connection in autocommit, for the same duration. Then the SLA engine: ``bench/sla.py``'s
recomputation of 100,000 incidents' clocks.

Prints one JSON line on stdout; progress goes to stderr. The server is always stopped; the
database is kept for the next run (the baseline's rows are deleted, the incidents opened
through the API stay: reruns draw only on the allowance that is left).
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import importlib.metadata
import importlib.util
import json
import os
import pstats
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bench.common import disconnect, ensure_postgres_database, log, pg_url  # noqa: E402 (after the path)
from bench.load import Connection, Tally, drive, percentile  # noqa: E402

PG_DATABASE = "escalade_bench_incidents"
PG_URL = pg_url(PG_DATABASE)
TARGETS = {"incidents_per_s": 300, "p99_ms": 50, "sla_seconds": 5}
SLA_INCIDENTS = 100_000
WARMUP_SECONDS = 3.0
PERSONA = "agent"
# Mostly everyday requests: low severities are not counted by the "major incidents"
# allowance, so the run does not exhaust the customers' contracts.
SEVERITY_WEIGHTS = {1: 2, 2: 8, 3: 45, 4: 45}
CHANNELS = ("email", "web")  # not live channels: accepted outside business hours too
BASELINE_PREFIX = "SQL-"
INSERT_COLUMNS = (
    "number, title, description, account_id, contact_id, licence_id, product_id, contract_id, "
    "severity, channel, classification, status, queue_id, tier_id, owner_id, bug_reference, "
    "resolution_summary, coverage, coverage_note, closure, opened_by_organization_id, "
    "created_at, responded_at, resolved_at, sla_due_at, sla_check_at, sla_state"
)
DESCRIPTION = "Reported by the customer; logs attached to the email."


# --- Database -----------------------------------------------------------------------------


def sqlite_path(accounts: int) -> Path:
    return ROOT / "var" / "bench" / f"incidents-{accounts}.sqlite3"


def configure(database: str, accounts: int) -> None:
    """Point Django (here and in the server) at the benchmark's database; before setup()."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "escalade.settings"
    os.environ.pop("ESCALADE_DEBUG", None)  # production settings: DEBUG off
    if database == "postgres":
        ensure_postgres_database(PG_DATABASE)
        os.environ["DATABASE_URL"] = PG_URL
        os.environ.pop("ESCALADE_SQLITE_PATH", None)
    else:
        os.environ.pop("DATABASE_URL", None)
        path = sqlite_path(accounts)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.environ["ESCALADE_SQLITE_PATH"] = str(path)


def prepare(database: str, accounts: int, *, fresh: bool) -> None:
    """Migrate and load the demo data, unless the same number of accounts is there."""
    from django.core.management import call_command
    from django.db import connection

    from escalade.customers.models import Account

    call_command("migrate", verbosity=0)
    present = Account.objects.count()
    if present == accounts and not fresh:
        log(f"Reusing the demo data in the database ({present:,} accounts)")
        return
    if present:
        log(f"Recreating the database (it holds {present:,} accounts, {accounts:,} wanted)")
        disconnect()
        if database == "postgres":
            ensure_postgres_database(PG_DATABASE, drop=True)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sqlite_path(accounts)}{suffix}").unlink(missing_ok=True)
        call_command("migrate", verbosity=0)
    log(f"Loading demo data: {accounts:,} accounts")
    started = time.perf_counter()
    call_command("demo_data", accounts=accounts, quiet=True, stdout=sys.stderr)
    log(f"Demo data loaded in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- What the clients send ----------------------------------------------------------------


@dataclass(slots=True)
class Allowance:
    severities: frozenset[int]
    left: int


@dataclass(slots=True)
class Candidate:
    """An account with a contract covering some of its licences today."""

    account_id: int
    contract_id: int
    contacts: tuple[int, ...]
    licences: tuple[tuple[int, str, int], ...]  # id, PID, product id
    allowances: list[Allowance]  # counting entitlements, with the units left


@dataclass(frozen=True, slots=True)
class Intake:
    candidate: Candidate
    licence: tuple[int, str, int]
    contact_id: int
    severity: int
    channel: str
    title: str

    def body(self) -> bytes:
        """The JSON an integration posts: the caller is known, identity checked."""
        return json.dumps(
            {
                "account_id": self.candidate.account_id,
                "title": self.title,
                "description": DESCRIPTION,
                "severity": self.severity,
                "channel": self.channel,
                "contact_id": self.contact_id,
                "pid": self.licence[1],
                "identity_verified": True,
                "identity_method": "Known caller number",
            }
        ).encode()


def candidates(now: datetime) -> list[Candidate]:
    """Accounts whose current contract covers at least one of their licences."""
    from escalade.contracts.actions import remaining_for
    from escalade.contracts.models import Contract
    from escalade.customers.models import Contact, Licence

    # A day of margin on each side, whatever the plan's time zone.
    today = now.date()
    contracts = list(
        Contract.objects.filter(starts_on__lt=today, ends_on__gt=today, cancelled_on__isnull=True)
        .select_related("plan__calendar")
        .prefetch_related("products", "entitlements__entries")
    )
    by_account = {contract.account_id: contract for contract in contracts}
    contacts: dict[int, list[int]] = {}
    for contact_id, account_id in Contact.objects.filter(account_id__in=by_account).values_list(
        "pk", "account_id"
    ):
        contacts.setdefault(account_id, []).append(contact_id)
    licences: dict[int, list[tuple[int, str, int]]] = {}
    for licence_id, account_id, pid, product_id in Licence.objects.filter(
        account_id__in=by_account
    ).values_list("pk", "account_id", "pid", "product_id"):
        licences.setdefault(account_id, []).append((licence_id, pid, product_id))
    found = []
    for account_id, contract in by_account.items():
        covered = {product.pk for product in contract.products.all()}
        held = tuple(lic for lic in licences.get(account_id, ()) if lic[2] in covered)
        if not held or not contacts.get(account_id):
            continue
        allowances = [
            Allowance(
                severities=frozenset(entitlement.counted_severities),
                left=remaining_for(entitlement, now=now).remaining,
            )
            for entitlement in contract.entitlements.all()
        ]
        found.append(
            Candidate(
                account_id=account_id,
                contract_id=contract.pk,
                contacts=tuple(contacts[account_id]),
                licences=held,
                allowances=allowances,
            )
        )
    found.sort(key=lambda candidate: candidate.account_id)
    return found


class Intakes:
    """Draws realistic intakes, shared by the client threads.

    Each request is charged to the allowances it will consume, so an account whose
    allowance is used up is not picked again for a counted severity.
    """

    def __init__(self, pool: Sequence[Candidate], seed: int) -> None:
        from escalade.demo.support import PROBLEMS

        self._pool = pool
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._titles = [title for title, _severity in PROBLEMS]
        self._severities = list(SEVERITY_WEIGHTS)
        self._weights = list(SEVERITY_WEIGHTS.values())
        self.overdrawn = 0  # requests sent although no allowance was left for them

    def next(self) -> Intake:
        with self._lock:
            rng = self._rng
            severity = rng.choices(self._severities, self._weights)[0]
            for _attempt in range(50):
                candidate = rng.choice(self._pool)
                counted = [a for a in candidate.allowances if severity in a.severities]
                if all(a.left > 0 for a in counted):
                    break
            else:
                self.overdrawn += 1
            for allowance in counted:
                allowance.left -= 1
            return Intake(
                candidate=candidate,
                licence=rng.choice(candidate.licences),
                contact_id=rng.choice(candidate.contacts),
                severity=severity,
                channel=rng.choice(CHANNELS),
                title=rng.choice(self._titles),
            )


def create_token() -> tuple[Any, str]:
    from django.contrib.auth import get_user_model

    from escalade.core.actions import do_create_api_token

    user = get_user_model().objects.get(username=PERSONA)
    return do_create_api_token(actor=None, user=user, name="bench/incidents.py")


# --- The server ---------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    workers: int
    threads: int

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # graceful: gunicorn waits for its workers
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def gunicorn_command(fd: int, workers: int, threads: int) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "escalade.wsgi:application",
        f"--bind=fd://{fd}",
        f"--workers={workers}",
        f"--threads={threads}",  # more than 1: the gthread worker
        "--log-level=warning",
        f"--chdir={ROOT}",
    ]
    version = tuple(int(part) for part in importlib.metadata.version("gunicorn").split(".")[:2])
    if version >= (25, 1):
        command.append("--no-control-socket")  # else it creates ~/.gunicorn/gunicorn.ctl
    return command


def start_server(workers: int, threads: int) -> Server:
    """gunicorn on a free port of 127.0.0.1: the socket is bound here and handed over."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    try:
        process = subprocess.Popen(
            gunicorn_command(listener.fileno(), workers, threads),
            pass_fds=(listener.fileno(),),
            env=dict(os.environ),
            stdout=sys.stderr,
            cwd=ROOT,
        )
    finally:
        listener.close()  # the server holds its own copy
    server = Server(process=process, port=port, workers=workers, threads=threads)
    try:
        wait_until_up(server)
    except BaseException:
        server.stop()
        raise
    return server


def wait_until_up(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {server.process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            connection.request("GET", "/api/openapi.json")
            connection.getresponse().read()
            connection.close()
        except OSError:
            time.sleep(0.1)
            continue
        log(
            f"gunicorn up on 127.0.0.1:{server.port} (pid {server.process.pid}, "
            f"{server.workers} workers × {server.threads} threads)"
        )
        return
    raise RuntimeError("gunicorn did not answer within a minute")


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds of these processes (Linux; 0 elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def backends() -> list[int]:
    """PostgreSQL backends serving the benchmark's database (their title names it)."""
    found = []
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if title.startswith(b"postgres:") and f" {PG_DATABASE} ".encode() in title:
            found.append(int(entry.name))
    return found


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot (Linux; zeros elsewhere)."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return float(sum(values) - idle), float(sum(values))


# --- Load ---------------------------------------------------------------------------------


def http_step(intakes: Intakes, token: str) -> Callable[[Tally, Any], None]:
    headers = f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n".encode()

    def step(tally: Tally, connection: Connection) -> None:
        body = intakes.next().body()
        started = time.perf_counter()
        try:
            status, data = connection.request("POST", "/api/incidents", body, headers)
        except (OSError, ValueError) as error:
            tally.errors += 1  # the connection is closed: the next request reconnects
            if len(tally.samples) < 5:
                tally.samples.append(f"{type(error).__name__}: {error}")
            return
        tally.latencies_ms.append((time.perf_counter() - started) * 1000)
        if status == 201:
            tally.created += 1
        elif status == 422 and b'"reasons"' in data:
            tally.not_covered += 1
        else:
            tally.errors += 1
            if len(tally.samples) < 5:
                tally.samples.append(f"HTTP {status}: {data[:500]!r}")

    return step


def summarize(name: str, tally: Tally, wall: float, count: int) -> dict[str, Any]:
    tally.latencies_ms.sort()
    result = {
        "incidents_per_s": round(count / wall, 1) if wall > 0 else 0.0,
        "p50_ms": percentile(tally.latencies_ms, 0.5),
        "p99_ms": percentile(tally.latencies_ms, 0.99),
    }
    log(
        f"{name:12} {result['incidents_per_s']:8.1f} incidents/s   "
        f"p50 {result['p50_ms']} ms   p99 {result['p99_ms']} ms   "
        f"({len(tally.latencies_ms):,} requests in {wall:.1f} s)"
    )
    return result


def measure_http(
    args: argparse.Namespace, server: Server, token: str, intakes: Intakes
) -> dict[str, Any]:
    step = http_step(intakes, token)

    def open_connection(_index: int) -> Connection:
        return Connection("127.0.0.1", server.port, timeout=60)

    def close_connection(connection: Connection) -> None:
        connection.close()

    server_pids = [server.process.pid, *children(server.process.pid)]
    snapshots: list[tuple[float, float, float, float]] = []

    def snapshot() -> None:
        busy, total = machine_busy()
        snapshots.append((cpu_seconds(server_pids), cpu_seconds(backends()), busy, total))

    log(f"HTTP: {args.clients} clients, {WARMUP_SECONDS:.0f} s warm-up, {args.seconds} s timed")
    tally, wall, client_cpu = drive(
        args.clients,
        step,
        open_connection,
        close_connection,
        warmup=WARMUP_SECONDS,
        seconds=args.seconds,
        on_start=snapshot,
    )
    snapshot()
    for sample in tally.samples:
        log(f"  error: {sample}")
    answered = tally.created + tally.not_covered
    result: dict[str, Any] = summarize("http", tally, wall, tally.created)
    result["not_covered_share"] = round(tally.not_covered / answered, 4) if answered else 0.0
    result["errors"] = tally.errors
    # Where the machine's CPU went, per request answered (Linux /proc; 0 elsewhere).
    (server_0, db_0, busy_0, total_0), (server_1, db_1, busy_1, total_1) = snapshots
    requests = max(1, len(tally.latencies_ms))
    result["client_cpu_share"] = round(client_cpu / wall, 3) if wall > 0 else 0.0
    result["server_cpu_ms"] = round((server_1 - server_0) * 1000 / requests, 2)
    postgres = args.database == "postgres"
    result["database_cpu_ms"] = round((db_1 - db_0) * 1000 / requests, 2) if postgres else None
    machine = (busy_1 - busy_0) / (total_1 - total_0) if total_1 > total_0 else 0.0
    # Other programs on the machine take CPU from the server: say how busy it was.
    result["load_average"] = round(os.getloadavg()[0], 2)
    database_cpu = f"{result['database_cpu_ms']} ms" if postgres else "n/a (SQLite runs in it)"
    log(
        f"  created {tally.created:,}, not covered {tally.not_covered:,}, errors "
        f"{tally.errors:,} (in the warm-up: {tally.warmup_errors:,}); drawn without allowance "
        f"left: {intakes.overdrawn:,}\n"
        f"  CPU per request: server {result['server_cpu_ms']} ms, database backends "
        f"{database_cpu}; client {result['client_cpu_share']:.0%} of one core; "
        f"all cores busy {machine:.0%}; load average {result['load_average']}"
    )
    if intakes.overdrawn:
        log("  The demo contracts' allowances are running out: rerun with --fresh.")
    return result


# --- Baseline: plain INSERTs --------------------------------------------------------------


def measure_baseline(args: argparse.Namespace, intakes: Intakes, fixed: dict[str, int]) -> Any:
    postgres = args.database == "postgres"
    marks = ", ".join(["%s" if postgres else "?"] * len(INSERT_COLUMNS.split(",")))
    sql = f"INSERT INTO incidents_incident ({INSERT_COLUMNS}) VALUES ({marks})"
    serial = iter(range(1, 10**9))
    serial_lock = threading.Lock()

    def stamp(at: datetime) -> datetime | str:
        # As Django stores it: an aware datetime, or naive UTC text in SQLite.
        return at if postgres else str(at.replace(tzinfo=None))

    def open_connection(_index: int) -> Any:
        if postgres:
            return psycopg.connect(PG_URL, autocommit=True)
        connection = sqlite3.connect(sqlite_path(args.accounts), timeout=20, isolation_level=None)
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    def close_connection(connection: Any) -> None:
        connection.close()

    def step(tally: Tally, connection: Any) -> None:
        intake = intakes.next()
        with serial_lock:
            number = f"{BASELINE_PREFIX}{next(serial):09d}"
        now = datetime.now(UTC)
        row = (
            number,
            intake.title,
            DESCRIPTION,
            intake.candidate.account_id,
            intake.contact_id,
            intake.licence[0],
            intake.licence[2],
            intake.candidate.contract_id,
            intake.severity,
            intake.channel,
            "unclassified",
            "new",
            fixed["queue_id"],
            fixed["tier_id"],
            None,
            "",
            "",
            "entitled",
            "",
            "",
            fixed["organization_id"],
            stamp(now),
            None,
            None,
            stamp(now + timedelta(hours=4)),
            stamp(now + timedelta(hours=3)),
            "ok",
        )
        started = time.perf_counter()
        connection.execute(sql, row)
        tally.latencies_ms.append((time.perf_counter() - started) * 1000)
        tally.created += 1

    log(f"Baseline: {args.clients} threads of plain INSERTs, {args.seconds} s timed")
    tally, wall, _cpu = drive(
        args.clients,
        step,
        open_connection,
        close_connection,
        warmup=1.0,
        seconds=args.seconds,
    )
    result = summarize("baseline_sql", tally, wall, tally.created)
    delete_baseline_rows(args)
    return result


def delete_baseline_rows(args: argparse.Namespace) -> None:
    """The baseline's rows are not incidents of the demo: remove them for the next run."""
    pattern = f"{BASELINE_PREFIX}%"
    if args.database == "postgres":
        with psycopg.connect(PG_URL, autocommit=True) as connection:
            connection.execute("DELETE FROM incidents_incident WHERE number LIKE %s", [pattern])
    else:
        lite = sqlite3.connect(sqlite_path(args.accounts), timeout=20, isolation_level=None)
        try:
            lite.execute("DELETE FROM incidents_incident WHERE number LIKE ?", [pattern])
        finally:
            lite.close()


def baseline_constants() -> dict[str, int]:
    """A first-tier queue and the agent's organisation, as the API's rows get."""
    from escalade.incidents.routing import first_tier
    from escalade.network.models import Agent, Queue

    tier = first_tier()
    queue = Queue.objects.filter(tier=tier).order_by("pk").first()
    if queue is None:
        raise SystemExit("No first-tier queue in the demo data.")
    agent = Agent.objects.get(user__username=PERSONA)
    return {"queue_id": queue.pk, "tier_id": tier.pk, "organization_id": agent.organization_id}


# --- Profile (in process) -----------------------------------------------------------------


def caller() -> str:
    """The innermost function of Escalade on the stack: who asked for this query."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if f"{os.sep}escalade{os.sep}" in name and f"{os.sep}.venv{os.sep}" not in name:
            return f"{name.rsplit(f'{os.sep}escalade{os.sep}', 1)[1]}:{frame.f_code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]
    return "(outside escalade)"


def profile(token: str, intakes: Intakes, requests: int = 200) -> None:
    """Where an intake's time goes, in this process: Django's test client, same stack as served.

    Prints the queries per request grouped by the Escalade function that made them (with
    their time in the database driver), then the cProfile of ``requests`` intakes.
    """
    from django.db import connection
    from django.test import Client

    client = Client()
    headers = {"Authorization": f"Bearer {token}"}

    def post() -> None:
        body = intakes.next().body()
        response = client.post("/api/incidents", body, "application/json", headers=headers)
        if response.status_code != 201:
            log(f"  profile: HTTP {response.status_code} {response.content[:300]!r}")

    for _ in range(20):
        post()  # warm the caches, as the server's warm-up does
    groups: dict[str, list[float]] = {}

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - started) * 1000
            groups.setdefault(caller(), []).append(ms)

    sampled = 50
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(timed):
        for _ in range(sampled):
            post()
    wall = (time.perf_counter() - started) * 1000 / sampled
    cpu = (time.process_time() - cpu) * 1000 / sampled
    count = sum(len(times) for times in groups.values()) / sampled
    in_sql = sum(sum(times) for times in groups.values()) / sampled
    log(
        f"--- one intake: {wall:.2f} ms ({cpu:.2f} ms CPU here), {count:.1f} queries, "
        f"{in_sql:.2f} ms of it in the database driver; queries by caller:"
    )
    for name, times in sorted(groups.items(), key=lambda item: -sum(item[1])):
        log(f"  {len(times) / sampled:5.1f} queries {sum(times) / sampled:7.2f} ms  {name}")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        post()
    profiler.disable()
    log(f"--- cProfile of {requests} intakes, by cumulative time")
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)


def sla_engine() -> Callable[[int], dict[str, object]]:
    """``run`` of bench/sla.py, imported by path (bench/ is a folder of scripts)."""
    spec = importlib.util.spec_from_file_location("bench_sla", ROOT / "bench" / "sla.py")
    if spec is None or spec.loader is None:
        raise ImportError("bench/sla.py not found")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    run: Callable[[int], dict[str, object]] = module.run
    return run


# --- Run ----------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from escalade.core.actions import do_revoke_api_token

    prepare(args.database, args.accounts, fresh=args.fresh)
    now = timezone.now()
    pool = candidates(now)
    if not pool:
        raise SystemExit("No account with a contract covering a licence today.")
    left = sum(a.left for c in pool for a in c.allowances)
    log(f"{len(pool):,} covered accounts to draw from ({left:,} counted units left)")
    intakes = Intakes(pool, seed=args.seed)
    fixed = baseline_constants()
    token, raw = create_token()
    connection.close()  # not held open while the server and the baseline run
    try:
        if args.profile:
            profile(raw, intakes)
            connection.close()
        server = start_server(args.workers, args.threads)
        try:
            http = measure_http(args, server, raw, intakes)
        finally:
            server.stop()
            log("gunicorn stopped")
        baseline = measure_baseline(args, intakes, fixed)
    finally:
        do_revoke_api_token(actor=None, token=token)
        connection.close()
    log(f"SLA engine: {SLA_INCIDENTS:,} incidents' clocks")
    sla = sla_engine()(SLA_INCIDENTS)
    sla_seconds = float(str(sla["seconds"]))
    log(f"sla_engine   {sla_seconds:.2f} s")
    return {
        "bench": "incidents",
        "database": args.database,
        "clients": args.clients,
        "seconds": args.seconds,
        "server": {"workers": args.workers, "threads": args.threads, "cores": os.cpu_count()},
        "http": http,
        "baseline_sql": baseline,
        "sla_engine": {"incidents": SLA_INCIDENTS, "seconds": sla_seconds},
        "targets": TARGETS,
        "met": {
            "throughput": http["incidents_per_s"] >= TARGETS["incidents_per_s"],
            "p99": http["p99_ms"] is not None and http["p99_ms"] <= TARGETS["p99_ms"],
            "sla": sla_seconds <= TARGETS["sla_seconds"],
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--clients", type=int, default=4, help="Concurrent client threads (4).")
    parser.add_argument("--seconds", type=float, default=20, help="Timed seconds per part (20).")
    parser.add_argument("--accounts", type=int, default=5_000, help="Demo accounts (5,000).")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 2), help="gunicorn workers."
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="Threads per worker (1: sync worker)."
    )
    parser.add_argument("--seed", type=int, default=1, help="Seed for drawing the requests.")
    parser.add_argument(
        "--fresh", action="store_true", help="Recreate the database and reload the demo data."
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="First profile intakes in process (queries, cProfile) on stderr.",
    )
    args = parser.parse_args(argv)
    if min(args.clients, args.accounts, args.workers, args.threads) < 1 or args.seconds <= 0:
        parser.error("--clients, --accounts, --workers, --threads and --seconds must be positive.")
    # A plain `kill` unwinds like Ctrl-C, so the server is stopped and the token revoked.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    configure(args.database, args.accounts)
    started = time.perf_counter()
    result = run(args)
    log(f"Done in {time.perf_counter() - started:.0f} s")
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
