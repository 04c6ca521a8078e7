"""Routing decisions taken in memory, with the database as the truth.

Every process keeps one ``Router`` (``escalade.engines.acd``) in memory. Each decision
runs in one transaction that first takes the routing lock (PostgreSQL: an advisory
transaction lock; SQLite: the IMMEDIATE transaction already admits one writer), then
compares the ``RoutingVersion`` row with the token this process saw last: the same →
the router in memory is current; different → another process decided meanwhile (or a
decision was rolled back), and the router is rebuilt from the tables
(``Router.from_snapshot``). The decision applies the event to the router, routes, writes
back what changed (``Decision.persist``), sets a new token, and rings the chosen agents
through the telephony port, all in the same transaction. A router is also rebuilt when
it is older than ``ACD_ROUTER_MAX_AGE_SECONDS`` (60 s), so configuration changed
elsewhere (skills, queues) is picked up, and at midnight (calls handled per day).

Lock order, to stay free of deadlocks: the routing lock is always taken before any call
row is locked. Telephony takes it first (``routing_transaction``) when a CTI event may
reach the ACD, then locks its call.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from escalade.contactcenter.decision import Decision
from escalade.contactcenter.models import (
    Callback,
    CallbackStatus,
    ContactState,
    QueueRouting,
    RoutingVersion,
    WaitingContact,
)
from escalade.contactcenter.ports import call_control
from escalade.contactcenter.snapshot import (
    QueueSettings,
    load,
)
from escalade.customers.models import Account, Contact
from escalade.engines import acd
from escalade.network.models import Agent, Queue

logger = logging.getLogger("escalade.contactcenter")

# The PostgreSQL advisory lock serialising routing decisions ("ESCACD" in ASCII).
ROUTING_LOCK = 0x455343414344
PREMIER_PRIORITY = 10


class AcdRefused(Exception):
    """The request does not fit the current state (an agent on a call going available…): 409."""


class AcdInvalid(ValueError):
    """Bad input (a missing reason, an unknown target…): 422."""


class CallRef(Protocol):
    """What the ACD needs of a call (``telephony.Call`` has it)."""

    @property
    def pk(self) -> Any: ...

    @property
    def started_at(self) -> datetime: ...

    @property
    def account_id(self) -> int | None: ...

    @property
    def contact_id(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class Offer:
    """What became of a call offered to a queue."""

    contact: WaitingContact
    agent: Agent | None  # the agent now ringing, or None: the call waits
    expected_wait: float | None  # seconds, when it waits; None: nobody may take it now


def _max_age() -> float:
    return float(getattr(settings, "ACD_ROUTER_MAX_AGE_SECONDS", 60))


def take_routing_lock() -> None:
    """Serialise routing decisions across processes until the transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROUTING_LOCK])


@dataclass
class _Cache:
    token: str = ""
    router: acd.Router | None = None
    settings: dict[str, QueueSettings] | None = None
    built_at: float = 0.0
    day: Any = None


