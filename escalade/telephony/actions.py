"""Writes of calls: one transaction each, the event stored once, audit, timeline, webhooks.

Every action locks the call row (``select_for_update``) before it looks at its state,
so two events of one call arriving at once are applied one after the other. Each event
is stored as a ``CallEvent`` under its idempotency key first: the same key again from
the same source is recognised (``CallResult.duplicate``) and changes nothing.

Side effects leave after the commit: the consoles' screen pop (``live.announce``) and
the webhook deliveries (written to the outbox in the transaction, sent by the worker).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.core.audit import record
from escalade.incidents.models import EntryKind, Incident, TimelineEntry
from escalade.network.models import Agent, Queue
from escalade.telephony.identify import Caller, identify, normalize, region_of
from escalade.telephony.live import announce
from escalade.telephony.models import (
    LIVE_STATES,
    Call,
    CallConnection,
    CallEvent,
    Cause,
    Direction,
    EventKind,
    Party,
    State,
    may_go,
)
from escalade.webhooks.outbox import emit


class CallStateError(Exception):
    """The event does not fit the call's state (answering an ended call…): 409 on the API."""


@dataclass(frozen=True)
class CallResult:
    call: Call
    # The same event was received before: nothing was changed.
    duplicate: bool = False
    caller: Caller | None = None
    alerted: tuple[Agent, ...] = field(default_factory=tuple)


# SQLite has one writer at a time. ASGI runs each request in a thread of its own: the
# threads of this process take turns on this lock rather than in SQLite's busy handler,
# which sleeps up to 100 ms between tries (the p99 of a burst of calls). Only a thread
# about to open its outermost transaction waits for it; one already writing never does,
# so the lock cannot deadlock with SQLite's.
_SQLITE_WRITER = threading.RLock()


