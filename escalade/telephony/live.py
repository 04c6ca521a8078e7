"""Live call events for the agents' consoles, over the channel layer.

Actions call ``announce`` inside their transaction; the message leaves after the commit
(``transaction.on_commit``), so a console never pops a call that was rolled back. The
message carries the call's facts only; each console's consumer renders the pop with its
own agent's scope, language and time zone (``escalade.telephony.pop``).

The channel layer is in memory by default (one ASGI process: ``runserver`` with Daphne,
or ``daphne``); ``ESCALADE_REDIS_URL`` switches to Redis, so that events posted to any
web or worker process reach consoles connected to any other.
"""

import asyncio
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from escalade.telephony.models import Call

logger = logging.getLogger("escalade.telephony")

# The consumer method that handles call events ("call.event" → call_event).
CALL_EVENT = "call.event"
# Seconds a thread waits for the server's loop to take its event.
SEND_TIMEOUT = 10


def agent_group(agent_id: int) -> str:
    return f"agent-{agent_id}"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def call_facts(call: Call) -> dict[str, Any]:
    """What a console needs to show a call; JSON, no objects (it crosses Redis)."""
    contact = call.contact
    agent = call.agent
    return {
        "id": call.pk,
        "external_id": call.external_id,
        "direction": call.direction,
        "state": call.state,
        "number": call.from_number if call.direction == "in" else call.to_number,
        "number_e164": call.customer_number,
        "account_id": call.account_id,
        "contact_id": call.contact_id,
        "contact_name": contact.full_name if contact is not None else "",
        "incident_id": call.incident_id,
        "queue": call.queue.name if call.queue is not None else call.queue_name,
        "agent_id": call.agent_id,
        "agent_name": str(agent) if agent is not None else "",
        "started_at": _iso(call.started_at),
        "answered_at": _iso(call.answered_at),
        "ended_at": _iso(call.ended_at),
        "cause": call.cause,
    }


# A thread of the web process that is not serving a request (the simulated traffic) sends
# through the server's event loop: the in-memory layer's queues belong to that loop.
_thread = threading.local()


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The ASGI server's event loop, called from a view it serves; None elsewhere."""
    try:
        loop = async_to_sync(_running_loop)()
    except RuntimeError:
        return None
    # Outside an ASGI server, asgiref ran it on a loop of its own, gone by now.
    return loop if loop.is_running() else None


async def _running_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


@contextmanager
def sending_through(loop: asyncio.AbstractEventLoop | None) -> Iterator[None]:
    """Within the block, this thread's live events go out on ``loop`` (when not None)."""
    _thread.loop = loop
    try:
        yield
    finally:
        _thread.loop = None


def send_now(facts: dict[str, Any], agent_ids: Iterable[int]) -> None:
    """Send a call's facts to the consoles of these agents (after the commit)."""
    layer = get_channel_layer()
    groups = [agent_group(agent_id) for agent_id in dict.fromkeys(agent_ids)]
    if layer is None or not groups:
        return
    message = {"type": CALL_EVENT, "call": facts}

    async def send_all() -> None:
        for group in groups:
            await layer.group_send(group, message)

    loop = getattr(_thread, "loop", None)
    if loop is not None:
        asyncio.run_coroutine_threadsafe(send_all(), loop).result(timeout=SEND_TIMEOUT)
    else:
        async_to_sync(send_all)()


def announce(call: Call, agent_ids: Iterable[int]) -> None:
    """Schedule the call's facts for these agents' consoles, once the transaction commits.

    A failure to reach the channel layer is logged, never raised: the call is recorded
    whatever happens to the live update.
    """
    targets = [agent_id for agent_id in agent_ids if agent_id is not None]
    if not targets:
        return
    facts = call_facts(call)

    def send() -> None:
        send_now(facts, targets)

    transaction.on_commit(send, robust=True)
