"""Screen-pop latency: from the CTI event to the pop on the agent's WebSocket.

    .venv/bin/python bench/screenpop.py [--database sqlite|postgres] [--redis]
        [--agents 50] [--rate 50] [--seconds 20] [--accounts 500]

Builds its own database (a SQLite file in var/bench/, or the PostgreSQL database
``escalade_bench_screenpop`` on 127.0.0.1) with the demo data, starts Daphne for
``escalade.asgi:application`` on 127.0.0.1 in a subprocess (in-memory channel layer, or
Redis at 127.0.0.1:6379 with ``--redis``), opens the console WebSockets of K signed-in
agents (``websockets`` library), then posts ``newCall`` events naming those agents in
turn through ``POST /api/cti/events`` at the given rate. Per call: the CTI request's own
latency (the baseline) and the time from sending it to the pop arriving on the agent's
socket.

Prints one JSON line on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

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


def configure(database: str, redis: bool, accounts: int) -> dict[str, str]:
    """The environment of this process and of the server; must run before django.setup()."""
    env = {
        "DJANGO_SETTINGS_MODULE": "escalade.settings",
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


def prepare(accounts: int, agents: int) -> tuple[str, list[tuple[str, str]]]:
    """Migrate, load the demo data once; a bridge token and K agents' session cookies."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client

    from escalade.core.actions import do_create_api_token
    from escalade.customers.models import Account
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
    return token, sessions


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "daphne"),
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "escalade.asgi:application",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(
                f"Daphne stopped: {server.stderr.read().decode() if server.stderr else ''}"
            )
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("Daphne did not start in 30 s.")


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
        self.local: dict[int, http.client.HTTPConnection] = {}

    def post(self, body: dict[str, Any]) -> int:
        import threading

        key = threading.get_ident()
        connection = self.local.get(key)
        if connection is None:
            connection = self.local[key] = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT
            )
        try:
            connection.request("POST", "/api/cti/events", json.dumps(body), self.headers)
            response = connection.getresponse()
            response.read()
            return int(response.status)
        except (OSError, http.client.HTTPException):
            connection.close()
            self.local.pop(key, None)
            return 0


async def measure(
    port: int, token: str, sessions: list[tuple[str, str]], rate: float, seconds: float
) -> dict[str, Any]:
    from django.conf import settings

    sent: dict[str, float] = {}
    popped: dict[str, float] = {}
    cti_ms: list[float] = []
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
    total = int(rate * seconds)
    pending = []

    async def one(index: int) -> None:
        user = sessions[index % len(sessions)][0]
        call_id = f"bench-{run}-{index}"
        body = {
            "event": "newCall",
            "from": f"+3319{index:07d}",
            "to": HOTLINE,
            "direction": "in",
            "callId": call_id,
            "user": [user],
        }
        start = time.perf_counter()
        sent[call_id] = start
        status = await loop.run_in_executor(pool, poster.post, body)
        if status == 200:
            cti_ms.append((time.perf_counter() - start) * 1000)
        else:
            sent.pop(call_id, None)

    with ThreadPoolExecutor(max_workers=32) as pool:
        began = time.perf_counter()
        for index in range(total):
            delay = began + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            pending.append(asyncio.create_task(one(index)))
        await asyncio.gather(*pending)
        deadline = time.perf_counter() + LATE
        while len(popped.keys() & sent.keys()) < len(sent) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
    for task in listeners:
        task.cancel()
    for s in sockets:
        await s.close()
    pop_ms = [(popped[c] - sent[c]) * 1000 for c in sent if c in popped]
    return {
        "calls": len(sent),
        "failed": total - len(sent),
        "pop_p50_ms": percentile(pop_ms, 0.5),
        "pop_p99_ms": percentile(pop_ms, 0.99),
        "cti_p50_ms": percentile(cti_ms, 0.5),
        "cti_p99_ms": percentile(cti_ms, 0.99),
        "lost": len(sent) - len(pop_ms),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--redis", action="store_true", help="Redis channel layer")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--rate", type=float, default=50.0, help="calls per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--accounts", type=int, default=500)
    args = parser.parse_args(argv)
    env = configure(args.database, args.redis, args.accounts)
    token, sessions = prepare(args.accounts, args.agents)
    port = free_port()
    server = start_server(env, port)
    try:
        result = asyncio.run(measure(port, token, sessions, args.rate, args.seconds))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    line = {
        "bench": "screenpop",
        "database": args.database,
        "channel_layer": "redis" if args.redis else "memory",
        "calls_per_s": args.rate,
        **result,
    }
    print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
