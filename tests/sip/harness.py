"""The real thing on loopback: Escalade over HTTP, Kamailio, and sipp phones.

* ``AsgiHttpServer`` serves Escalade's ASGI application over HTTP/1.1 on a free port of
  127.0.0.1, from the event loop the test's console sockets (channels' communicators)
  run in: a view the proxy calls sends its screen pop through the in-memory channel
  layer of that same loop, as with one Daphne process in production. (pytest-django's
  ``live_server`` is WSGI in a thread of its own, whose group sends would reach the
  consumers from a foreign event loop.)
* ``Kamailio`` runs ``deploy/kamailio/kamailio.cfg`` itself, with a generated header of
  defines (port, Escalade's URL, the token), in the foreground, logging to a file.
* ``Sipp`` runs one scenario of ``tests/sip/scenarios`` as a phone; every run is bounded
  by sipp's own ``-timeout`` and by the harness.

Everything listens on 127.0.0.1 only, on ports chosen free at run time; everything
started is stopped at the end, killed if it does not stop in time.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = Path(__file__).resolve().parent / "scenarios"
KAMAILIO_CFG = ROOT / "deploy" / "kamailio" / "kamailio.cfg"
LOOPBACK = "127.0.0.1"


class HarnessError(AssertionError):
    """Something of the SIP set-up failed: the message says what, with its logs."""


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A port of 127.0.0.1 free for this kind of socket (UDP by default) and for TCP."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as probe:
            probe.bind((LOOPBACK, 0))
            port = int(probe.getsockname()[1])
        other = socket.SOCK_STREAM if kind == socket.SOCK_DGRAM else socket.SOCK_DGRAM
        with socket.socket(socket.AF_INET, other) as second:
            try:
                second.bind((LOOPBACK, port))
            except OSError:
                continue
        return port
    raise HarnessError("No free port on 127.0.0.1.")


def tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return f"({path.name}: nothing written)"
    text = path.read_text(errors="replace").splitlines()
    return f"--- {path.name} (last {min(lines, len(text))} lines) ---\n" + "\n".join(text[-lines:])


# --- Escalade over HTTP, in the test's event loop --------------------------------------

Application = Callable[
    [dict[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]


@dataclass
class AsgiHttpServer:
    """A small HTTP/1.1 front end for an ASGI application (one request per connection)."""

    app: Application
    port: int = 0
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    _server: asyncio.AbstractServer | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, LOOPBACK, self.port or 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await asyncio.wait_for(self._server.wait_closed(), timeout=5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
            lines = head.decode("latin-1").split("\r\n")
            method, target, _version = lines[0].split(" ", 2)
            headers: list[tuple[bytes, bytes]] = []
            length = 0
            for line in lines[1:]:
                if not line:
                    continue
                name, _sep, value = line.partition(":")
                headers.append((name.strip().lower().encode(), value.strip().encode("latin-1")))
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            body = await asyncio.wait_for(reader.readexactly(length), timeout=10) if length else b""
            status = await self._call_app(method, target, headers, body, writer)
            self.requests.append((method, target, status))
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def _call_app(
        self,
        method: str,
        target: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        writer: asyncio.StreamWriter,
    ) -> int:
        path, _sep, query = target.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": unquote(path),
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "client": writer.get_extra_info("peername"),
            "server": (LOOPBACK, self.port),
        }
        sent = False
        finished = asyncio.Event()

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await finished.wait()
            return {"type": "http.disconnect"}

        status = 500
        response_headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                status = int(message["status"])
                response_headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    finished.set()

        await self.app(scope, receive, send)
        finished.set()
        payload = b"".join(chunks)
        out = [f"HTTP/1.1 {status} X".encode()]
        out += [
            name + b": " + value
            for name, value in response_headers
            if name.lower() not in (b"content-length", b"connection")
        ]
        out += [f"Content-Length: {len(payload)}".encode(), b"Connection: close", b"", b""]
        writer.write(b"\r\n".join(out) + payload)
        await writer.drain()
        return status


# --- Kamailio ----------------------------------------------------------------------


def sip_tools() -> dict[str, str]:
    """The binaries the end-to-end tests need, or an empty mapping naming what is missing."""
    found = {name: shutil.which(name) or "" for name in ("kamailio", "sipp")}
    return found


@dataclass
class Kamailio:
    workdir: Path
    escalade_url: str
    token: str
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.workdir / "kamailio.log"

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def config(self) -> Path:
        """The deployment's configuration, after a header of this run's defines."""
        header = "\n".join(
            [
                "#!KAMAILIO",
                "# Generated by tests/sip/harness.py for one test run.",
                f"#!define SIP_LISTEN udp:{LOOPBACK}:{self.port}",
                f'#!define ESCALADE_URL "{self.escalade_url}/api/sip"',
                f'#!define ESCALADE_TOKEN "{self.token}"',
                "#!define WORKERS 3",
                "#!define ESCALADE_TIMEOUT 5",
                "#!define RING_TIMEOUT 8000",
                "",
            ]
        )
        body = KAMAILIO_CFG.read_text().replace("#!KAMAILIO\n", "", 1)
        path = self.workdir / "kamailio.cfg"
        path.write_text(header + body)
        return path

    def check(self) -> None:
        config = self.config()
        result = subprocess.run(
            ["kamailio", "-c", "-f", str(config)], capture_output=True, timeout=30, check=False
        )
        if result.returncode != 0:
            raise HarnessError(
                "kamailio -c refuses the configuration:\n"
                + result.stderr.decode(errors="replace")[-3000:]
            )

    def start(self, *, ready_within: float = 15) -> None:
        self.port = self.port or free_port()
        config = self.config()
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    "kamailio",
                    "-DD",
                    "-E",
                    "-f",
                    str(config),
                    "-Y",
                    str(self.workdir),
                    "-m",
                    "48",
                    "-M",
                    "8",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HarnessError(f"Kamailio exited at start.\n{tail(self.log)}")
            if self.answers_options():
                return
            time.sleep(0.1)
        self.stop()
        raise HarnessError(
            f"Kamailio did not answer OPTIONS in {ready_within} s.\n{tail(self.log)}"
        )

    def answers_options(self) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((LOOPBACK, 0))
            probe.settimeout(0.3)
            port = probe.getsockname()[1]
            ping = (
                f"OPTIONS sip:{self.address} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {LOOPBACK}:{port};branch=z9hG4bK-ping{time.monotonic_ns()}\r\n"
                f"From: <sip:probe@{LOOPBACK}>;tag=probe\r\n"
                f"To: <sip:{self.address}>\r\n"
                f"Call-ID: probe-{time.monotonic_ns()}@{LOOPBACK}\r\n"
                "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            )
            probe.sendto(ping.encode(), (LOOPBACK, self.port))
            try:
                data = probe.recv(4096)
            except OSError:
                return False
            return data.startswith(b"SIP/2.0 200")

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# --- sipp phones -------------------------------------------------------------------


@dataclass
class Sipp:
    """One sipp phone playing one scenario against the proxy."""

    name: str
    scenario: str
    proxy: str
    workdir: Path
    port: int = 0
    service: str = "service"
    keys: dict[str, str] = field(default_factory=dict)
    pause_ms: int = 0
    timeout: int = 30
    process: subprocess.Popen[bytes] | None = None

    def _path(self, suffix: str) -> Path:
        return self.workdir / f"{self.name}.{suffix}"

    def allocate_port(self) -> int:
        self.port = self.port or free_port()
        return self.port

    def command(self) -> list[str]:
        self.allocate_port()
        command = [
            "sipp",
            self.proxy,
            "-sf",
            str(SCENARIOS / self.scenario),
            "-s",
            self.service,
            "-i",
            LOOPBACK,
            "-mi",
            LOOPBACK,
            "-p",
            str(self.port),
            "-m",
            "1",
            "-nostdin",
            "-timeout",
            f"{self.timeout}s",
            "-timeout_error",
            "-trace_msg",
            "-message_file",
            str(self._path("messages")),
            "-trace_err",
            "-error_file",
            str(self._path("errors")),
            "-trace_screen",
            "-screen_file",
            str(self._path("screen")),
            "-trace_logs",
            "-log_file",
            str(self._path("log")),
        ]
        if self.pause_ms:
            command += ["-d", str(self.pause_ms)]
        for key, value in self.keys.items():
            command += ["-key", key, value]
        return command

    def start(self) -> None:
        with self._path("out").open("wb") as out:
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def run(self) -> None:
        """Play the scenario to its end (bounded); a failure says what sipp saw."""
        self.start()
        self.wait()

    def finished(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def wait(self, timeout: float | None = None) -> None:
        assert self.process is not None
        try:
            code = self.process.wait(timeout=timeout if timeout is not None else self.timeout + 10)
        except subprocess.TimeoutExpired as exc:
            self.stop()
            message = f"sipp {self.name} did not finish in time.\n{self.report()}"
            raise HarnessError(message) from exc
        if code != 0:
            raise HarnessError(f"sipp {self.name} failed (exit {code}).\n{self.report()}")

    async def wait_async(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.finished():
            if time.monotonic() > deadline:
                self.stop()
                raise HarnessError(f"sipp {self.name} did not finish in time.\n{self.report()}")
            await asyncio.sleep(0.05)
        self.wait(timeout=1)

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def report(self) -> str:
        return "\n".join(
            tail(self._path(suffix), lines)
            for suffix, lines in (("errors", 30), ("out", 15), ("messages", 80))
        )
