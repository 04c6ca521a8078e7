"""The life of an incident after intake: work, status, classification, resolution.

Each action locks the incident row, checks the transition, writes the history and
the timeline, refreshes the clocks, and puts its event in the webhook outbox, in
one transaction.
"""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from escalade.core.audit import record
from escalade.core.principal import Principal
from escalade.incidents.consumption import refund_units
from escalade.incidents.events import emit_incident_event
from escalade.incidents.models import (
    TRANSITIONS,
    Classification,
    Closure,
    EntryKind,
    Incident,
    Status,
    StatusChange,
)
from escalade.incidents.sla import refresh_clocks
from escalade.incidents.timeline import add_entry
from escalade.network.models import Agent


def locked(incident: Incident) -> Incident:
    return (
        Incident.objects.select_for_update(of=("self",))
        .select_related("contract__plan__calendar", "queue", "tier", "account", "owner__user")
        .get(pk=incident.pk)
    )


def _responded(incident: Incident, now: datetime) -> None:
    if incident.responded_at is None:
        incident.responded_at = now
        incident.save(update_fields=["responded_at"])


def _move(incident: Incident, to: str, *, actor: Any, now: datetime, note: str = "") -> None:
    current = incident.status
    if to not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(str(Status(s).label) for s in TRANSITIONS[current])) or "-"
        raise ValidationError(
            {
                "status": _("A %(current)s incident cannot become %(to)s (possible: %(allowed)s).")
                % {
                    "current": Status(current).label,
                    "to": Status(to).label,
                    "allowed": allowed,
                }
            }
        )
    StatusChange.objects.create(
        incident=incident,
        at=now,
        from_status=current,
        to_status=to,
        actor_id=getattr(actor, "pk", None),
    )
    incident.status = to
    incident.save(update_fields=["status"])
    add_entry(
        incident=incident,
        kind=EntryKind.STATUS,
        actor=actor,
        at=now,
        customer_visible=True,
        body=note or _("Status: %(status)s") % {"status": Status(to).label},
        data={"from": current, "to": to},
    )
    if to in (Status.OPEN, Status.PENDING_CUSTOMER, Status.PENDING_VENDOR):
        _responded(incident, now)


def _finish(
    incident: Incident, *, actor: Any, action: str, summary: str, now: datetime
) -> Incident:
    record(actor=actor, action=action, obj=incident, summary=f"{incident.number}: {summary}")
    refresh_clocks(incident, now=now)
    emit_incident_event(f"incident.{action}", incident)
    return incident


def do_change_status(
    *, actor: Any, incident: Incident, status: str, note: str = "", now: datetime
) -> Incident:
    if status in (Status.RESOLVED, Status.CLOSED, Status.REOPENED):
        raise ValidationError(
            {"status": _("Use resolve, close, cancel or reopen for this change.")}
        )
    with transaction.atomic():
        incident = locked(incident)
        _move(incident, status, actor=actor, now=now, note=note)
        return _finish(incident, actor=actor, action="status_changed", summary=status, now=now)


def do_add_note(
    *, actor: Any, incident: Incident, body: str, customer_visible: bool, now: datetime
) -> Incident:
    if not body.strip():
        raise ValidationError({"body": _("A note needs some text.")})
    with transaction.atomic():
        incident = locked(incident)
        add_entry(
            incident=incident,
            kind=EntryKind.NOTE,
            actor=actor,
            at=now,
            body=body.strip(),
            customer_visible=customer_visible,
        )
        if customer_visible:
            _responded(incident, now)
        return _finish(incident, actor=actor, action="note_added", summary="note", now=now)


def do_add_diagnostic_step(
    *, actor: Any, incident: Incident, step: str, outcome: str, now: datetime
) -> Incident:
    """Record a diagnostic step and what it showed, so the next tier does not repeat it."""
    if not step.strip():
        raise ValidationError({"step": _("Say what was checked.")})
    with transaction.atomic():
        incident = locked(incident)
        add_entry(
            incident=incident,
            kind=EntryKind.DIAGNOSTIC,
            actor=actor,
            at=now,
            body=step.strip(),
            data={"outcome": outcome.strip()},
        )
        return _finish(incident, actor=actor, action="diagnostic_added", summary=step, now=now)


def do_assign(
    *, principal: Principal, actor: Any, incident: Incident, agent: Agent | None, now: datetime
) -> Incident:
    with transaction.atomic():
        incident = locked(incident)
        if (
            agent is not None
            and principal.is_partner_staff
            and agent.organization_id != principal.organization_id
        ):
            raise ValidationError(
                {"owner_id": _("Assign the case to someone of your organisation.")}
            )
        if agent is not None and agent.organization_id != incident.queue.organization_id:
            raise ValidationError(
                {"owner_id": _("The owner must work for the organisation of the case's queue.")}
            )
        incident.owner = agent
        incident.save(update_fields=["owner"])
        add_entry(
            incident=incident,
            kind=EntryKind.NOTE,
            actor=actor,
            at=now,
            body=_("Assigned to %(agent)s") % {"agent": agent} if agent else _("Unassigned"),
            data={"owner_id": agent.pk if agent else None},
        )
        return _finish(incident, actor=actor, action="assigned", summary=str(agent), now=now)


