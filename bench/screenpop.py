"""Screen-pop latency: from the CTI event to the pop on the agent's WebSocket.

    .venv/bin/python bench/screenpop.py [--database sqlite|postgres] [--redis]
        [--workers N] [--agents 50] [--rate 50] [--seconds 20] [--accounts 500]
    .venv/bin/python bench/screenpop.py --both   # embedded, then PostgreSQL + Redis

Builds its own database (a SQLite file in var/bench/, or the PostgreSQL database
``escalade_bench_screenpop`` on 127.0.0.1) with the demo data, starts Daphne for
``escalade.asgi:application`` on 127.0.0.1 (the embedded default: one process, in-memory
channel layer; with ``--redis``: Redis at 127.0.0.1:6379 and ``--workers`` Daphne
processes sharing one listening socket, as in production), opens the console WebSockets
of K signed-in agents (``websockets`` library), then posts ``newCall`` events naming
those agents in turn through ``POST /api/cti/events`` at the given rate. The callers are
the demo customers' numbers, one in ten unknown. Per call: the CTI request's own latency
(the baseline: the pop cannot leave before the call is committed) and the time from
sending it to the pop arriving on the agent's socket; the server's CPU time per call.

Prints one JSON line on stdout (with ``--both``: one line holding ``embedded`` and
``postgres_redis``); progress goes to stderr, the server's log to
``var/bench/screenpop-server.log``.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TextIO

import websockets

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bench.common import ensure_postgres_database, log, pg_url  # noqa: E402 (after the path)

PG_DATABASE = "escalade_bench_screenpop"
PG_URL = pg_url(PG_DATABASE)
REDIS_URL = "redis://127.0.0.1:6379/0"
HOTLINE = "+33 1 70 36 00 00"
LATE = 10.0  # seconds after the last call a pop may still arrive
REQUEST_TIMEOUT = 15.0  # a CTI request slower than this counts as failed
SERVER_LOG = ROOT / "var" / "bench" / "screenpop-server.log"
UNKNOWN_SHARE = 0.1  # callers whose number no customer has


def configure(database: str, redis: bool, accounts: int) -> dict[str, str]:
    """The environment of this process and of the server; must run before django.setup()."""
    env = {
        # Another settings module may be named (a deployment's own): the server uses it too.
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "escalade.settings"),
        "ESCALADE_DEBUG": "0",
        "ESCALADE_SECRET_KEY": os.environ.get("ESCALADE_SECRET_KEY") or "bench-screenpop-" * 4,
        "ESCALADE_LOG_LEVEL": "ERROR",
    }
    if database == "postgres":
        ensure_postgres_database(PG_DATABASE)
        env["DATABASE_URL"] = PG_URL
    else:
        os.environ.pop("DATABASE_URL", None)
        path = ROOT / "var" / "bench" / f"screenpop-{accounts}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        env["ESCALADE_SQLITE_PATH"] = str(path)
    if redis:
        env["ESCALADE_REDIS_URL"] = REDIS_URL
    else:
        os.environ.pop("ESCALADE_REDIS_URL", None)
    os.environ.update(env)
    return env


def prepare(accounts: int, agents: int) -> tuple[str, list[tuple[str, str]], list[str]]:
    """Migrate, load the demo data once; a bridge token, K agents' session cookies and
    the customers' numbers the calls come from."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from escalade.core.actions import do_create_api_token
    from escalade.customers.models import Account, ContactPhone
    from escalade.demo.generator import generate
    from escalade.network.models import Agent

    call_command("migrate", verbosity=0)
    if not Account.objects.exists():
        log(f"Loading demo data: {accounts} accounts")
        generate(accounts=accounts, seed=1)
    admin = (
        User.objects.filter(is_superuser=True).first()
        or User.objects.filter(agent__role="administrator").first()
    )
    if admin is None:
        raise SystemExit("No administrator in the demo data.")
    _, token = do_create_api_token(actor=admin, user=admin, name="screenpop bench")
    chosen = list(
        Agent.objects.filter(is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("pk")[:agents]
    )
    if len(chosen) < agents:
        raise SystemExit(f"Only {len(chosen)} agents: lower --agents.")
    sessions = []
    for agent in chosen:
        client = Client()
        client.force_login(agent.user)
        sessions.append(
            (agent.user.get_username(), client.cookies[settings.SESSION_COOKIE_NAME].value)
        )
    numbers = list(ContactPhone.objects.order_by("pk").values_list("number", flat=True))
    if not numbers:
        raise SystemExit("No customer phone numbers in the demo data.")
    # The server opens its own connections; this process needs none while it measures.
    connections.close_all()
    return token, sessions, numbers


def listening_socket() -> socket.socket:
    """The port the server processes share (each Daphne adopts it with ``--fd``)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    listener.set_inheritable(True)
    return listener


def start_servers(
    env: dict[str, str], listener: socket.socket, workers: int, log_file: TextIO
) -> list[subprocess.Popen[bytes]]:
    """``workers`` Daphne processes accepting on the same socket; the kernel spreads the
    connections between them."""
    fd = listener.fileno()
    port = int(listener.getsockname()[1])
    servers = [
        subprocess.Popen(
            [
                str(Path(sys.executable).parent / "daphne"),
                "--fd",
                str(fd),
                "-v",
                "0",
                "escalade.asgi:application",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            pass_fds=[fd],
            stdout=log_file,
            stderr=log_file,
        )
        for _ in range(workers)
    ]
    # Ready when the port answers and every process has done importing the application
    # (its CPU time stops growing): a fresh connection may reach any of them.
    deadline = time.monotonic() + 60
    before = [cpu_seconds([server]) for server in servers]
    while time.monotonic() < deadline:
        if any(server.poll() is not None for server in servers):
            stop_servers(servers)
            raise SystemExit(f"Daphne stopped: see {SERVER_LOG}")
        time.sleep(0.5)
        now = [cpu_seconds([server]) for server in servers]
        settled = all(after - earlier < 0.05 for earlier, after in zip(before, now, strict=True))
        before = now
        if settled and _answers(port):
            return servers
    stop_servers(servers)
    raise SystemExit("Daphne did not start in 60 s.")


def _answers(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/api/docs")
        connection.getresponse().read()
        connection.close()
        return True
    except (OSError, http.client.HTTPException):
        return False


def stop_servers(servers: Sequence[subprocess.Popen[bytes]]) -> None:
    for server in servers:
        server.terminate()
    for server in servers:
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def cpu_seconds(servers: Sequence[subprocess.Popen[bytes]]) -> float:
    """User + system CPU time the server processes have used so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for server in servers:
        try:
            fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


class Poster:
    """One keep-alive HTTP connection per worker thread."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.local = threading.local()

    def post(self, body: dict[str, Any]) -> int:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT
            )
        try:
            connection.request("POST", "/api/cti/events", json.dumps(body), self.headers)
            response = connection.getresponse()
            response.read()
            return int(response.status)
        except (OSError, http.client.HTTPException):
            connection.close()
            self.local.connection = None
            return 0


async def measure(
    port: int,
    token: str,
    sessions: list[tuple[str, str]],
    numbers: list[str],
    rate: float,
    seconds: float,
    servers: Sequence[subprocess.Popen[bytes]],
) -> dict[str, Any]:
    from django.conf import settings

    sent: dict[str, float] = {}
    popped: dict[str, float] = {}
    cti_ms: list[float] = []
    statuses: Counter[int] = Counter()
    origin = f"http://127.0.0.1:{port}"

    async def listen(socket_: Any) -> None:
        async for raw in socket_:
            now = time.perf_counter()
            message = json.loads(raw)
            call = message.get("call") or {}
            if message.get("type") == "screen_pop" and call.get("state") == "alerting":
                popped.setdefault(str(call.get("call_id")), now)

    sockets = []
    for _, cookie in sessions:
        sockets.append(
            await websockets.connect(
                f"ws://127.0.0.1:{port}/ws/console/",
                additional_headers={
                    "Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}",
                    "Origin": origin,
                },
            )
        )
    listeners = [asyncio.create_task(listen(s)) for s in sockets]
    log(f"{len(sockets)} consoles connected; posting {rate:g} calls/s for {seconds:g} s")
    poster = Poster(port, token)
    loop = asyncio.get_running_loop()
    run = f"{int(time.time())}"
    draw = random.Random(1)

    async def burst(label: str, total: int, pool: ThreadPoolExecutor) -> float:
        """Post ``total`` calls at the rate; the seconds it took to offer them."""
        callers = [
            f"+3319{index:07d}" if draw.random() < UNKNOWN_SHARE else draw.choice(numbers)
            for index in range(total)
        ]

        async def one(index: int) -> None:
            call_id = f"bench-{run}-{label}-{index}"
            body = {
                "event": "newCall",
                "from": callers[index],
                "to": HOTLINE,
                "direction": "in",
                "callId": call_id,
                "user": [sessions[index % len(sessions)][0]],
            }
            start = time.perf_counter()
            sent[call_id] = start
            status = await loop.run_in_executor(pool, poster.post, body)
            statuses[status] += 1
            if status == 200:
                cti_ms.append((time.perf_counter() - start) * 1000)
            else:
                sent.pop(call_id, None)

        pending = []
        began = time.perf_counter()
        for index in range(total):
            delay = began + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            pending.append(asyncio.create_task(one(index)))
        await asyncio.gather(*pending)
        offered = time.perf_counter() - began
        deadline = time.perf_counter() + LATE
        while len(popped.keys() & sent.keys()) < len(sent) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        return offered

    total = int(rate * seconds)
    with ThreadPoolExecutor(max_workers=32) as pool:
        # One second unmeasured: a server that has just started compiles its templates,
        # opens its connections and fills its caches on the first calls.
        await burst("warm", max(1, int(rate)), pool)
        sent.clear()
        popped.clear()
        cti_ms.clear()
        statuses.clear()
        cpu_before = cpu_seconds(servers)
        offered_s = await burst("run", total, pool)
        cpu_used = cpu_seconds(servers) - cpu_before
    for task in listeners:
        task.cancel()
    for s in sockets:
        await s.close()
    pop_ms = [(popped[c] - sent[c]) * 1000 for c in sent if c in popped]
    return {
        "calls": len(sent),
        "failed": total - len(sent),
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
        "pops": len(pop_ms),
        "lost": len(sent) - len(pop_ms),
        "pop_p50_ms": percentile(pop_ms, 0.5),
        "pop_p99_ms": percentile(pop_ms, 0.99),
        "pop_max_ms": percentile(pop_ms, 1.0),
        "cti_p50_ms": percentile(cti_ms, 0.5),
        "cti_p99_ms": percentile(cti_ms, 0.99),
        "offered_s": round(offered_s, 2),
        # Server CPU per call: the CTI request and the pop's rendering and sending.
        "server_cpu_ms_per_call": round(cpu_used * 1000 / max(1, len(sent)), 2),
        "server_cpu_share": round(cpu_used / max(offered_s, 1e-9), 2),
    }


def both(args: argparse.Namespace) -> int:
    """Each setup in a process of its own (settings are read once per process)."""
    common = ["--agents", str(args.agents), "--rate", str(args.rate)]
    common += ["--seconds", str(args.seconds), "--accounts", str(args.accounts)]
    setups = {
        "embedded": [],
        "postgres_redis": ["--database", "postgres", "--redis"]
        + (["--workers", str(args.workers)] if args.workers else []),
    }
    line: dict[str, Any] = {"bench": "screenpop", "calls_per_s": args.rate}
    for name, extra in setups.items():
        log(f"--- {name}")
        done = subprocess.run(
            [sys.executable, __file__, *common, *extra],
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"The {name} run failed (exit {done.returncode}).")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        line[name] = {k: v for k, v in result.items() if k not in {"bench", "calls_per_s"}}
    print(json.dumps(line), flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--redis", action="store_true", help="Redis channel layer")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="Daphne processes (default: 1 on the in-memory layer, the CPU count with Redis)",
    )
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--rate", type=float, default=50.0, help="calls per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument(
        "--both",
        action="store_true",
        help="the embedded default, then PostgreSQL + Redis: one JSON line with both",
    )
    args = parser.parse_args(argv)
    if args.both:
        return both(args)
    workers = args.workers or ((os.cpu_count() or 1) if args.redis else 1)
    if workers > 1 and not args.redis:
        raise SystemExit("Several processes need the Redis channel layer: add --redis.")
    env = configure(args.database, args.redis, args.accounts)
    token, sessions, numbers = prepare(args.accounts, args.agents)
    listener = listening_socket()
    port = int(listener.getsockname()[1])
    SERVER_LOG.parent.mkdir(parents=True, exist_ok=True)
    with SERVER_LOG.open("w") as log_file:
        servers = start_servers(env, listener, workers, log_file)
        try:
            result = asyncio.run(
                measure(port, token, sessions, numbers, args.rate, args.seconds, servers)
            )
        finally:
            stop_servers(servers)
            listener.close()
    errors = SERVER_LOG.read_text(errors="replace").count("Traceback (most recent call last)")
    line = {
        "bench": "screenpop",
        "database": args.database,
        "channel_layer": "redis" if args.redis else "memory",
        "workers": workers,
        "calls_per_s": args.rate,
        **result,
        "server_errors": errors,
    }
    print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