@contextmanager
def one_writer() -> Iterator[None]:
    """Around a write transaction of calls: on SQLite, one thread of the process at a time."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with _SQLITE_WRITER:
        yield


def _key(kind: str, key: str | None) -> str:
    return key or f"{kind}:{uuid.uuid4().hex}"


def _store_event(
    *,
    call: Call,
    kind: EventKind,
    source: str,
    key: str | None,
    at: datetime,
    payload: dict[str, Any] | None,
    savepoint: bool = True,
) -> bool:
    """Store the event; False when this source already sent an event with this key.

    ``savepoint=False`` when a known key undoes the whole action anyway (one statement
    less on every event of a new call).
    """
    try:
        # A savepoint: a duplicate key must not break the action's transaction.
        guard: AbstractContextManager[Any] = transaction.atomic() if savepoint else nullcontext()
        with guard:
            CallEvent.objects.create(
                call=call,
                kind=kind,
                source=source,
                key=_key(kind, key),
                at=at,
                received_at=timezone.now(),
                payload=payload or {},
            )
    except IntegrityError:
        return False
    return True


def _locked(call: Call | None = None, **lookup: Any) -> Call:
    """The call, re-read with its row locked until the transaction ends."""
    if call is not None:
        lookup = {"pk": call.pk}
    return (
        Call.objects.select_for_update(of=("self",))
        .select_related("account", "contact", "agent__user", "queue")
        .get(**lookup)
    )


def _move(connection: CallConnection, state: State, at: datetime, cause: str = "") -> None:
    connection.state = state
    stamp = CallConnection.STAMPS.get(state)
    fields = ["state"]
    if stamp is not None:
        setattr(connection, stamp, at)
        fields.append(stamp)
    if cause:
        connection.cause = cause
        fields.append("cause")
    connection.save(update_fields=fields)


def _agent_ids(call: Call) -> list[int]:
    """The agents who had a leg on the call: their consoles show it."""
    return [
        agent_id
        for agent_id in call.connections.filter(party=Party.AGENT).values_list(
            "agent_id", flat=True
        )
        if agent_id is not None
    ]


def call_payload(call: Call) -> dict[str, Any]:
    """The call in webhook events: ids and facts, JSON only."""
    return {
        "id": call.pk,
        "source": call.source,
        "call_id": call.external_id,
        "direction": call.direction,
        "from": call.from_number,
        "to": call.to_number,
        "from_e164": call.from_e164,
        "state": call.state,
        "queue": call.queue.name if call.queue is not None else call.queue_name or None,
        "agent": call.agent.user.get_username() if call.agent is not None else None,
        "account": (
            {"id": call.account.pk, "number": call.account.number, "name": call.account.name}
            if call.account is not None
            else None
        ),
        "contact": (
            {"id": call.contact.pk, "name": call.contact.full_name}
            if call.contact is not None
            else None
        ),
        "incident": call.incident_id,
        "started_at": call.started_at.isoformat(),
        "answered_at": call.answered_at.isoformat() if call.answered_at else None,
        "ended_at": call.ended_at.isoformat() if call.ended_at else None,
        "cause": call.cause or None,
        "wait_seconds": call.wait_seconds,
        "talk_seconds": call.talk_seconds,
    }


def duration_text(seconds: int | None) -> str:
    """ "3 min 05 s", "1 h 02 min", "42 s"."""
    if seconds is None:
        return "—"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)d min %(s)02d s") % {"m": minutes, "s": secs}
    return _("%(s)d s") % {"s": secs}


def call_summary(call: Call) -> str:
    """One line for the timeline: who, how long, which agent, how it ended."""
    who = call.contact.full_name if call.contact is not None else _("unknown caller")
    values = {
        "who": who,
        "number": call.customer_number,
        "duration": duration_text(call.talk_seconds),
        "wait": duration_text(call.duration_seconds),
        "agent": str(call.agent) if call.agent is not None else _("nobody"),
        "cause": Cause(call.cause).label if call.cause in Cause.values else call.cause,
    }
    if call.answered_at is None:
        if call.direction == Direction.OUT:
            return _("Unanswered call to %(who)s (%(number)s) by %(agent)s: %(cause)s.") % values
        return _("Missed call from %(who)s (%(number)s) after %(wait)s: %(cause)s.") % values
    if call.direction == Direction.OUT:
        return _("Call to %(who)s (%(number)s) by %(agent)s, %(duration)s: %(cause)s.") % values
    return (
        _("Call from %(who)s (%(number)s), %(duration)s, answered by %(agent)s: %(cause)s.")
        % values
    )


def _timeline_entry(call: Call, *, at: datetime, incident: Incident | None) -> None:
    if call.account_id is None:
        return
    TimelineEntry.objects.create(
        account_id=call.account_id,
        incident=incident,
        kind=EntryKind.CALL,
        at=at,
        actor=call.agent.user if call.agent is not None else None,
        body=call_summary(call),
        data={
            "call": call.pk,
            "call_id": call.external_id,
            "direction": call.direction,
            "number": call.customer_number,
            "contact": call.contact_id,
            "agent": call.agent.user.get_username() if call.agent is not None else None,
            "queue": call.queue.name if call.queue is not None else call.queue_name or None,
            "wait_seconds": call.wait_seconds,
            "talk_seconds": call.talk_seconds,
            "cause": call.cause,
        },
    )


def _alert(call: Call, agents: Sequence[Agent], at: datetime) -> None:
    """Ring these agents: an alerting leg each; the call rings when it was only offered."""
    if not agents:
        return
    present = set(
        call.connections.filter(party=Party.AGENT, state__in=LIVE_STATES).values_list(
            "agent_id", flat=True
        )
    )
    CallConnection.objects.bulk_create(
        CallConnection(
            call=call,
            party=Party.AGENT,
            agent=agent,
            state=State.ALERTING,
            offered_at=at,
            alerting_at=at,
        )
        for agent in agents
        if agent.pk not in present
    )
    fields = []
    if call.state == State.OFFERED:
        call.state = State.ALERTING
        fields.append("state")
    if len(agents) == 1 and call.answered_at is None:
        call.agent = agents[0]
        fields.append("agent")
    if fields:
        call.save(update_fields=fields)


def do_call_offered(
    *,
    actor: Any,
    source: str,
    external_id: str,
    direction: Direction,
    from_number: str,
    to_number: str,
    queue: Queue | None = None,
    queue_name: str = "",
    alert: Sequence[Agent] = (),
    at: datetime | None = None,
    key: str | None = None,
    payload: dict[str, Any] | None = None,
) -> CallResult:
    """A new call reaches the switch; identified by caller ID; ringing ``alert`` if given.

    The switch may already have chosen the agents (a Generic CTI ``newCall`` naming
    users): they are alerted in the same transaction. Without them the call waits in
    its queue for a route request (ACD).
    """
    at = at or timezone.now()
    inbound = direction == Direction.IN
    called = to_number if inbound else from_number
    called_e164 = normalize(called)
    # National caller IDs are read in the country of the number that was called.
    regions = [region] if (region := region_of(called_e164)) else []
    caller = identify(from_number if inbound else to_number, regions=regions)
    # The call is inserted as it ends up: ringing its agents when the switch named them
    # (a single one is the call's agent; the agent placing an outbound call always is).
    agent = alert[0] if alert and (len(alert) == 1 or not inbound) else None
    with one_writer(), transaction.atomic():
        try:
            with transaction.atomic():
                call = Call.objects.create(
                    source=source,
                    external_id=external_id,
                    direction=direction,
                    from_number=from_number,
                    to_number=to_number,
                    from_e164=caller.e164 if inbound else called_e164,
                    to_e164=called_e164 if inbound else caller.e164,
                    queue=queue,
                    queue_name=queue.name if queue is not None else queue_name,
                    account=caller.account,
                    contact=caller.contact,
                    agent=agent,
                    state=State.ALERTING if alert else State.OFFERED,
                    started_at=at,
                )
        except IntegrityError:
            call = _locked(source=source, external_id=external_id)
            stored = _store_event(
                call=call, kind=EventKind.OFFERED, source=source, key=key, at=at, payload=payload
            )
            return CallResult(call=call, duplicate=not stored, caller=caller)
        # No savepoint: the call is new, so a known key means the source reused it for
        # another call, and the whole action is undone.
        if not _store_event(
            call=call,
            kind=EventKind.OFFERED,
            source=source,
            key=key,
            at=at,
            payload=payload,
            savepoint=False,
        ):
            raise CallStateError(_("This event key was already used for another call."))
        customer_number = caller.e164 or (from_number if inbound else to_number)
        legs = [
            CallConnection(
                call=call,
                party=Party.CUSTOMER,
                number=customer_number,
                # The caller is on the line; the called customer of an outbound call rings.
                state=State.CONNECTED if inbound else State.ALERTING,
                offered_at=at,
                alerting_at=None if inbound else at,
                connected_at=at if inbound else None,
            )
        ]
        if queue is not None:
            legs.append(CallConnection(call=call, party=Party.QUEUE, queue=queue, offered_at=at))
        if not inbound and alert:
            # The agent placing an outbound call is on the line from the start.
            legs.append(
                CallConnection(
                    call=call,
                    party=Party.AGENT,
                    agent=alert[0],
                    state=State.CONNECTED,
                    offered_at=at,
                    connected_at=at,
                )
            )
        if inbound:
            # The agents the switch rings: an alerting leg each.
            legs.extend(
                CallConnection(
                    call=call,
                    party=Party.AGENT,
                    agent=ringing,
                    state=State.ALERTING,
                    offered_at=at,
                    alerting_at=at,
                )
                for ringing in alert
            )
        CallConnection.objects.bulk_create(legs)
        record(
            actor=actor,
            action="call_offered",
            obj=call,
            summary=f"{call.get_direction_display()} call {external_id} from {from_number}",
        )
        emit("call.offered", {"call": call_payload(call)})
        announce(call, [ringing.pk for ringing in alert])
    return CallResult(call=call, caller=caller, alerted=tuple(alert))


def do_call_alerting(
    *,
    actor: Any,
    call: Call,
    agents: Sequence[Agent],
    replace: bool = False,
    at: datetime | None = None,
    key: str | None = None,
    payload: dict[str, Any] | None = None,
) -> CallResult:
    """Ring agents for a waiting call (what a route request answers).

    ``replace`` stops the agents ringing so far (cause noAnswer): the router tries the
    next one.
    """
    at = at or timezone.now()
    with one_writer(), transaction.atomic():
        call = _locked(call)
        if not _store_event(
            call=call, kind=EventKind.ALERTING, source=call.source, key=key, at=at, payload=payload
        ):
            return CallResult(call=call, duplicate=True)
        if call.state not in (State.OFFERED, State.ALERTING):
            raise CallStateError(_("Only a call that is not answered yet can ring an agent."))
        if replace:
            call.connections.filter(party=Party.AGENT, state=State.ALERTING).update(
                state=State.CLEARED, cleared_at=at, cause=Cause.NO_ANSWER
            )
        _alert(call, agents, at)
        announce(call, [agent.pk for agent in agents])
    return CallResult(call=call, alerted=tuple(agents))


def do_call_answered(
    *,
    actor: Any,
    call: Call,
    agent: Agent | None,
    at: datetime | None = None,
    key: str | None = None,
    payload: dict[str, Any] | None = None,
) -> CallResult:
    """Someone answered: that agent's leg is connected, the others stop ringing."""
    at = at or timezone.now()
    with one_writer(), transaction.atomic():
        call = _locked(call)
        if not _store_event(
            call=call, kind=EventKind.ANSWERED, source=call.source, key=key, at=at, payload=payload
        ):
            return CallResult(call=call, duplicate=True)
        if call.state == State.CLEARED:
            raise CallStateError(_("The call has already ended."))
        legs = list(call.connections.filter(state__in=LIVE_STATES))
        # A transfer in progress: the caller holds, a queue leg waits for the new agent.
        transferring = call.state == State.HELD and any(leg.party == Party.QUEUE for leg in legs)
        if (call.answered_at is not None and not transferring) or not may_go(
            call.state, State.CONNECTED
        ):
            raise CallStateError(_("The call was already answered."))
        if agent is None and transferring:
            # Not named: the agent the transfer is ringing.
            agent = next(
                (
                    leg.agent
                    for leg in legs
                    if leg.party == Party.AGENT and leg.state == State.ALERTING
                ),
                None,
            )
        agent = agent or call.agent
        targets = _agent_ids(call)
        answering = next(
            (
                leg
                for leg in legs
                if leg.party == Party.AGENT and agent is not None and leg.agent_id == agent.pk
            ),
            None,
        )
        for leg in legs:
            if leg is answering:
                if leg.state != State.CONNECTED:
                    _move(leg, State.CONNECTED, at)
            elif leg.party == Party.AGENT and leg.state in (State.OFFERED, State.ALERTING):
                _move(leg, State.CLEARED, at, Cause.ANSWERED_ELSEWHERE)
            elif leg.party == Party.QUEUE:
                _move(leg, State.CLEARED, at, Cause.FORWARDED)
            elif transferring and leg.party == Party.AGENT:
                # The agent who transferred (and held the caller) hands over.
                _move(leg, State.CLEARED, at, Cause.FORWARDED)
            elif leg.party == Party.CUSTOMER and leg.state != State.CONNECTED:
                _move(leg, State.CONNECTED, at)
        if answering is None and agent is not None and call.direction == Direction.IN:
            CallConnection.objects.create(
                call=call,
                party=Party.AGENT,
                agent=agent,
                state=State.CONNECTED,
                offered_at=at,
                connected_at=at,
            )
            targets.append(agent.pk)
        call.state = State.CONNECTED
        if not transferring:  # the speed of answer stays the first answer's
            call.answered_at = at
        call.agent = agent
        call.save(update_fields=["state", "answered_at", "agent"])
        record(
            actor=actor,
            action="call_answered",
            obj=call,
            summary=f"Call {call.external_id} answered by {agent or 'an unknown party'}",
        )
        emit("call.answered", {"call": call_payload(call)})
        announce(call, targets)
    return CallResult(call=call)