def do_reclassify(
    *, actor: Any, incident: Incident, classification: str, bug_reference: str | None, now: datetime
) -> Incident:
    """Classify the case; a product bug gives back the units of bug-exempt allowances."""
    with transaction.atomic():
        incident = locked(incident)
        before = incident.classification
        incident.classification = classification
        if bug_reference is not None:
            incident.bug_reference = bug_reference.strip()
        incident.save(update_fields=["classification", "bug_reference"])
        add_entry(
            incident=incident,
            kind=EntryKind.NOTE,
            actor=actor,
            at=now,
            body=_("Classified as %(label)s") % {"label": Classification(classification).label},
            data={"from": before, "to": classification, "bug_reference": incident.bug_reference},
        )
        if classification == Classification.DEFECT and before != Classification.DEFECT:
            refunds = refund_units(
                incident=incident,
                reason=_("Product bug %(bug)s: does not count")
                % {"bug": incident.bug_reference or "?"},
                actor=actor,
                now=now,
                only_bug_exempt=True,
            )
            _note_refunds(incident, refunds, actor, now)
        return _finish(
            incident, actor=actor, action="reclassified", summary=classification, now=now
        )


def _note_refunds(incident: Incident, refunds: list[Any], actor: Any, now: datetime) -> None:
    for refund in refunds:
        add_entry(
            incident=incident,
            kind=EntryKind.ENTITLEMENT,
            actor=actor,
            at=now,
            body=_("Unit of %(name)s given back: %(reason)s")
            % {"name": refund.entitlement.name, "reason": refund.reason},
            data={"entry_id": refund.pk, "kind": "refund"},
        )


def do_resolve(*, actor: Any, incident: Incident, summary: str, now: datetime) -> Incident:
    if not summary.strip():
        raise ValidationError({"summary": _("Say how it was resolved.")})
    with transaction.atomic():
        incident = locked(incident)
        _move(incident, Status.RESOLVED, actor=actor, now=now, note=summary.strip())
        incident.resolution_summary = summary.strip()
        incident.resolved_at = now
        incident.closure = Closure.RESOLVED
        incident.save(update_fields=["resolution_summary", "resolved_at", "closure"])
        return _finish(incident, actor=actor, action="resolved", summary=summary, now=now)


def do_reopen(*, actor: Any, incident: Incident, reason: str, now: datetime) -> Incident:
    """Reopen a resolved case; it keeps its allowance unit, it is not counted twice."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is reopened.")})
    with transaction.atomic():
        incident = locked(incident)
        _move(incident, Status.REOPENED, actor=actor, now=now, note=reason.strip())
        incident.resolved_at = None
        incident.closure = ""
        incident.save(update_fields=["resolved_at", "closure"])
        return _finish(incident, actor=actor, action="reopened", summary=reason, now=now)


def do_close(*, actor: Any, incident: Incident, now: datetime) -> Incident:
    with transaction.atomic():
        incident = locked(incident)
        if incident.status != Status.RESOLVED:
            raise ValidationError({"status": _("Only a resolved case can be closed.")})
        _move(incident, Status.CLOSED, actor=actor, now=now)
        return _finish(incident, actor=actor, action="closed", summary="closed", now=now)


def do_cancel(*, actor: Any, incident: Incident, reason: str, now: datetime) -> Incident:
    """Cancel an open case; within the grace period its allowance unit is given back."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is cancelled.")})
    with transaction.atomic():
        incident = locked(incident)
        if incident.status in (Status.RESOLVED, Status.CLOSED, Status.PENDING_VENDOR):
            raise ValidationError({"status": _("This case can no longer be cancelled.")})
        _move(incident, Status.CLOSED, actor=actor, now=now, note=reason.strip())
        incident.closure = Closure.CANCELLED
        incident.save(update_fields=["closure"])
        grace = timedelta(minutes=settings.INCIDENT_CANCEL_GRACE_MINUTES)
        if now - incident.created_at <= grace:
            refunds = refund_units(
                incident=incident,
                reason=_("Cancelled within %(minutes)s minutes: %(reason)s")
                % {"minutes": settings.INCIDENT_CANCEL_GRACE_MINUTES, "reason": reason.strip()},
                actor=actor,
                now=now,
                only_bug_exempt=False,
            )
            _note_refunds(incident, refunds, actor, now)
        return _finish(incident, actor=actor, action="cancelled", summary=reason, now=now)
