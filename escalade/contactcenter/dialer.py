"""Placing the outbound calls of callbacks: one small interface, adapters behind it.

When the ACD has reserved an agent for a callback, the ``acd`` poller asks the
configured ``Dialer`` to place the call: the PBX rings the agent and then the customer.
The built-in default is ``SimulatedDialer``, which only records what it was asked (the
demo, the tests, staffing what-ifs). A real adapter (a SIP proxy or PBX: Asterisk AMI,
a Kamailio dialog, a CTI bridge's click-to-dial URL) implements ``place_call`` and is
named in the setting ``ACD_DIALER`` (a dotted path to a class taking no arguments).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Protocol, cast

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from escalade.contactcenter.models import Callback
from escalade.network.models import Agent


class DialError(Exception):
    """The call could not be placed (the PBX refused it, the line is down…)."""


class Dialer(Protocol):
    def place_call(self, *, agent: Agent, number: str, callback: Callback) -> str:
        """Ring ``agent``, then dial ``number`` (E.164); return the PBX's reference.

        Raise ``DialError`` when the call cannot be placed: the callback is then failed
        and the agent freed.
        """
        ...


@dataclass(frozen=True, slots=True)
class PlacedCall:
    reference: str
    agent_id: int
    agent: str  # user name
    number: str
    callback_id: int
    at: datetime


class SimulatedDialer:
    """Records the calls it is asked to place (thread-safe); places none."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.placed: list[PlacedCall] = []
        self.failing = False  # tests: make the next calls fail

    def place_call(self, *, agent: Agent, number: str, callback: Callback) -> str:
        if self.failing:
            raise DialError("The simulated line is down.")
        with self._lock:
            reference = f"sim-{len(self.placed) + 1}"
            self.placed.append(
                PlacedCall(
                    reference=reference,
                    agent_id=agent.pk,
                    agent=agent.user.get_username(),
                    number=number,
                    callback_id=callback.pk,
                    at=timezone.now(),
                )
            )
        return reference

    def clear(self) -> None:
        with self._lock:
            self.placed.clear()
            self.failing = False


@cache
def get_dialer() -> Dialer:
    """The configured dialer (one per process)."""
    path = getattr(settings, "ACD_DIALER", "")
    if not path:
        return SimulatedDialer()
    return cast(Dialer, import_string(path)())
