"""What the ACD asks of the telephony layer, without importing it.

Telephony sits above the contact center (it calls the ACD when calls come and go), so
the ACD cannot import it. When a routing decision rings an agent for a call, the
service tells the registered ``CallControl``; ``escalade.telephony`` registers its
implementation (``do_call_alerting``, the screen pop) in its ``AppConfig.ready()``.
Without one, decisions are recorded and nothing rings.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # apps.py of telephony imports this module before the models load
    from escalade.network.models import Agent

logger = logging.getLogger("escalade.contactcenter")


class CallControl(Protocol):
    """Called inside the routing decision's transaction, after the ACD's rows are written."""

    def ring(self, *, call_id: int, agent: Agent, at: datetime) -> None:
        """Ring this agent for the call (and stop any agent rung for it before)."""

    def stop_ringing(
        self, *, call_id: int, at: datetime, agent_ids: Sequence[int], withdrawn: bool = False
    ) -> None:
        """Stop ringing these agents for the call, and tell their consoles.

        ``withdrawn``: the offer was taken back (another agent took the call, the
        consultation was cancelled); otherwise the agents did not answer in time.
        """


class NoCallControl:
    """The default before telephony registers: ringing is only logged."""

    def ring(self, *, call_id: int, agent: Agent, at: datetime) -> None:
        logger.info("No call control registered: call %s would ring agent %s.", call_id, agent.pk)

    def stop_ringing(
        self, *, call_id: int, at: datetime, agent_ids: Sequence[int], withdrawn: bool = False
    ) -> None:
        logger.info("No call control registered: call %s would stop ringing.", call_id)


_control: list[CallControl] = [NoCallControl()]


def register_call_control(control: CallControl) -> None:
    _control[0] = control


def call_control() -> CallControl:
    return _control[0]