def _hold(
    *, actor: Any, call: Call, hold: bool, at: datetime | None, key: str | None, payload: Any
) -> CallResult:
    at = at or timezone.now()
    kind = EventKind.HELD if hold else EventKind.RETRIEVED
    source_state, target = (State.CONNECTED, State.HELD) if hold else (State.HELD, State.CONNECTED)
    with one_writer(), transaction.atomic():
        call = _locked(call)
        if not _store_event(
            call=call, kind=kind, source=call.source, key=key, at=at, payload=payload
        ):
            return CallResult(call=call, duplicate=True)
        if call.state != source_state:
            raise CallStateError(
                _("Only a connected call can be put on hold.")
                if hold
                else _("Only a call on hold can be retrieved.")
            )
        for leg in call.connections.filter(party=Party.AGENT, state=source_state):
            _move(leg, target, at)
        call.state = target
        call.save(update_fields=["state"])
        announce(call, [call.agent_id] if call.agent_id else [])
    return CallResult(call=call)


def do_call_held(
    *,
    actor: Any,
    call: Call,
    at: datetime | None = None,
    key: str | None = None,
    payload: dict[str, Any] | None = None,
) -> CallResult:
    return _hold(actor=actor, call=call, hold=True, at=at, key=key, payload=payload)


def do_call_retrieved(
    *,
    actor: Any,
    call: Call,
    at: datetime | None = None,
    key: str | None = None,
    payload: dict[str, Any] | None = None,
) -> CallResult:
    return _hold(actor=actor, call=call, hold=False, at=at, key=key, payload=payload)


