"""One routing decision: the engine's moves, and what they change in the tables.

A ``Decision`` wraps the process's ``Router`` for the length of one transaction (see
``host.RouterHost``). Each move goes through it, so it knows which agents and
contacts changed and which events happened; at the end it writes exactly those rows
back (``persist``) and returns the side effects to apply (ring an agent, reserve an
agent for a callback).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from escalade.contactcenter.models import (
    AgentPresence,
    Callback,
    CallbackStatus,
    ContactState,
    EventKind,
    QueueRouting,
    RoutingEvent,
    WaitingContact,
)
from escalade.contactcenter.snapshot import (
    CONTACT_STATES,
    PERSONAL_SKILL,
    QueueSettings,
    agent_key,
    agent_pk,
    engine_agent,
    engine_contact,
    engine_queue,
    fresh_agent,
    personal_key,
    personal_queue,
    personal_settings,
    queue_key,
    queue_pk,
    queue_settings,
    routing_of,
)
from escalade.engines import acd
from escalade.network.models import Agent, Queue

NO_ANSWER = "no_answer"


@dataclass
class Decision:
    router: acd.Router
    settings: dict[str, QueueSettings]
    now: datetime
    today: date
    agents: set[str] = field(default_factory=set)  # agents whose state changed
    contacts: set[str] = field(default_factory=set)  # contacts whose state changed
    queues: set[str] = field(default_factory=set)  # queues whose learned values changed
    assignments: list[acd.Assignment] = field(default_factory=list)
    # (call, agent, withdrawn): offers that stopped ringing (no answer, or withdrawn)
    unrung: list[tuple[int, int, bool]] = field(default_factory=list)
    events: list[RoutingEvent] = field(default_factory=list)
    rows: dict[str, WaitingContact] = field(default_factory=dict)

    # --- rows ------------------------------------------------------------------------

    def row(self, key: str) -> WaitingContact:
        if key not in self.rows:
            self.rows[key] = WaitingContact.objects.get(key=key)
        return self.rows[key]

    def load_rows(self, keys: Iterable[str]) -> None:
        missing = [key for key in keys if key not in self.rows]
        if missing:
            self.rows.update(WaitingContact.objects.in_bulk(missing, field_name="key"))

    def _remove(self, key: str) -> WaitingContact:
        row = self.row(key)
        WaitingContact.objects.filter(pk=row.pk).delete()
        del self.rows[key]
        self.contacts.discard(key)
        return row

    def wrap_up(self, queue_id: str) -> float:
        return self.settings[queue_id].wrap_up_seconds

    # --- events ----------------------------------------------------------------------

    def event(
        self,
        kind: EventKind,
        *,
        at: datetime | None = None,
        row: WaitingContact | None = None,
        queue_id: str | None = None,
        agent_id: str | None = None,
        **fields: Any,
    ) -> None:
        if queue_id is None and row is not None:
            queue = row.queue_id
        else:
            queue = queue_pk(queue_id) if queue_id is not None else None
        self.events.append(
            RoutingEvent(
                at=at or self.now,
                kind=kind,
                queue_id=queue,
                agent_id=agent_pk(agent_id) if agent_id is not None else None,
                contact_key=row.key if row is not None else "",
                call_id=row.call_id if row is not None else None,
                callback_id=row.callback_id if row is not None else None,
                **fields,
            )
        )

    # --- agents and queues -----------------------------------------------------------

    def ensure_agent(self, agent: Agent, *, personal: bool = False) -> AgentPresence:
        """The agent's presence row, and the router told its current skills, site, tier."""
        presence, _ = AgentPresence.objects.get_or_create(agent=agent)
        key = agent_key(agent.pk)
        fresh = fresh_agent(agent.pk)
        known = self._known_agent(key)
        mark = PERSONAL_SKILL.format(pk=agent.pk)
        personal = personal or (known is not None and mark in known.agent.skills)
        config = engine_agent(fresh, personal=personal)
        if known is None or known.agent != config:
            self.router.set_agent(config)
        return presence

    def _known_agent(self, key: str) -> acd.AgentStatus | None:
        try:
            return self.router.agent_status(key)
        except acd.UnknownId:
            return None

    def state_of(self, agent: Agent) -> acd.AgentState:
        status = self._known_agent(agent_key(agent.pk))
        return acd.AgentState.LOGGED_OUT if status is None else status.state

    def ensure_queue(self, queue: Queue, *, refresh: bool = False) -> str:
        """The engine's id of a network queue, told to the router if it is new (or changed)."""
        key = queue_key(queue.pk)
        if refresh or key not in self.settings:
            record = (
                Queue.objects.select_related("tier", "routing")
                .prefetch_related("required_skills")
                .get(pk=queue.pk)
            )
            routing = routing_of(record)
            self.router.set_queue(engine_queue(record, routing))
            self.settings[key] = queue_settings(record, routing)
        return key

    def ensure_personal_queue(self, agent: Agent) -> str:
        key = personal_key(agent.pk)
        if key not in self.settings:
            self.router.set_queue(personal_queue(agent.pk))
            self.settings[key] = personal_settings(agent.pk)
        self.ensure_agent(agent, personal=True)
        return key

    # --- moves -----------------------------------------------------------------------

    def advance(self) -> None:
        """What time alone changed since the last decision: wrap-ups over, overflow steps."""
        for change in self.router.advance(self.now):
            if isinstance(change, acd.AgentStateChanged):
                self.agents.add(change.agent_id)
            else:
                self.contacts.add(change.contact_id)
                self.event(
                    EventKind.OVERFLOWED,
                    at=change.at,
                    row=self.row(change.contact_id),
                    overflow_step=change.step,
                )

    def enqueue(self, row: WaitingContact) -> None:
        self.rows[row.key] = row
        self.router.enqueue(engine_contact(row), self.now)
        self.contacts.add(row.key)

    def set_state(self, agent: Agent, state: acd.AgentState, reason: str | None) -> None:
        key = agent_key(agent.pk)
        self.router.set_state(key, state, self.now, reason=reason)
        self.agents.add(key)

    def answer(self, key: str) -> acd.Answered:
        answered = self.router.answer(key, self.now)
        self.agents.add(answered.agent_id)
        self.contacts.add(key)
        self.event(
            EventKind.ANSWERED,
            row=self.row(key),
            agent_id=answered.agent_id,
            waited_seconds=answered.waited_seconds,
            within_service_level=answered.within_service_level,
        )
        return answered

    def reject(self, key: str, *, reason: str = NO_ANSWER) -> None:
        """The ringing agent did not answer: not ready, the contact back at its place."""
        status = self.router.contact_status(key)
        self.router.reject(key, self.now, reason=reason)
        row = self.row(key)
        if status.agent_id is not None:
            self.agents.add(status.agent_id)
        self.contacts.add(key)
        self.event(EventKind.NO_ANSWER, row=row, agent_id=status.agent_id)
        if row.call_id is not None and not row.is_callback and status.agent_id is not None:
            self.unrung.append((row.call_id, agent_pk(status.agent_id), False))

    def hang_up(self, key: str) -> acd.HungUp:
        status = self.router.contact_status(key)
        assert status.agent_id is not None
        done = self.router.hang_up(
            status.agent_id, self.now, wrap_up_seconds=self.wrap_up(status.contact.queue_id)
        )
        self.agents.add(done.agent_id)
        self.queues.add(done.queue_id)
        row = self._remove(key)
        self.event(
            EventKind.HUNG_UP, row=row, agent_id=done.agent_id, handle_seconds=done.handle_seconds
        )
        return done

    def abandon(self, key: str, *, kind: EventKind = EventKind.ABANDONED) -> acd.Abandoned:
        """The contact leaves before being answered (the caller hung up, or it was withdrawn)."""
        status = self.router.contact_status(key)
        gone = self.router.abandon(key, self.now)
        if status.agent_id is not None:
            self.agents.add(status.agent_id)
        row = self._remove(key)
        self.event(kind, row=row, agent_id=status.agent_id, waited_seconds=gone.waited_seconds)
        if (
            kind == EventKind.WITHDRAWN
            and status.state is acd.ContactState.OFFERED
            and status.agent_id is not None
            and row.call_id is not None
            and not row.is_callback
        ):
            # The agent it rang must hear that the offer is gone (taken elsewhere, cancelled).
            self.unrung.append((row.call_id, agent_pk(status.agent_id), True))
        return gone

    def transfer(self, key: str, queue_id: str) -> acd.Contact:
        """Move a contact to another queue, keeping its place; its agent wraps up."""
        status = self.router.contact_status(key)
        wrap = self.wrap_up(status.contact.queue_id)
        contact = self.router.transfer(
            key, queue_id, self.now, keep_place=True, wrap_up_seconds=wrap
        )
        if status.agent_id is not None:
            self.agents.add(status.agent_id)
        if status.state is acd.ContactState.CONNECTED:
            self.queues.add(status.contact.queue_id)
        self.contacts.add(key)
        self.event(EventKind.TRANSFERRED, row=self.row(key), agent_id=status.agent_id)
        return contact

    def convert_to_callback(self, key: str) -> None:
        self.router.convert_to_callback(key, self.now)
        self.contacts.add(key)

    def route(self) -> None:
        decided = self.router.route(self.now)
        self.load_rows(a.contact_id for a in decided)
        for assignment in decided:
            self.agents.add(assignment.agent_id)
            self.contacts.add(assignment.contact_id)
            self.queues.add(assignment.queue_id)
            self.event(
                EventKind.ASSIGNED,
                row=self.row(assignment.contact_id),
                queue_id=assignment.queue_id,
                agent_id=assignment.agent_id,
                waited_seconds=assignment.waited_seconds,
                overflow_step=assignment.overflow_step,
            )
        self.assignments.extend(decided)

    # --- writing back ----------------------------------------------------------------

    def persist(self) -> None:
        """Write the changed contacts, presences and queues; append the events."""
        router = self.router
        self.load_rows(self.contacts)
        for key in sorted(self.contacts):
            self._write_contact(self.rows[key], router.contact_status(key))
        statuses = {key: router.agent_status(key) for key in sorted(self.agents)}
        self.load_rows(s.contact_id for s in statuses.values() if s.contact_id is not None)
        presences = AgentPresence.objects.in_bulk(
            [agent_pk(key) for key in statuses], field_name="agent_id"
        )
        for key, status in statuses.items():
            presence = presences.get(agent_pk(key)) or AgentPresence(agent_id=agent_pk(key))
            self._write_presence(presence, status)
        for queue_id in sorted(self.queues):
            pk = queue_pk(queue_id)
            if pk is None:
                continue
            QueueRouting.objects.update_or_create(
                queue_id=pk,
                defaults={
                    "learned_handle_seconds": router.handle_seconds(queue_id),
                    **self._rotation(queue_id),
                },
            )
        RoutingEvent.objects.bulk_create(self.events)

    def _rotation(self, queue_id: str) -> dict[str, str]:
        last = [a.agent_id for a in self.assignments if a.queue_id == queue_id]
        return {"round_robin_last": last[-1]} if last else {}

    def _write_contact(self, row: WaitingContact, status: acd.ContactStatus) -> None:
        state = CONTACT_STATES[status.state]
        agent = agent_pk(status.agent_id) if status.agent_id is not None else None
        config = status.contact
        pk = queue_pk(config.queue_id)
        fields: dict[str, Any] = {
            "state": state,
            "agent_id": agent,
            "offered_at": status.offered_at,
            "answered_at": status.answered_at,
            "overflow_step": status.overflow_step,
            "arrival": config.arrival,
            "is_callback": config.callback,
            "queue_id": pk,
            "target_agent_id": None if pk is not None else int(config.queue_id[1:]),
        }
        if (row.queue_id, row.target_agent_id) != (fields["queue_id"], fields["target_agent_id"]):
            fields["entered_at"] = self.now
        deadline = row.ring_deadline
        if state == ContactState.RINGING and status.offered_at != row.offered_at:
            # Offered now: an agent who lets it ring past the deadline is not answering.
            # A callback rings nobody: the dialer places it.
            timeout = self.settings[config.queue_id].ring_timeout_seconds
            deadline = None if config.callback else self.now + timedelta(seconds=timeout)
        elif state != ContactState.RINGING:
            deadline = None
        fields["ring_deadline"] = deadline
        changed = [name for name, value in fields.items() if getattr(row, name) != value]
        for name in changed:
            setattr(row, name, fields[name])
        if changed:
            row.save(update_fields=changed)

    def _write_presence(self, presence: AgentPresence, status: acd.AgentStatus) -> None:
        contact = self.rows[status.contact_id].pk if status.contact_id is not None else None
        previous = (presence.state, presence.reason)
        presence.state = status.state.value
        presence.since = status.since
        presence.reason = status.reason or ""
        presence.wrap_up_until = status.wrap_up_until
        presence.available_since = status.available_since
        presence.calls_handled = status.calls_handled
        presence.counted_on = self.today
        presence.contact_id = contact
        if status.state is acd.AgentState.LOGGED_OUT:
            presence.extension = ""
        presence.save()
        if previous != (presence.state, presence.reason):
            self.event(
                EventKind.AGENT_STATE,
                at=status.since or self.now,
                agent_id=status.agent.agent_id,
                state=presence.state,
                reason=presence.reason,
            )

    # --- side effects ----------------------------------------------------------------

    def reserve_callbacks(self) -> None:
        """Callbacks given an agent: reserved for that agent until the dialer calls."""
        for assignment in self.assignments:
            row = self.rows.get(assignment.contact_id)
            if row is None or not assignment.callback or row.callback_id is None:
                continue
            Callback.objects.filter(pk=row.callback_id).update(
                status=CallbackStatus.RESERVED, agent_id=agent_pk(assignment.agent_id)
            )

    def calls_to_ring(self) -> list[tuple[int, int]]:
        """(call, agent) pairs: the calls given an agent, which must now ring."""
        rings = []
        for assignment in self.assignments:
            row = self.rows.get(assignment.contact_id)
            if row is None or assignment.callback or row.call_id is None:
                continue
            rings.append((row.call_id, agent_pk(assignment.agent_id)))
        return rings

    def offers_to_stop(self) -> dict[tuple[int, bool], list[int]]:
        """(call, withdrawn) → the agents whose ringing for that call stopped."""
        stops: dict[tuple[int, bool], list[int]] = {}
        for call_id, agent_id, withdrawn in dict.fromkeys(self.unrung):
            stops.setdefault((call_id, withdrawn), []).append(agent_id)
        return stops
