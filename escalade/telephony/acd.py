"""Calls and the ACD: telephony's side of routing and transfers.

The contact center (``escalade.contactcenter``) decides which agent takes a call;
telephony records what it means for the call: an agent's leg rings (and the agent's
console pops the caller's file), stops ringing, or takes over the call from another
agent. ``TelephonyCallControl`` is what the ACD calls to ring agents (registered in
``TelephonyConfig.ready``); ``do_transfer_call`` hands a call on with its incident.

Lock order: every entry point that may reach the ACD opens
``service.routing_transaction()`` first and only then locks the call row, so the
routing lock is never awaited by a transaction holding a call.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.contactcenter.host import Offer
from escalade.contactcenter.models import Transfer
from escalade.contactcenter.service import service
from escalade.core.audit import record
from escalade.incidents.models import Incident
from escalade.network.models import Agent, Queue, Site
from escalade.telephony.actions import (
    CallStateError,
    _locked,
    _move,
    _store_event,
    do_attach_incident,
    do_call_alerting,
)
from escalade.telephony.live import announce
from escalade.telephony.models import (
    LIVE_STATES,
    Call,
    CallConnection,
    Cause,
    EventKind,
    Party,
    State,
)

logger = logging.getLogger("escalade.telephony")

# A transfer in progress: the caller is on hold, a queue leg is live, the target rings.
TRANSFERABLE = (State.CONNECTED, State.HELD)


def do_alert_transfer_target(*, call: Call, agent: Agent, at: datetime | None = None) -> Call:
    """Ring the agent chosen to take over a call in progress (the caller is on hold)."""
    at = at or timezone.now()
    with transaction.atomic():
        call = _locked(call)
        if call.state not in TRANSFERABLE:
            raise CallStateError(_("Only a call in progress can be transferred."))
        _store_event(
            call=call,
            kind=EventKind.ALERTING,
            source=call.source,
            key=None,
            at=at,
            payload={"transfer": True, "agent": agent.user.get_username()},
        )
        call.connections.filter(party=Party.AGENT, state=State.ALERTING).update(
            state=State.CLEARED, cleared_at=at, cause=Cause.NO_ANSWER
        )
        CallConnection.objects.create(
            call=call,
            party=Party.AGENT,
            agent=agent,
            state=State.ALERTING,
            offered_at=at,
            alerting_at=at,
        )
        announce(call, [agent.pk])
    return call


def do_stop_ringing(*, call: Call, at: datetime | None = None) -> Call:
    """The agent rung for the call did not answer: that leg ends (no answer)."""
    at = at or timezone.now()
    with transaction.atomic():
        call = _locked(call)
        call.connections.filter(party=Party.AGENT, state=State.ALERTING).update(
            state=State.CLEARED, cleared_at=at, cause=Cause.NO_ANSWER
        )
    return call


class TelephonyCallControl:
    """How the ACD rings agents: a waiting call alerts; a call in progress is transferred."""

    def ring(self, *, call_id: int, agent: Agent, at: datetime) -> None:
        call = Call.objects.get(pk=call_id)
        if call.state in (State.OFFERED, State.ALERTING):
            do_call_alerting(actor=None, call=call, agents=[agent], replace=True, at=at)
        elif call.state in TRANSFERABLE:
            do_alert_transfer_target(call=call, agent=agent, at=at)
        else:
            logger.warning("Call %s is %s: agent %s not rung.", call_id, call.state, agent.pk)

    def stop_ringing(self, *, call_id: int, at: datetime) -> None:
        call = Call.objects.filter(pk=call_id).first()
        if call is not None and call.state in LIVE_STATES:
            do_stop_ringing(call=call, at=at)


def offer_to_acd(call: Call, queue: Queue) -> Offer:
    """A waiting call goes to the ACD, which rings the agent it chooses (if any is free)."""
    return service.offer_call(call=call, queue=queue)


def reload(call: Call) -> Call:
    return Call.objects.select_related("account", "contact", "agent__user", "queue").get(pk=call.pk)


def do_transfer_call(
    *,
    actor: Any,
    call: Call,
    to_queue: Queue | None = None,
    to_agent: Agent | None = None,
    to_site: Site | None = None,
    consultative: bool = False,
    incident: Incident | None = None,
    at: datetime | None = None,
) -> Transfer:
    """Hand a call in progress to a queue, an agent or a site, voice and data together.

    The incident is linked to the call first (``do_attach_incident``): the target's
    screen pop shows it with the caller's file. Blind: the first agent's leg ends
    (forwarded) and the caller holds for the target. Consultative: the first agent's leg
    is held until the target answers, then ends. All in one transaction: a transfer the
    ACD refuses changes nothing.
    """
    at = at or timezone.now()
    with service.routing_transaction():
        if incident is not None:
            call = do_attach_incident(actor=actor, call=call, incident=incident)
        call = _locked(call)
        if call.state not in TRANSFERABLE:
            raise CallStateError(_("Only a call in progress can be transferred."))
        first_agents: list[int] = []
        for leg in call.connections.filter(party=Party.AGENT, state__in=TRANSFERABLE):
            if leg.agent_id is not None:
                first_agents.append(leg.agent_id)
            if not consultative:
                _move(leg, State.CLEARED, at, Cause.FORWARDED)
            elif leg.state == State.CONNECTED:
                _move(leg, State.HELD, at)
        if call.state != State.HELD:
            call.state = State.HELD
            call.save(update_fields=["state"])
        # The ACD chooses the target and rings it (``do_alert_transfer_target``).
        transfer = service.transfer(
            call=call,
            to_queue=to_queue,
            to_agent=to_agent,
            to_site=to_site,
            consultative=consultative,
            incident_id=call.incident_id,
            actor=actor,
            now=at,
        )
        CallConnection.objects.create(
            call=call, party=Party.QUEUE, queue=transfer.to_queue, offered_at=at
        )
        target = transfer.to_agent or transfer.to_queue
        record(
            actor=actor,
            action="call_transferred",
            obj=call,
            summary=(
                f"Call {call.external_id} transferred "
                f"({'consultative' if consultative else 'blind'}) to {target}"
            ),
            changes={"transfer": [None, transfer.pk]},
        )
        announce(call, first_agents)
    return transfer
