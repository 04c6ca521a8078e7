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

import copy
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.contactcenter.host import Offer
from escalade.contactcenter.models import OPEN_TRANSFER_STATES, Transfer, TransferState
from escalade.contactcenter.service import service
from escalade.core.audit import record
from escalade.core.principal import Principal
from escalade.core.roles import Role
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

# Who may transfer any call they can see; others only the call they are on.
CALL_MANAGERS = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR})


def may_handle(principal: Principal, call: Call) -> bool:
    """Transfer, complete or cancel: the agent on the call, or a supervisor."""
    return principal.role in CALL_MANAGERS or (
        principal.agent_id is not None and call.agent_id == principal.agent_id
    )


# A transfer in progress: the caller is on hold, a queue leg is live, the target rings.
TRANSFERABLE = (State.CONNECTED, State.HELD)


def as_seen(call: Call, state: State, *, cause: str = "", at: datetime | None = None) -> Call:
    """The call as one agent's own leg sees it, for that agent's console only (never
    saved): a transfer target rings while the caller is on hold; an agent whose ringing
    stopped sees the offer end while the call goes on elsewhere."""
    view = copy.copy(call)
    view.state = state
    if state == State.CLEARED:
        view.cause = cause or call.cause
        view.answered_at = None  # this agent never had the caller
        view.ended_at = at or timezone.now()
    return view


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
        # The caller holds, but for the target the call is ringing.
        announce(as_seen(call, State.ALERTING), [agent.pk])
    return call


