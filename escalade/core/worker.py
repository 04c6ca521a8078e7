"""Background work on the database queue: pollers, their registry and the worker loop.

There is no broker: the domain tables are the queue (transactional outbox). An
action writes its due work (a webhook delivery, an SLA deadline) in its own
transaction, so the work exists exactly when the action committed; a poller
later claims the due rows and does the work. ``manage.py run_worker`` runs the
registered pollers; apps register theirs in ``AppConfig.ready()``.

Several workers may run at once. ``claim`` locks due rows so that two workers
never take the same row: ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; on
SQLite the project's ``IMMEDIATE`` transactions already admit one writer at a
time, so the transaction that claims is alone until it commits.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from django.db import connections, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

logger = logging.getLogger("escalade.worker")

M = TypeVar("M", bound=Model)


class Poller(ABC):
    """One kind of background work, done in batches of due items."""

    name: str
    # How long to wait after a batch that was not full.
    interval_seconds: float = 5.0
    # A batch this large means more may be due: the worker runs the poller again at once.
    batch_size: int = 50

    @abstractmethod
    def run_once(self, now: datetime) -> int:
        """Do one batch of the work due at ``now``; return how many items were handled.

        A failing item is recorded (and logged) by the poller, not raised: one bad
        item must not stop the others.
        """


_registry: dict[str, Poller] = {}


def register_poller(poller: Poller) -> None:
    """Add a poller to the worker; called from the owning app's ``AppConfig.ready()``."""
    name = getattr(poller, "name", "")
    if not name:
        raise ValueError("A poller needs a name.")
    known = _registry.get(name)
    # ready() may run twice (tests, autoreload); the same kind of poller again is harmless.
    if known is not None and type(known) is not type(poller):
        raise ValueError(f"Another poller is already registered as {name!r}.")
    _registry[name] = poller


def unregister_poller(name: str) -> None:
    _registry.pop(name, None)


def registered_pollers() -> list[Poller]:
    return list(_registry.values())


def claim(queryset: QuerySet[M], limit: int) -> list[M]:
    """Lock and return up to ``limit`` rows of ``queryset`` for this worker.

    Call it inside ``transaction.atomic()`` and mark the rows taken (a lease
    time, a status) before the transaction ends; the lock lasts until then.
    Rows another worker holds are skipped on PostgreSQL rather than waited for.
    """
    alias = queryset.db
    if not transaction.get_connection(alias).in_atomic_block:
        raise RuntimeError("claim() must run inside transaction.atomic().")
    features = connections[alias].features
    if features.has_select_for_update_skip_locked:
        # of=("self",) locks the claimed rows only, not the rows select_related joins
        # (else two workers would skip each other's rows that share an endpoint).
        of = ("self",) if features.has_select_for_update_of else ()
        queryset = queryset.select_for_update(skip_locked=True, of=of)
    else:
        # SQLite: ignored by Django; the IMMEDIATE transaction holds the write lock.
        queryset = queryset.select_for_update()
    return list(queryset[:limit])


def refresh_connections() -> None:
    """Drop broken or expired database connections between rounds (as Django does per request).

    A connection inside an atomic block is left alone: closing it would break the
    transaction (a test's, or a caller's).
    """
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()


class Worker:
    """Runs pollers: each when its interval has passed, again at once after a full batch."""

    def __init__(
        self,
        pollers: Sequence[Poller],
        *,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = timezone.now,
    ) -> None:
        self.pollers = list(pollers)
        self.clock = clock
        self.now = now
        self.stopping = threading.Event()
        self.failures = 0
        self._next_run = {poller.name: 0.0 for poller in self.pollers}

    def stop(self) -> None:
        """Ask the loop to end after the batch in progress (a signal handler calls this)."""
        self.stopping.set()

    def run_poller(self, poller: Poller) -> int:
        """One batch of one poller; an error is logged and counted, never raised."""
        try:
            handled = poller.run_once(self.now())
        except Exception:
            self.failures += 1
            logger.exception("Poller %s failed; it will run again after its interval.", poller.name)
            handled = 0
        finally:
            refresh_connections()
        if handled:
            logger.info("Poller %s handled %d item(s).", poller.name, handled)
        return handled

    def run_round(self) -> float:
        """Run the pollers that are due; return the seconds until the next one is."""
        for poller in self.pollers:
            if self.stopping.is_set():
                break
            if self.clock() < self._next_run[poller.name]:
                continue
            handled = self.run_poller(poller)
            full = handled >= max(poller.batch_size, 1)
            self._next_run[poller.name] = self.clock() + (0.0 if full else poller.interval_seconds)
        if not self._next_run:
            return 0.0
        return max(0.0, min(self._next_run.values()) - self.clock())

    def run_forever(self) -> None:
        refresh_connections()
        while not self.stopping.is_set():
            wait = self.run_round()
            if wait > 0:
                # An Event wait, not time.sleep: a stop request ends the nap at once.
                self.stopping.wait(wait)

    def run_each_once(self) -> dict[str, int]:
        refresh_connections()
        return {poller.name: self.run_poller(poller) for poller in self.pollers}


def select_pollers(names: Iterable[str] | None) -> list[Poller]:
    """The registered pollers, or only those named; an unknown name raises ``LookupError``."""
    pollers = registered_pollers()
    if not names:
        return pollers
    by_name = {poller.name: poller for poller in pollers}
    wanted = list(dict.fromkeys(names))
    unknown = [name for name in wanted if name not in by_name]
    if unknown:
        known = ", ".join(sorted(by_name)) or "none"
        raise LookupError(f"Unknown poller(s): {', '.join(unknown)} (registered: {known}).")
    return [by_name[name] for name in wanted]


__all__ = [
    "Poller",
    "Worker",
    "claim",
    "refresh_connections",
    "register_poller",
    "registered_pollers",
    "select_pollers",
    "unregister_poller",
]
