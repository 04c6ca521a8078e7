"""Callbacks: a customer called back by the next free agent, keeping a place in line.

A callback is requested from the portal or the API (now, or not before a given time),
or for a caller already waiting (virtual hold: the call's place is kept and its
hang-up is not an abandon). When it is due it waits in its queue like a call; the
router reserves an agent for it; the ``acd`` poller then places the call through the
``Dialer`` and the agent is on it; the agent says how it went (done, failed, again).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.contactcenter.decision import Decision
from escalade.contactcenter.dialer import DialError, get_dialer
from escalade.contactcenter.host import AcdInvalid, AcdRefused, CallRef, RouterHost
from escalade.contactcenter.models import (
    Callback,
    CallbackStatus,
    ContactState,
    EventKind,
    QueueRouting,
    WaitingContact,
)
from escalade.contactcenter.snapshot import (
    callback_key,
)
from escalade.core.audit import record
from escalade.customers.models import Account, Contact
from escalade.engines.phones import PhoneNumberError, to_e164
from escalade.network.models import Queue

logger = logging.getLogger("escalade.contactcenter")

# A callback still "dialing" this long without the dialer's reference was never placed:
# the process placing it died. ``ACD_CALLBACK_DIAL_TIMEOUT_SECONDS`` overrides it.
DIAL_TIMEOUT_SECONDS = 120


def dial_timeout() -> timedelta:
    return timedelta(
        seconds=float(getattr(settings, "ACD_CALLBACK_DIAL_TIMEOUT_SECONDS", DIAL_TIMEOUT_SECONDS))
    )


class CallbackService(RouterHost):
    """The callback operations of the ACD service."""

    # --- callbacks -------------------------------------------------------------------

    def request_callback(
        self,
        *,
        queue: Queue | None = None,
        number: str = "",
        account: Account | None = None,
        contact: Contact | None = None,
        call: CallRef | None = None,
        not_before: datetime | None = None,
        note: str = "",
        actor: Any = None,
        now: datetime | None = None,
    ) -> Callback:
        """A customer to call back: from the portal or API, or a waiting caller (virtual hold).

        A waiting caller keeps the place of the call; another request takes its place
        when it becomes due (now, or ``not_before``).
        """
        now = now or timezone.now()
        if call is not None:
            return self._convert_call(call=call, number=number, note=note, actor=actor, now=now)
        if queue is None:
            raise AcdInvalid(_("Say which queue should call back."))
        if contact is not None and account is None:
            account = contact.account
        if contact is not None and account is not None and contact.account_id != account.pk:
            raise AcdInvalid(_("This contact belongs to another account."))
        e164 = self._e164(number, account)
        due = not_before if not_before is not None and not_before > now else None
        language = (contact.language if contact else "") or (account.language if account else "")
        with self._decision(now) as decision:
            callback = Callback.objects.create(
                account=account,
                contact=contact,
                number=e164,
                queue=queue,
                requested_at=now,
                not_before=due,
                original_arrival=due or now,
                priority=self.priority_of(account),
                language=language,
                requested_by=actor if getattr(actor, "is_authenticated", False) else None,
                note=note,
            )
            if due is None:
                self._enqueue_callback(decision, callback)
            record(
                actor=actor,
                action="acd_callback_requested",
                obj=callback,
                summary=f"Callback to {e164} in {queue}",
            )
        callback.refresh_from_db()
        return callback

    def _e164(self, number: str, account: Account | None) -> str:
        text = (number or "").strip()
        if not text:
            raise AcdInvalid(_("Give the number to call back."))
        try:
            return to_e164(text, region=(account.country if account else None) or None)
        except PhoneNumberError as exc:
            raise AcdInvalid(
                _("%(number)s is not a phone number that can be called.") % {"number": text}
            ) from exc

    def _enqueue_callback(self, decision: Decision, callback: Callback) -> WaitingContact:
        decision.ensure_queue(callback.queue)
        routing = QueueRouting.objects.filter(queue_id=callback.queue_id).first()
        match = routing.match_language if routing is not None else True
        language = callback.language.strip().lower()
        row = WaitingContact.objects.create(
            key=callback_key(callback.pk),
            callback=callback,
            queue_id=callback.queue_id,
            arrival=min(callback.original_arrival, decision.now),
            entered_at=decision.now,
            priority=callback.priority,
            extra_skills={f"language:{language}": 1} if match and language else {},
            is_callback=True,
        )
        decision.enqueue(row)
        decision.event(EventKind.OFFERED, row=row)
        return row

    def _convert_call(
        self, *, call: CallRef, number: str, note: str, actor: Any, now: datetime
    ) -> Callback:
        with self._decision(now) as decision:
            row = (
                WaitingContact.objects.filter(call_id=call.pk, transfer__isnull=True)
                .select_related("call", "queue")
                .first()
            )
            if row is None or row.state != ContactState.WAITING or row.is_callback:
                raise AcdRefused(_("Only a caller waiting in a queue can be offered a callback."))
            assert row.call is not None
            assert row.queue is not None
            account = (
                Account.objects.filter(pk=row.call.account_id).first()
                if row.call.account_id is not None
                else None
            )
            e164 = self._e164(number or row.call.customer_number, account)
            callback = Callback.objects.create(
                account=account,
                contact_id=row.call.contact_id,
                number=e164,
                queue=row.queue,
                requested_at=now,
                original_arrival=row.arrival,
                priority=row.priority,
                call_id=call.pk,
                requested_by=actor if getattr(actor, "is_authenticated", False) else None,
                note=note,
            )
            row.callback = callback
            row.save(update_fields=["callback"])
            decision.rows[row.key] = row
            decision.convert_to_callback(row.key)
            decision.event(EventKind.CALLBACK, row=row)
            record(
                actor=actor,
                action="acd_callback_requested",
                obj=callback,
                summary=f"Caller of call {call.pk} to be called back at {e164}",
            )
        callback.refresh_from_db()
        return callback

    def cancel_callback(
        self, *, callback: Callback, actor: Any = None, now: datetime | None = None
    ) -> Callback:
        now = now or timezone.now()
        with self._decision(now) as decision:
            callback = Callback.objects.select_for_update().get(pk=callback.pk)
            if callback.status not in (CallbackStatus.REQUESTED, CallbackStatus.RESERVED):
                raise AcdRefused(_("This callback is already being dialled or is over."))
            for row in WaitingContact.objects.filter(callback=callback):
                decision.rows[row.key] = row
                decision.abandon(row.key, kind=EventKind.WITHDRAWN)
            callback.status = CallbackStatus.CANCELLED
            callback.finished_at = now
            callback.save(update_fields=["status", "finished_at"])
            record(actor=actor, action="acd_callback_cancelled", obj=callback, summary="Cancelled")
        return callback

    def finish_callback(
        self,
        *,
        callback: Callback,
        outcome: str,
        actor: Any = None,
        now: datetime | None = None,
    ) -> Callback:
        """The agent says how the callback went: done, failed, or to be tried again."""
        if outcome not in {CallbackStatus.DONE, CallbackStatus.FAILED, CallbackStatus.REQUESTED}:
            raise AcdInvalid(_("The outcome is done, failed or requested (try again)."))
        now = now or timezone.now()
        with self._decision(now) as decision:
            callback = Callback.objects.select_for_update().get(pk=callback.pk)
            if callback.status != CallbackStatus.DIALING:
                raise AcdRefused(_("Only a callback being dialled can be finished."))
            self._end_dialing(decision, callback, outcome=outcome)
            record(
                actor=actor,
                action="acd_callback_finished",
                obj=callback,
                summary=f"Callback {outcome}",
            )
        return callback

    def _end_dialing(self, decision: Decision, callback: Callback, *, outcome: str) -> None:
        """The agent's part ends; ``requested``: back in line at its original place."""
        for row in WaitingContact.objects.filter(callback=callback):
            decision.rows[row.key] = row
            if row.state == ContactState.CONNECTED:
                decision.hang_up(row.key)
            else:
                decision.abandon(row.key, kind=EventKind.WITHDRAWN)
        callback.status = outcome
        if outcome == CallbackStatus.REQUESTED:
            callback.agent = None
            self._enqueue_callback(decision, callback)
        else:
            callback.finished_at = decision.now
        callback.save(update_fields=["status", "agent", "finished_at"])

    def requeue_stale_callbacks(self, now: datetime | None = None, *, limit: int = 20) -> int:
        """Callbacks left "dialing" by a process that died before the dialer placed the
        call go back in line, at the place they had (the poller's work).

        Stale: dialing for longer than the dial timeout with no reference from the dialer.
        A callback the dialer placed keeps dialing until its agent finishes it.
        """
        now = now or timezone.now()
        stale = Callback.objects.filter(
            status=CallbackStatus.DIALING, dial_reference="", dialed_at__lt=now - dial_timeout()
        )
        if not stale.exists():
            return 0
        with self._decision(now) as decision:
            # Read again under the routing lock: another worker may have swept them.
            callbacks = list(stale.select_for_update().order_by("original_arrival", "pk")[:limit])
            for callback in callbacks:
                self._end_dialing(decision, callback, outcome=CallbackStatus.REQUESTED)
                record(
                    actor=None,
                    action="acd_callback_requeued",
                    obj=callback,
                    summary=(
                        f"Callback to {callback.number} never dialled "
                        f"(since {callback.dialed_at:%H:%M:%S}): back in line at its place"
                    ),
                )
        return len(callbacks)

    def dial_reserved_callbacks(self, now: datetime | None = None, *, limit: int = 20) -> int:
        """Place the calls of callbacks that have an agent reserved (the poller's work).

        The agent goes on the call when dialling starts; a dialer error fails the callback
        and frees the agent.
        """
        if not Callback.objects.filter(status=CallbackStatus.RESERVED).exists():
            return 0
        now = now or timezone.now()
        started: list[Callback] = []
        with self._decision(now) as decision:
            reserved = Callback.objects.filter(status=CallbackStatus.RESERVED).select_related(
                "agent__user"
            )
            for callback in reserved.order_by("original_arrival", "pk")[:limit]:
                row = WaitingContact.objects.filter(
                    callback=callback, state=ContactState.RINGING
                ).first()
                if row is None:
                    continue
                decision.rows[row.key] = row
                decision.answer(row.key)
                callback.status = CallbackStatus.DIALING
                callback.attempts += 1
                callback.dialed_at = now
                callback.save(update_fields=["status", "attempts", "dialed_at"])
                started.append(callback)
        dialer = get_dialer()
        for callback in started:
            assert callback.agent is not None
            try:
                reference = dialer.place_call(
                    agent=callback.agent, number=callback.number, callback=callback
                )
            except DialError as exc:
                logger.warning("Callback %s could not be dialled: %s", callback.pk, exc)
                self.finish_callback(callback=callback, outcome=CallbackStatus.FAILED, now=now)
            except Exception:
                logger.exception("The dialer failed on callback %s.", callback.pk)
                self.finish_callback(callback=callback, outcome=CallbackStatus.FAILED, now=now)
            else:
                Callback.objects.filter(pk=callback.pk).update(dial_reference=reference[:120])
        return len(started)
