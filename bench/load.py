"""The benchmarks' load driver: client threads, tallies, and a lean HTTP/1.1 client.

The clients run on the machine they measure, so each request they send must cost them
as little CPU as possible: CPU they spend is taken from the server under test.
``http.client`` parses every response's headers with the email package; ``Connection``
reads just the status line, ``Content-Length`` (or chunks) and ``Connection: close``.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


class Connection:
    """One keep-alive HTTP/1.1 connection to a local server; reconnects when closed."""

    def __init__(self, host: str, port: int, *, timeout: float = 60.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._socket: socket.socket | None = None
        self._buffer = b""

    def request(self, method: str, path: str, body: bytes, headers: bytes) -> tuple[int, bytes]:
        """Send one request (``headers``: the extra header lines, CRLF-ended); status, body."""
        if self._socket is None:
            self._socket = socket.create_connection((self.host, self.port), timeout=self.timeout)
            self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._buffer = b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Length: {len(body)}\r\n"
        ).encode()
        try:
            self._socket.sendall(head + headers + b"\r\n" + body)
            return self._response()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _fill(self) -> None:
        assert self._socket is not None
        chunk = self._socket.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection mid-response")
        self._buffer += chunk

    def _line(self) -> bytes:
        while b"\r\n" not in self._buffer:
            self._fill()
        line, self._buffer = self._buffer.split(b"\r\n", 1)
        return line

    def _exactly(self, size: int) -> bytes:
        while len(self._buffer) < size:
            self._fill()
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def _response(self) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self._buffer:
            self._fill()
        head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        status_line, *lines = head.split(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        fields = {}
        for line in lines:
            name, _, value = line.partition(b":")
            fields[name.strip().lower()] = value.strip().lower()
        if b"content-length" in fields:
            body = self._exactly(int(fields[b"content-length"]))
        elif fields.get(b"transfer-encoding") == b"chunked":
            parts = []
            while size := int(self._line().split(b";")[0], 16):
                parts.append(self._exactly(size))
                self._line()
            while self._line():  # trailers, up to the empty line
                pass
            body = b"".join(parts)
        else:  # the body runs to the end of the connection
            assert self._socket is not None
            while chunk := self._socket.recv(65536):
                self._buffer += chunk
            body, self._buffer = self._buffer, b""
            fields[b"connection"] = b"close"
        if fields.get(b"connection") == b"close":
            self.close()  # sync workers close after each response: reconnect next time
        return status, body


def percentile(sorted_ms: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile, rounded; None without samples."""
    if not sorted_ms:
        return None
    rank = max(1, math.ceil(share * len(sorted_ms)))
    return round(sorted_ms[rank - 1], 2)


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    created: int = 0
    not_covered: int = 0
    errors: int = 0
    warmup_errors: int = 0
    samples: list[str] = field(default_factory=list)
    last_end: float = 0.0

    def merge(self, other: Tally) -> None:
        self.latencies_ms += other.latencies_ms
        self.created += other.created
        self.not_covered += other.not_covered
        self.errors += other.errors
        self.warmup_errors += other.warmup_errors
        self.samples += other.samples[: max(0, 5 - len(self.samples))]
        self.last_end = max(self.last_end, other.last_end)


def drive(
    clients: int,
    step: Callable[[Tally, Any], None],
    open_state: Callable[[int], Any],
    close_state: Callable[[Any], None],
    *,
    warmup: float,
    seconds: float,
    on_start: Callable[[], None] | None = None,
) -> tuple[Tally, float, float]:
    """Run ``step`` in ``clients`` threads: ``warmup`` uncounted, then ``seconds`` counted.

    Returns the merged tally, the measured wall time and the client process's CPU seconds.
    """
    ready = threading.Barrier(clients + 1)
    stop = threading.Event()
    tallies = [Tally() for _ in range(clients)]
    failures: list[BaseException] = []
    timing: dict[str, float] = {}

    def client(index: int) -> None:
        try:
            state = open_state(index)
        except BaseException as error:
            failures.append(error)
            ready.abort()
            return
        try:
            warm = Tally()
            ready.wait()
            while time.perf_counter() < timing["measure_from"] and not stop.is_set():
                step(warm, state)
            tally = tallies[index]
            while time.perf_counter() < timing["measure_to"] and not stop.is_set():
                step(tally, state)
            tally.last_end = time.perf_counter()
            tally.warmup_errors = warm.errors
            tally.samples = (warm.samples + tally.samples)[:5]
        except BaseException as error:  # reported by the main thread
            failures.append(error)
            stop.set()
        finally:
            close_state(state)

    threads = [
        threading.Thread(target=client, args=(i,), daemon=True, name=f"client-{i}")
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    timing["measure_from"] = started + warmup
    timing["measure_to"] = started + warmup + seconds
    try:
        ready.wait(timeout=60)
    except threading.BrokenBarrierError:
        stop.set()
        raise failures[0] if failures else RuntimeError("the clients did not start") from None
    while time.perf_counter() < timing["measure_from"]:
        time.sleep(0.001)
    cpu_before = time.process_time()
    if on_start is not None:
        on_start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)
    except BaseException:
        stop.set()
        raise
    cpu = time.process_time() - cpu_before
    if failures:
        raise failures[0]
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    wall = total.last_end - timing["measure_from"]
    return total, wall, cpu