class RouterHost:
    """The router of one process and the decisions taken on it (module docstring)."""

    def __init__(self) -> None:
        self._cache = _Cache()
        self._mutex = threading.RLock()
        self._local = threading.local()
        self.rebuilds = 0  # how many times this process built its router from the tables

    # --- the process's router --------------------------------------------------------

    def forget(self) -> None:
        """Drop the router in memory: the next decision rebuilds it from the tables."""
        with self._mutex:
            self._cache = _Cache()

    @contextmanager
    def routing_transaction(self) -> Iterator[None]:
        """A transaction holding the routing lock: take it before locking any call row."""
        with transaction.atomic():
            take_routing_lock()
            yield

    def _version(self) -> RoutingVersion:
        version, _ = RoutingVersion.objects.get_or_create(pk=1)
        return version

    def _router(self, version: RoutingVersion, now: datetime) -> tuple[acd.Router, dict[str, Any]]:
        cache = self._cache
        today = timezone.localdate(now)
        fresh = (
            cache.router is not None
            and cache.settings is not None
            and version.token
            and cache.token == version.token
            and cache.day == today
            and time.monotonic() - cache.built_at < _max_age()
        )
        if fresh:
            assert cache.router is not None
            assert cache.settings is not None
            router, queue_settings = cache.router, cache.settings
        else:
            loaded = load(clock=version.clock, today=today)
            router = acd.Router.from_snapshot(loaded.snapshot)
            queue_settings = loaded.settings
            cache.built_at = time.monotonic()
            cache.day = today
            self.rebuilds += 1
        # In use: a failure before the decision ends leaves no router to reuse.
        cache.router, cache.settings, cache.token = None, None, ""
        return router, queue_settings

    def _keep(self, token: str, router: acd.Router, queue_settings: dict[str, Any]) -> None:
        self._cache.router, self._cache.settings, self._cache.token = (
            router,
            queue_settings,
            token,
        )

    @contextmanager
    def _decision(self, now: datetime) -> Iterator[Decision]:
        if getattr(self._local, "deciding", False):
            raise RuntimeError("A routing decision cannot start inside another one.")
        with transaction.atomic(), self._mutex:
            self._local.deciding = True
            try:
                take_routing_lock()
                version = self._version()
                router, queue_settings = self._router(version, now)
                decision = Decision(
                    router=router,
                    settings=queue_settings,
                    now=now,
                    today=timezone.localdate(now),
                )
                decision.advance()
                yield decision
                decision.route()
                decision.persist()
                decision.reserve_callbacks()
                token = self._bump(version, decision)
                self._keep(token, router, queue_settings)
                self._ring(decision)
            finally:
                self._local.deciding = False

    def _bump(self, version: RoutingVersion, decision: Decision) -> str:
        token = uuid.uuid4().hex
        due = [decision.router.next_event_at()]
        due.append(
            WaitingContact.objects.filter(state=ContactState.RINGING).aggregate(
                at=Min("ring_deadline")
            )["at"]
        )
        due.append(
            Callback.objects.filter(
                status=CallbackStatus.REQUESTED, contacts__isnull=True
            ).aggregate(at=Min("not_before"))["at"]
        )
        version.version += 1
        version.token = token
        version.clock = decision.router.clock
        version.next_event_at = min((at for at in due if at is not None), default=None)
        version.changed_at = decision.now
        version.save()
        return token

    def _ring(self, decision: Decision) -> None:
        control = call_control()
        for (call_id, withdrawn), agent_ids in decision.offers_to_stop().items():
            try:
                control.stop_ringing(
                    call_id=call_id, at=decision.now, agent_ids=agent_ids, withdrawn=withdrawn
                )
            except Exception:
                logger.exception("Could not stop the ringing of call %s.", call_id)
        rings = decision.calls_to_ring()
        agents = Agent.objects.select_related("user").in_bulk({agent for _, agent in rings})
        for call_id, agent_id in rings:
            try:
                control.ring(call_id=call_id, agent=agents[agent_id], at=decision.now)
            except Exception:
                logger.exception("Could not ring agent %s for call %s.", agent_id, call_id)

    @contextmanager
    def _reading(self) -> Iterator[tuple[acd.Router, datetime]]:
        """The current router, to read from without changing anything."""
        if getattr(self._local, "deciding", False):
            raise RuntimeError("Read the router outside a routing decision.")
        with transaction.atomic(), self._mutex:
            take_routing_lock()
            version = self._version()
            now = version.clock or timezone.now()
            router, queue_settings = self._router(version, now)
            # Reading at the router's own clock changes nothing; if time alone would change
            # something at that instant, the router is not kept (the next decision persists
            # the change).
            due = router.next_event_at()
            yield router, router.clock or now
            if due is None or due > (router.clock or now):
                self._keep(version.token, router, queue_settings)

    # --- callers ---------------------------------------------------------------------

    def caller_profile(
        self, *, account_id: int | None, contact_id: int | None, queue: Queue
    ) -> tuple[int, dict[str, int]]:
        """Priority (premier accounts first) and extra skills (the caller's language)."""
        account = Account.objects.filter(pk=account_id).first() if account_id else None
        contact = Contact.objects.filter(pk=contact_id).first() if contact_id else None
        priority = self.priority_of(account)
        language = (contact.language if contact else "") or (account.language if account else "")
        routing = QueueRouting.objects.filter(queue=queue).first()
        match = routing.match_language if routing is not None else True
        skills = {f"language:{language.strip().lower()}": 1} if match and language.strip() else {}
        return priority, skills

    @staticmethod
    def priority_of(account: Account | None) -> int:
        premier = int(getattr(settings, "ACD_PREMIER_PRIORITY", PREMIER_PRIORITY))
        return premier if account is not None and account.is_premier else 0