def do_stop_ringing(
    *,
    call: Call,
    agent_ids: Sequence[int],
    withdrawn: bool = False,
    at: datetime | None = None,
) -> Call:
    """The ACD stopped ringing these agents for the call; their consoles are told.

    Not withdrawn: they did not answer in time (their legs end, no answer). Withdrawn:
    another agent took the call (the switch already ended their legs, answered
    elsewhere), so only their consoles need telling.
    """
    at = at or timezone.now()
    with transaction.atomic():
        call = _locked(call)
        cause = Cause.ANSWERED_ELSEWHERE if withdrawn else Cause.NO_ANSWER
        ringing = call.connections.filter(
            party=Party.AGENT, state=State.ALERTING, agent_id__in=list(agent_ids)
        )
        told = set(ringing.values_list("agent_id", flat=True))
        ringing.update(state=State.CLEARED, cleared_at=at, cause=cause)
        if withdrawn:
            told |= set(
                call.connections.filter(
                    party=Party.AGENT, agent_id__in=list(agent_ids), cause=cause
                ).values_list("agent_id", flat=True)
            )
        live = set(
            call.connections.filter(party=Party.AGENT, state__in=LIVE_STATES).values_list(
                "agent_id", flat=True
            )
        )
        announce(
            as_seen(call, State.CLEARED, cause=cause, at=at),
            [agent_id for agent_id in told if agent_id is not None and agent_id not in live],
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

    def stop_ringing(
        self, *, call_id: int, at: datetime, agent_ids: Sequence[int], withdrawn: bool = False
    ) -> None:
        call = Call.objects.filter(pk=call_id).first()
        if call is not None and call.state in LIVE_STATES:
            do_stop_ringing(call=call, agent_ids=agent_ids, withdrawn=withdrawn, at=at)


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


# --- consultation: the target answers, then the first agent completes or cancels -------


def _open_consultation(call: Call) -> Transfer:
    transfer = (
        Transfer.objects.filter(call=call, consultative=True, state__in=OPEN_TRANSFER_STATES)
        .order_by("-pk")
        .first()
    )
    if transfer is None:
        raise CallStateError(_("No consultation is under way on this call."))
    return transfer


def do_consultation_answered(
    *, actor: Any, call: Call, agent: Agent, at: datetime | None = None
) -> Call:
    """The consulted agent answered: the two agents talk while the caller holds.

    The first agent then completes the transfer (``do_complete_transfer``) or takes the
    caller back (``do_cancel_transfer``).
    """
    at = at or timezone.now()
    with service.routing_transaction():
        call = _locked(call)
        _open_consultation(call)
        leg = call.connections.filter(party=Party.AGENT, agent=agent, state=State.ALERTING).first()
        if call.state != State.HELD or leg is None:
            raise CallStateError(_("The consultation does not ring this agent."))
        service.consultation_answered(call=call, agent=agent, now=at)
        _store_event(
            call=call,
            kind=EventKind.ANSWERED,
            source=call.source,
            key=None,
            at=at,
            payload={"consultation": True, "agent": agent.user.get_username()},
        )
        _move(leg, State.CONNECTED, at)
        record(
            actor=actor,
            action="call_consultation_answered",
            obj=call,
            summary=f"Call {call.external_id}: {agent} answered the consultation",
        )
        first = [
            leg.agent_id
            for leg in call.connections.filter(party=Party.AGENT, state=State.HELD)
            if leg.agent_id is not None
        ]
        # The target talks with the first agent; for it the call is connected.
        announce_legs(call, [agent.pk, *first])
    return call


def do_complete_transfer(*, actor: Any, call: Call, at: datetime | None = None) -> Transfer:
    """The first agent of a consultation hands the caller over and leaves the call.

    After the consultation the target has the caller at once; while the target still
    rings, the caller waits for them as in a blind transfer.
    """
    at = at or timezone.now()
    with service.routing_transaction():
        call = _locked(call)
        if call.state != State.HELD:
            raise CallStateError(_("No consultation is under way on this call."))
        transfer = service.complete_transfer(call=call, actor=actor, now=at)
        told = _agent_ids_of(call)
        for leg in call.connections.filter(party=Party.AGENT, state=State.HELD):
            _move(leg, State.CLEARED, at, Cause.FORWARDED)
        if transfer.state == TransferState.COMPLETED and transfer.answered_by is not None:
            for leg in call.connections.filter(party=Party.QUEUE, state__in=LIVE_STATES):
                _move(leg, State.CLEARED, at, Cause.FORWARDED)
            call.state = State.CONNECTED
            call.agent = transfer.answered_by
            call.save(update_fields=["state", "agent"])
        target = transfer.to_agent or transfer.to_queue
        record(
            actor=actor,
            action="call_transferred",
            obj=call,
            summary=f"Call {call.external_id} handed over to {target} after consulting",
            changes={"transfer": [None, transfer.pk]},
        )
        announce_legs(call, told)
    return transfer


def do_cancel_transfer(*, actor: Any, call: Call, at: datetime | None = None) -> Transfer:
    """The first agent takes the caller back: the target stops ringing, or leaves the
    consultation; the call is connected to the first agent again."""
    at = at or timezone.now()
    with service.routing_transaction():
        call = _locked(call)
        _open_consultation(call)
        first = list(call.connections.filter(party=Party.AGENT, state=State.HELD))
        if call.state != State.HELD or not first:
            raise CallStateError(
                _("The first agent has already left the call: it cannot be taken back.")
            )
        targets = list(
            call.connections.filter(
                party=Party.AGENT, state__in=(State.OFFERED, State.ALERTING, State.CONNECTED)
            )
        )
        for leg in targets:
            _move(leg, State.CLEARED, at, Cause.NORMAL_CLEARING)
        for leg in call.connections.filter(party=Party.QUEUE, state__in=LIVE_STATES):
            _move(leg, State.CLEARED, at, Cause.NORMAL_CLEARING)
        for leg in first:
            _move(leg, State.CONNECTED, at)
        call.state = State.CONNECTED
        call.save(update_fields=["state"])
        # The ACD frees the target (its offer withdrawn, or its part of the talk over).
        transfer = service.cancel_transfer(call=call, actor=actor, now=at)
        record(
            actor=actor,
            action="call_transfer_cancelled",
            obj=call,
            summary=f"Call {call.external_id}: consultation cancelled, the caller is back",
            changes={"transfer": [transfer.pk, None]},
        )
        announce(
            as_seen(call, State.CLEARED, cause=Cause.NORMAL_CLEARING, at=at),
            [leg.agent_id for leg in targets if leg.agent_id is not None],
        )
        announce(call, [leg.agent_id for leg in first if leg.agent_id is not None])
    return transfer


def announce_legs(call: Call, agent_ids: Sequence[int]) -> None:
    """Tell these agents' consoles about the call as each one's own leg sees it."""
    legs = {
        leg.agent_id: leg.state
        for leg in call.connections.filter(
            party=Party.AGENT, agent_id__in=list(agent_ids), state__in=LIVE_STATES
        ).order_by("pk")
    }
    plain = []
    for agent_id in dict.fromkeys(agent_ids):
        leg = legs.get(agent_id)
        if call.state == State.HELD and leg in (State.ALERTING, State.CONNECTED):
            announce(as_seen(call, State(leg)), [agent_id])
        else:
            plain.append(agent_id)
    announce(call, plain)


def _agent_ids_of(call: Call) -> list[int]:
    return [
        agent_id
        for agent_id in call.connections.filter(
            party=Party.AGENT, state__in=LIVE_STATES
        ).values_list("agent_id", flat=True)
        if agent_id is not None
    ]
