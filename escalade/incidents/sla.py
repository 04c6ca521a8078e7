"""SLA clocks of an incident, computed by the engine from its status history.

Nothing here counts time by itself: the clocks are recomputed from the history
whenever asked, so they never drift. What is stored (``sla_due_at``,
``sla_check_at``, ``sla_state``) only orders lists and tells the watcher when to
look again; warnings and breaches are SlaEvent rows, unique per clock and kind,
so each is raised exactly once however many workers look.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from escalade.contracts.models import ServicePlan, ServiceTarget
from escalade.core.refcache import Reference
from escalade.engines import sla as engine
from escalade.engines.business_time import Calendar
from escalade.incidents.events import emit_incident_event
from escalade.incidents.models import (
    EntryKind,
    Escalation,
    Incident,
    SlaEvent,
    SlaEventKind,
    Status,
    TierTarget,
)
from escalade.incidents.timeline import add_entry

PAUSES = frozenset({Status.PENDING_CUSTOMER.value})
STOPS = frozenset({Status.RESOLVED.value, Status.CLOSED.value})


SERVICE_TARGETS = Reference(
    "service targets",
    lambda: {(t.plan_id, t.severity): t for t in ServiceTarget.objects.all()},
    (ServiceTarget, ServicePlan),
)
TIER_TARGETS = Reference(
    "tier targets", lambda: {t.tier_id: t for t in TierTarget.objects.all()}, (TierTarget,)
)


@dataclass(frozen=True, slots=True)
class NamedClock:
    name: str  # first_response, resolution, handoff:<n>
    label: str
    clock: engine.Clock


def _calendar(incident: Incident, now: datetime) -> Calendar | None:
    if incident.contract is None:
        return None
    # A fixed span of years per year of `now`, so every incident shares one calendar object.
    return incident.contract.plan.engine_calendar(first_year=now.year - 5, last_year=now.year + 2)


@dataclass(frozen=True, slots=True)
class Known:
    """What the caller already knows of a case, so the clocks need not read it back.

    Intake knows everything: the history is its one "new" change, nothing escalated,
    no alert raised yet.
    """

    history: list[tuple[datetime, str]]
    last_escalation: Escalation | None = None
    events: frozenset[tuple[str, str]] = frozenset()


def clocks(incident: Incident, *, now: datetime, known: Known | None = None) -> list[NamedClock]:
    """The incident's clocks at ``now``: first response, resolution, current tier hand-off.

    The hand-off clock pauses while the customer is awaited, like resolution: the tier
    is not holding the case then.
    """
    # A server whose clock runs a little behind must not ask about a time before creation.
    now = max(now, incident.created_at)
    calendar = _calendar(incident, now)
    if calendar is None or incident.contract is None:
        return []
    plan = incident.contract.plan
    target = SERVICE_TARGETS.get().get((plan.pk, incident.severity))
    if target is None:
        return []
    history = (
        known.history
        if known is not None
        else [(change.at, change.to_status) for change in incident.status_changes.all()]
    )
    warn = plan.warning_share
    result = []
    responded = incident.responded_at or incident.resolved_at
    result.append(
        NamedClock(
            "first_response",
            _("First response"),
            engine.first_response_clock(
                calendar=calendar,
                target_minutes=target.first_response_minutes,
                warn_ratio=warn,
                created_at=incident.created_at,
                responded_at=responded,
                now=now,
            ),
        )
    )
    resolution_spans = engine.running_spans(
        history=history, pause_statuses=PAUSES, stop_statuses=STOPS, now=now
    )
    result.append(
        NamedClock(
            "resolution",
            _("Resolution"),
            engine.resolution_clock(
                calendar=calendar,
                target_minutes=target.resolution_minutes,
                warn_ratio=warn,
                history=history,
                now=now,
                pause_statuses=PAUSES,
                stop_statuses=STOPS,
            ),
        )
    )
    tier_target = TIER_TARGETS.get().get(incident.tier_id)
    if tier_target is not None:
        last = (
            known.last_escalation
            if known is not None
            else incident.escalations.order_by("-at", "-id").first()
        )
        stay_start = last.at if last else incident.created_at
        stay_spans = [
            (max(start, stay_start), end)
            for start, end in resolution_spans
            if end is None or end > stay_start
        ]
        result.append(
            NamedClock(
                f"handoff:{last.pk if last else 0}",
                _("Hand-off at %(tier)s") % {"tier": incident.tier.code},
                engine.measure(
                    calendar=calendar,
                    target_minutes=tier_target.handoff_minutes,
                    warn_ratio=warn,
                    spans=stay_spans,
                    now=now,
                    paused=incident.status in PAUSES,
                ),
            )
        )
    return result


def refresh_clocks(
    incident: Incident, *, now: datetime, known: Known | None = None
) -> list[SlaEvent]:
    """Recompute the clocks, raise warnings and breaches that are due, store the summary.

    Runs inside the caller's transaction (an action, or the watcher's own).
    Returns the events raised now (empty when they were raised before).
    """
    named = clocks(incident, now=now, known=known)
    raised = raise_due(incident, named, now=now, known=known)
    summarize(incident, named, now=now)
    incident.save(update_fields=["sla_due_at", "sla_check_at", "sla_state"])
    return raised


def summarize(incident: Incident, named: list[NamedClock], *, now: datetime) -> None:
    """Set what is stored of the clocks (due, next check, state); the caller saves.

    Kept on the instance too: the response of the action shows these same clocks.
    """
    incident.computed_clocks = (now, named)  # type: ignore[attr-defined]
    running = [c.clock for c in named if c.clock.state == engine.ClockState.RUNNING]
    deadlines = [c.deadline for c in running if c.deadline is not None]
    upcoming = [
        instant
        for c in running
        for instant in (c.warn_at, c.deadline)
        if instant is not None and instant > now
    ]
    incident.sla_due_at = min(deadlines) if deadlines else None
    incident.sla_check_at = min(upcoming) if upcoming else None
    if any(c.clock.breached for c in named):
        incident.sla_state = "breached"
    elif any(c.warned for c in running):
        incident.sla_state = "warning"
    else:
        incident.sla_state = "ok"


def raise_due(
    incident: Incident, named: list[NamedClock], *, now: datetime, known: Known | None = None
) -> list[SlaEvent]:
    """Raise the warnings and breaches of these clocks that were not raised yet."""
    raised = []
    existing = (
        set(known.events)
        if known is not None
        else set(incident.sla_events.values_list("clock", "kind"))
    )
    for item in named:
        for kind, instant in (
            (SlaEventKind.WARNING, item.clock.warned_at),
            (SlaEventKind.BREACH, item.clock.breached_at),
        ):
            if instant is None or (item.name, kind) in existing:
                continue
            event = _raise(incident, item, kind, instant, now)
            if event is not None:
                raised.append(event)
                existing.add((item.name, kind))
    return raised


def _raise(
    incident: Incident, item: NamedClock, kind: str, due_at: datetime, now: datetime
) -> SlaEvent | None:
    try:
        with transaction.atomic():
            event = SlaEvent.objects.create(
                incident=incident, clock=item.name, kind=kind, due_at=due_at, raised_at=now
            )
    except IntegrityError:
        return None  # another worker raised it first
    text = (
        _("%(clock)s: warning, %(share)s of the target used.")
        if kind == SlaEventKind.WARNING
        else _("%(clock)s: target breached.")
    ) % {
        "clock": item.label,
        "share": f"{incident.contract.plan.warning_share:.0%}" if incident.contract else "",
    }
    add_entry(
        incident=incident,
        kind=EntryKind.SLA,
        actor=None,
        # Dated when the threshold was crossed, not when a worker noticed it.
        at=due_at,
        body=text,
        data={"clock": item.name, "kind": kind, "due_at": due_at.isoformat()},
    )
    emit_incident_event(
        f"incident.sla_{kind}", incident, clock=item.name, due_at=due_at.isoformat()
    )
    return event