def do_call_ended(
    *,
    actor: Any,
    call: Call,
    cause: Cause = Cause.NORMAL_CLEARING,
    at: datetime | None = None,
    key: str | None = None,
    payload: dict[str, Any] | None = None,
) -> CallResult:
    """The call is over: every leg cleared; a known caller's timeline tells of the call."""
    at = at or timezone.now()
    with one_writer(), transaction.atomic():
        call = _locked(call)
        if not _store_event(
            call=call, kind=EventKind.ENDED, source=call.source, key=key, at=at, payload=payload
        ):
            return CallResult(call=call, duplicate=True)
        if call.state == State.CLEARED:
            raise CallStateError(_("The call has already ended."))
        targets = _agent_ids(call)
        call.connections.filter(state__in=LIVE_STATES).update(
            state=State.CLEARED, cleared_at=at, cause=cause
        )
        call.state = State.CLEARED
        call.ended_at = max(at, call.started_at)
        call.cause = cause
        call.save(update_fields=["state", "ended_at", "cause"])
        incident = (
            Incident.objects.filter(pk=call.incident_id).first() if call.incident_id else None
        )
        _timeline_entry(call, at=call.ended_at, incident=incident)
        record(
            actor=actor,
            action="call_ended",
            obj=call,
            summary=f"Call {call.external_id} ended: {cause}",
        )
        emit("call.ended", {"call": call_payload(call)})
        announce(call, targets)
    return CallResult(call=call)


