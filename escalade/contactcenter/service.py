"""The ACD service: what the rest of Escalade asks of the contact center.

``service`` (an ``AcdService``, one per process) offers calls to queues
(``offer_call``), follows them (``agent_answered``, ``call_ended``), changes agents'
states (``set_agent_state``), transfers calls with their incident (``transfer``),
handles callbacks (``request_callback``… in ``callbacks``), estimates waits
(``expected_wait``) and applies what time brings (``tick``, for the ``acd`` poller).
How decisions stay consistent across processes is told in ``host``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.contactcenter.callbacks import CallbackService
from escalade.contactcenter.decision import NO_ANSWER
from escalade.contactcenter.host import (
    AcdInvalid,
    AcdRefused,
    CallRef,
    Offer,
)
from escalade.contactcenter.models import (
    MANUAL_REASONS,
    OPEN_TRANSFER_STATES,
    AcdState,
    AgentPresence,
    Callback,
    CallbackStatus,
    ContactState,
    EventKind,
    NotReadyReason,
    QueueRouting,
    RoutingVersion,
    Transfer,
    TransferState,
    WaitingContact,
)
from escalade.contactcenter.snapshot import (
    agent_key,
    call_key,
    queue_key,
    transfer_key,
)
from escalade.core.audit import record
from escalade.engines import acd
from escalade.network.models import Agent, Queue, Site

logger = logging.getLogger("escalade.contactcenter")


class AcdService(CallbackService):
    """The ACD of this process: calls, agents, transfers, callbacks, time."""

    # --- calls -----------------------------------------------------------------------

    def offer_call(
        self,
        *,
        call: CallRef,
        queue: Queue,
        priority: int | None = None,
        extra_skills: Mapping[str, int] | None = None,
        now: datetime | None = None,
    ) -> Offer:
        """A call waits in ``queue``: routed at once to an available agent, or queued.

        Offering the same call again changes nothing and says where it is.
        """
        now = now or timezone.now()
        if priority is None or extra_skills is None:
            default_priority, default_skills = self.caller_profile(
                account_id=call.account_id, contact_id=call.contact_id, queue=queue
            )
            priority = default_priority if priority is None else priority
            extra_skills = default_skills if extra_skills is None else extra_skills
        key = call_key(call.pk)
        wait: float | None = None
        with self._decision(now) as decision:
            row = WaitingContact.objects.filter(key=key).first()
            if row is None:
                qkey = decision.ensure_queue(queue)
                wait = decision.router.expected_wait(qkey, now, priority=priority)
                row = WaitingContact.objects.create(
                    key=key,
                    call_id=call.pk,
                    queue=queue,
                    arrival=min(call.started_at, now),
                    entered_at=now,
                    priority=priority,
                    extra_skills=dict(extra_skills),
                )
                try:
                    decision.enqueue(row)
                except acd.AcdError as exc:
                    raise AcdInvalid(str(exc)) from exc
                decision.event(EventKind.OFFERED, row=row)
        row.refresh_from_db()
        agent = row.agent if row.state == ContactState.RINGING else None
        if agent is None and row.state == ContactState.WAITING and wait is None:
            wait = self.expected_wait(queue, priority=row.priority)
        return Offer(
            contact=row,
            agent=agent,
            expected_wait=None if wait is None or wait == float("inf") else wait,
        )

    def _rows_of(self, call: CallRef) -> list[WaitingContact]:
        return list(
            WaitingContact.objects.filter(call_id=call.pk)
            .select_related("transfer", "callback")
            .order_by("key")
        )

    def agent_answered(
        self, *, call: CallRef, agent: Agent | None, now: datetime | None = None
    ) -> None:
        """The switch says ``agent`` answered the call (a transfer's target completes it)."""
        if not WaitingContact.objects.filter(call_id=call.pk).exists():
            return
        now = now or timezone.now()
        with self._decision(now) as decision:
            rows = [row for row in self._rows_of(call) if not row.is_callback]
            ringing = next(
                (
                    row
                    for row in rows
                    if row.state == ContactState.RINGING
                    and agent is not None
                    and row.agent_id == agent.pk
                ),
                None,
            )
            if ringing is None:
                # Someone the ACD did not choose took it (a pickup at the PBX): the ACD lets
                # the call go and frees the agent it had reserved.
                for row in rows:
                    if row.state != ContactState.CONNECTED:
                        decision.abandon(row.key, kind=EventKind.WITHDRAWN)
                return
            decision.rows[ringing.key] = ringing
            decision.answer(ringing.key)
            transfer = ringing.transfer
            if transfer is None or transfer.state != TransferState.PENDING:
                return
            if transfer.consultative:
                # The consulted agent has the caller now: the first agent's part is over.
                for row in rows:
                    if row.key != ringing.key and row.state == ContactState.CONNECTED:
                        decision.rows[row.key] = row
                        decision.hang_up(row.key)
            transfer.state = TransferState.COMPLETED
            transfer.answered_by = agent
            transfer.completed_at = now
            transfer.save(update_fields=["state", "answered_by", "completed_at"])

    def agent_declined(
        self,
        *,
        call: CallRef,
        agent: Agent,
        reason: str = NO_ANSWER,
        now: datetime | None = None,
    ) -> None:
        """The agent rung for the call did not take it (no answer, busy, refused): the
        agent is not ready, the call back at its place and offered to the next agent."""
        if reason not in NotReadyReason.values:
            raise AcdInvalid(_("Unknown reason %(reason)s.") % {"reason": reason})
        now = now or timezone.now()
        with self._decision(now) as decision:
            row = WaitingContact.objects.filter(
                call_id=call.pk, agent=agent, state=ContactState.RINGING
            ).first()
            if row is not None:
                decision.rows[row.key] = row
                decision.reject(row.key, reason=reason)

    def ring_failed(self, *, call: CallRef, agent: Agent, now: datetime | None = None) -> bool:
        """The phone of the agent rung for the call failed (busy, unreachable, declined):
        the call is offered to the next agent now, not at the ring timeout.

        The agent is made not ready (missed a call), as after a ring timeout, so the same
        phone is not rung again at once. False when the ACD no longer rings that agent for
        the call (a report repeated, or the ring already timed out).
        """
        ringing = WaitingContact.objects.filter(
            call_id=call.pk, agent=agent, state=ContactState.RINGING
        ).exists()
        if ringing:
            self.agent_declined(call=call, agent=agent, reason=NO_ANSWER, now=now)
        return ringing

    def call_ended(self, *, call: CallRef, now: datetime | None = None) -> None:
        """The call is over: an agent on it wraps up; if it still waited, it is abandoned.

        A waiting call turned into a callback stays in line as the callback.
        """
        if not WaitingContact.objects.filter(call_id=call.pk, is_callback=False).exists():
            return
        now = now or timezone.now()
        with self._decision(now) as decision:
            for row in self._rows_of(call):
                if row.is_callback:
                    continue
                decision.rows[row.key] = row
                if row.state == ContactState.CONNECTED:
                    decision.hang_up(row.key)
                else:
                    decision.abandon(row.key)
                    if row.transfer is not None and row.transfer.state == TransferState.PENDING:
                        row.transfer.state = TransferState.FAILED
                        row.transfer.completed_at = now
                        row.transfer.save(update_fields=["state", "completed_at"])

    def agent_hung_up(self, *, call: CallRef, now: datetime | None = None) -> None:
        """The agent's part of the call is over (same as ``call_ended`` for a connected call)."""
        self.call_ended(call=call, now=now)

    def caller_abandoned(self, *, call: CallRef, now: datetime | None = None) -> None:
        """The caller hung up before an agent answered."""
        self.call_ended(call=call, now=now)

    # --- agents ----------------------------------------------------------------------

    def set_agent_state(
        self,
        *,
        agent: Agent,
        state: str,
        reason: str = "",
        extension: str | None = None,
        actor: Any = None,
        now: datetime | None = None,
    ) -> AgentPresence:
        """Log in or out, go available or not ready with a reason, end a wrap-up early."""
        now = now or timezone.now()
        if state not in {AcdState.AVAILABLE, AcdState.NOT_READY, AcdState.LOGGED_OUT}:
            raise AcdInvalid(
                _("An agent can only choose available, not ready or logged out, not %(state)s.")
                % {"state": state}
            )
        target = acd.AgentState(state)
        if target is acd.AgentState.NOT_READY:
            if reason not in MANUAL_REASONS:
                raise AcdInvalid(
                    _("Not ready needs a reason: %(reasons)s.")
                    % {"reasons": ", ".join(MANUAL_REASONS)}
                )
        elif reason:
            raise AcdInvalid(_("Only not ready takes a reason."))
        with self._decision(now) as decision:
            presence = decision.ensure_agent(agent)
            current = decision.state_of(agent)
            if extension is not None and target is not acd.AgentState.LOGGED_OUT:
                AgentPresence.objects.filter(pk=presence.pk).update(extension=extension.strip())
            if current is target and target is not acd.AgentState.NOT_READY:
                return self.presence(agent)
            if target not in acd.MANUAL_TRANSITIONS[current]:
                raise AcdRefused(self._busy_message(current))
            decision.set_state(agent, target, reason or None)
            record(
                actor=actor,
                action="acd_agent_state",
                obj=agent,
                summary=f"{agent} {current} → {target}{f' ({reason})' if reason else ''}",
                changes={"state": [current.value, target.value]},
            )
        return self.presence(agent)

    @staticmethod
    def _busy_message(current: acd.AgentState) -> str:
        if current is acd.AgentState.RESERVED:
            return _("A call is ringing for this agent: answer it first.")
        if current is acd.AgentState.ON_CALL:
            return _("This agent is on a call: the state changes when the call ends.")
        return _("This change of state is not possible now.")

    def presence(self, agent: Agent) -> AgentPresence:
        presence, _ = AgentPresence.objects.select_related("contact").get_or_create(agent=agent)
        return presence

    # --- transfers -------------------------------------------------------------------

    def transfer(
        self,
        *,
        call: CallRef,
        to_queue: Queue | None = None,
        to_agent: Agent | None = None,
        to_site: Site | None = None,
        consultative: bool = False,
        incident_id: int | None = None,
        actor: Any = None,
        now: datetime | None = None,
    ) -> Transfer:
        """Hand a call in progress to a queue, an agent or a site, keeping its place.

        Blind: the first agent is released at once (wrap-up) and the call waits for the
        target. Consultative: the first agent stays on the call until the target answers,
        then wraps up. The call keeps its priority and required language; the incident
        (linked to the call by telephony) goes with it, so the target's screen pop shows it.
        """
        targets = [t for t in (to_queue, to_agent, to_site) if t is not None]
        if len(targets) != 1:
            raise AcdInvalid(_("Give exactly one target: a queue, an agent or a site."))
        now = now or timezone.now()
        with self._decision(now) as decision:
            rows = self._rows_of(call)
            main = next((row for row in rows if row.state == ContactState.CONNECTED), None)
            if main is None or main.is_callback:
                raise AcdRefused(_("Only a call answered through the ACD can be transferred."))
            if any(
                row.transfer is not None
                and row.transfer.state in OPEN_TRANSFER_STATES
                and row.key != main.key
                for row in rows
            ):
                raise AcdRefused(_("This call is already being transferred."))
            if to_site is not None:
                to_queue = self._queue_at_site(to_site, main)
            if to_agent is not None:
                if to_agent.pk == main.agent_id:
                    raise AcdInvalid(_("The call is already with this agent."))
                if decision.state_of(to_agent) is acd.AgentState.LOGGED_OUT:
                    raise AcdRefused(
                        _("%(agent)s is not logged in to the ACD.") % {"agent": to_agent}
                    )
                target_key = decision.ensure_personal_queue(to_agent)
            else:
                assert to_queue is not None
                target_key = decision.ensure_queue(to_queue)
            transfer = Transfer.objects.create(
                call_id=call.pk,
                from_agent_id=main.agent_id,
                to_queue=to_queue,
                to_agent=to_agent,
                to_site=to_site,
                consultative=consultative,
                incident_id=incident_id,
                requested_by=actor if getattr(actor, "is_authenticated", False) else None,
                created_at=now,
            )
            decision.rows[main.key] = main
            if consultative:
                row = WaitingContact.objects.create(
                    key=transfer_key(transfer.pk),
                    call_id=call.pk,
                    transfer=transfer,
                    queue=to_queue if to_agent is None else None,
                    target_agent=to_agent,
                    arrival=main.arrival,
                    entered_at=now,
                    priority=main.priority,
                    extra_skills=main.extra_skills,
                )
                decision.enqueue(row)
                decision.event(
                    EventKind.TRANSFERRED,
                    row=main,
                    agent_id=agent_key(main.agent_id) if main.agent_id else None,
                )
                decision.event(EventKind.OFFERED, row=row)
            else:
                main.transfer = transfer
                main.save(update_fields=["transfer"])
                decision.transfer(main.key, target_key)
                # Offered to the target queue too (statistics count transfers in).
                decision.event(EventKind.OFFERED, row=main, queue_id=target_key)
            record(
                actor=actor,
                action="acd_transfer",
                obj=transfer,
                summary=(
                    f"{'Consultative' if consultative else 'Blind'} transfer of call {call.pk} "
                    f"to {to_agent or to_queue}"
                ),
            )
        return transfer

    def _consultation(self, call: CallRef) -> tuple[Transfer, WaitingContact | None]:
        transfer = (
            Transfer.objects.filter(
                call_id=call.pk, consultative=True, state__in=OPEN_TRANSFER_STATES
            )
            .order_by("-pk")
            .first()
        )
        if transfer is None:
            raise AcdRefused(_("No consultation is under way on this call."))
        row = WaitingContact.objects.filter(transfer=transfer).first()
        return transfer, row

    def consultation_answered(
        self, *, call: CallRef, agent: Agent, now: datetime | None = None
    ) -> Transfer:
        """The consulted agent answered: the two agents talk while the caller holds; the
        first agent then completes the transfer or cancels it."""
        now = now or timezone.now()
        with self._decision(now) as decision:
            transfer, row = self._consultation(call)
            if row is None or row.state != ContactState.RINGING or row.agent_id != agent.pk:
                raise AcdRefused(_("The consultation does not ring this agent."))
            decision.rows[row.key] = row
            decision.answer(row.key)
            transfer.state = TransferState.CONSULTING
            transfer.answered_by = agent
            transfer.save(update_fields=["state", "answered_by"])
        return transfer

    def complete_transfer(
        self, *, call: CallRef, actor: Any = None, now: datetime | None = None
    ) -> Transfer:
        """The first agent hands the caller over and wraps up.

        After the consultation: the target has the caller, the transfer is complete. While
        the target still rings: the caller waits for them as in a blind transfer, and the
        target's answer completes it.
        """
        now = now or timezone.now()
        with self._decision(now) as decision:
            transfer, target = self._consultation(call)
            for row in self._rows_of(call):
                if (
                    row.state == ContactState.CONNECTED
                    and not row.is_callback
                    and (target is None or row.key != target.key)
                ):
                    decision.rows[row.key] = row
                    decision.hang_up(row.key)
            if transfer.state == TransferState.CONSULTING:
                transfer.state = TransferState.COMPLETED
                transfer.completed_at = now
                transfer.save(update_fields=["state", "completed_at"])
            record(
                actor=actor,
                action="acd_transfer_completed",
                obj=transfer,
                summary=f"Consultative transfer of call {call.pk} completed by the first agent",
            )
        return transfer

    def cancel_transfer(
        self, *, call: CallRef, actor: Any = None, now: datetime | None = None
    ) -> Transfer:
        """The first agent takes the caller back: the target stops ringing, or its part of
        the consultation ends (it wraps up)."""
        now = now or timezone.now()
        with self._decision(now) as decision:
            transfer, target = self._consultation(call)
            if not any(
                row.state == ContactState.CONNECTED
                and not row.is_callback
                and (target is None or row.key != target.key)
                for row in self._rows_of(call)
            ):
                raise AcdRefused(
                    _("The first agent has already left the call: it cannot be taken back.")
                )
            if target is not None:
                decision.rows[target.key] = target
                if target.state == ContactState.CONNECTED:
                    decision.hang_up(target.key)
                else:
                    decision.abandon(target.key, kind=EventKind.WITHDRAWN)
            transfer.state = TransferState.CANCELLED
            transfer.completed_at = now
            transfer.save(update_fields=["state", "completed_at"])
            record(
                actor=actor,
                action="acd_transfer_cancelled",
                obj=transfer,
                summary=f"Consultative transfer of call {call.pk} cancelled",
            )
        return transfer

    @staticmethod
    def _queue_at_site(site: Site, main: WaitingContact) -> Queue:
        """The site's queue of the call's tier, else its first-tier queue."""
        queues = Queue.objects.filter(site=site).select_related("tier").order_by("tier__rank", "pk")
        tier = main.queue.tier_id if main.queue is not None else None
        chosen = queues.filter(tier_id=tier).first() if tier is not None else None
        chosen = chosen or queues.first()
        if chosen is None:
            raise AcdInvalid(_("No queue answers calls at %(site)s.") % {"site": site})
        return chosen

    # --- configuration ---------------------------------------------------------------

    def configure_queue(
        self,
        *,
        queue: Queue,
        changes: dict[str, Any],
        actor: Any = None,
        now: datetime | None = None,
    ) -> QueueRouting:
        """Change how a queue routes; its waiting callers keep their place."""
        now = now or timezone.now()
        routing = QueueRouting.objects.filter(queue=queue).first() or QueueRouting(queue=queue)
        before = {name: getattr(routing, name) for name in changes}
        for name, value in changes.items():
            setattr(routing, name, value)
        routing.full_clean()
        with self._decision(now) as decision:
            routing.save()
            decision.ensure_queue(queue, refresh=True)
            record(
                actor=actor,
                action="acd_queue_routing",
                obj=routing,
                summary=f"Routing of {queue} changed",
                changes={name: [before[name], value] for name, value in changes.items()},
            )
        return routing

    def routing_changed(self, *, actor: Any = None, reason: str = "") -> None:
        """Configuration the routers read (skills, queues, weights, overflow) changed outside
        a decision: every process, this one included, rebuilds its router at its next
        decision instead of up to ``ACD_ROUTER_MAX_AGE_SECONDS`` later."""
        with self.routing_transaction():
            version, _created = RoutingVersion.objects.select_for_update().get_or_create(pk=1)
            version.version += 1
            version.token = uuid.uuid4().hex
            version.changed_at = timezone.now()
            version.save(update_fields=["version", "token", "changed_at"])
            if reason:
                record(actor=actor, action="acd_routing_changed", obj=version, summary=reason)

    # --- time ------------------------------------------------------------------------

    def tick(self, now: datetime | None = None) -> int:
        """What time alone brings (the poller's work): wrap-ups over, overflow steps, ring
        timeouts, scheduled callbacks due. Returns how many things happened."""
        now = now or timezone.now()
        due = RoutingVersion.objects.filter(pk=1).values_list("next_event_at", flat=True).first()
        if due is None or due > now:
            return 0
        with self._decision(now) as decision:
            late = WaitingContact.objects.filter(
                state=ContactState.RINGING, ring_deadline__lte=now
            ).order_by("ring_deadline", "key")
            for row in late:
                decision.rows[row.key] = row
                decision.reject(row.key, reason=NO_ANSWER)
            scheduled = Callback.objects.filter(
                status=CallbackStatus.REQUESTED, contacts__isnull=True, not_before__lte=now
            ).order_by("not_before", "pk")
            for callback in scheduled:
                self._enqueue_callback(decision, callback)
            handled = len(decision.events)
        return handled

    # --- reading ---------------------------------------------------------------------

    def expected_wait(self, queue: Queue, *, priority: int = 0) -> float | None:
        """Seconds a new caller of this priority would wait; None when nobody may answer."""
        return self.expected_waits([queue], priority=priority)[queue.pk]

    def expected_waits(self, queues: list[Queue], *, priority: int = 0) -> dict[int, float | None]:
        """``expected_wait`` of several queues, read at once."""
        out: dict[int, float | None] = {}
        with self._reading() as (router, at):
            for queue in queues:
                try:
                    seconds = router.expected_wait(queue_key(queue.pk), at, priority=priority)
                except acd.UnknownId:  # created since the router was built
                    seconds = float("inf")
                out[queue.pk] = None if seconds == float("inf") else round(seconds, 1)
        return out


service = AcdService()