def do_attach_incident(*, actor: Any, call: Call, incident: Incident) -> Call:
    """Link the call to the incident it is about; an unknown caller becomes the incident's.

    A call that has already ended adds its entry to the incident's timeline now.
    """
    now = timezone.now()
    with one_writer(), transaction.atomic():
        call = _locked(call)
        if call.incident_id == incident.pk:
            return call
        if call.account_id is not None and call.account_id != incident.account_id:
            raise ValidationError(
                _("This incident belongs to another customer than the caller's account.")
            )
        fields = ["incident"]
        call.incident = incident
        if call.account_id is None:
            call.account_id = incident.account_id
            fields.append("account")
        if call.contact_id is None and incident.contact_id is not None:
            call.contact_id = incident.contact_id
            fields.append("contact")
        call.save(update_fields=fields)
        # Reload what the summary names (account and contact may have just been set).
        call = _locked(call)
        _store_event(
            call=call,
            kind=EventKind.INCIDENT,
            source=call.source,
            key=None,
            at=now,
            payload={"incident": incident.pk, "number": incident.number},
        )
        if call.state == State.CLEARED:
            _timeline_entry(call, at=now, incident=incident)
        record(
            actor=actor,
            action="call_attach_incident",
            obj=call,
            summary=f"Call {call.external_id} linked to {incident.number}",
            changes={"incident": [None, incident.pk]},
        )
        announce(call, [call.agent_id] if call.agent_id else [])
    return call
