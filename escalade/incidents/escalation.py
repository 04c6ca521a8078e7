"""Moving a case between tiers, queues and sites, with its whole file.

The file (timeline, diagnosis, history) stays on the incident, so the next tier
sees everything; ownership goes to the target queue; a partner that hands a case
on keeps read access to it (setting ``PARTNER_KEEPS_ESCALATED_ACCESS``).
"""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from escalade.core.audit import record
from escalade.incidents.events import emit_incident_event
from escalade.incidents.lifecycle import locked
from escalade.incidents.models import (
    ACTIVE_STATUSES,
    Direction,
    EntryKind,
    Escalation,
    Incident,
    IncidentAccess,
)
from escalade.incidents.routing import next_tier, previous_tier, route
from escalade.incidents.sla import refresh_clocks
from escalade.incidents.timeline import add_entry
from escalade.network.models import Queue, Site, Tier


def _target(incident: Incident, *, queue_id: int | None, site_id: int | None) -> tuple[Queue, Tier]:
    if queue_id is not None:
        queue = Queue.objects.select_related("tier", "organization").filter(pk=queue_id).first()
        if queue is None:
            raise ValidationError({"queue_id": _("No such queue.")})
        return queue, queue.tier
    tier = next_tier(incident.tier)
    if tier is None:
        raise ValidationError(_("This case is already at the last tier."))
    if site_id is not None:
        site = Site.objects.filter(pk=site_id).first()
        if site is None:
            raise ValidationError({"site_id": _("No such site.")})
        at_site = Queue.objects.select_related("tier", "organization").filter(site=site)
        queue = at_site.filter(tier=tier).first() or at_site.filter(tier=incident.tier).first()
        if queue is None:
            raise ValidationError(
                {"site_id": _("%(site)s has no queue at %(tier)s.") % {"site": site, "tier": tier}}
            )
        return queue, queue.tier
    language = incident.contact.language if incident.contact else incident.account.language
    queue = route(
        tier=tier,
        account=incident.account,
        contract=incident.contract,
        product_id=incident.product_id,
        language=language,
    )
    return queue, tier


def _move_to(
    incident: Incident,
    *,
    queue: Queue,
    tier: Tier,
    reason: str,
    actor: Any,
    now: datetime,
) -> Escalation:
    if incident.status not in ACTIVE_STATUSES:
        raise ValidationError(_("Only an active case can be escalated; reopen it first."))
    if queue.pk == incident.queue_id:
        raise ValidationError({"queue_id": _("The case is already in this queue.")})
    if incident.account.is_premier and queue.organization.is_partner:
        raise ValidationError(
            {"queue_id": _("Premier cases stay with internal teams; pick an internal queue.")}
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case moves.")})
    if tier.rank > incident.tier.rank:
        direction = Direction.UP
    elif tier.rank < incident.tier.rank:
        direction = Direction.DOWN
    else:
        direction = Direction.ACROSS
    previous_queue = incident.queue
    step = Escalation.objects.create(
        incident=incident,
        at=now,
        direction=direction,
        from_queue=previous_queue,
        to_queue=queue,
        from_tier=incident.tier,
        to_tier=tier,
        reason=reason.strip(),
        actor_id=getattr(actor, "pk", None),
    )
    if previous_queue.organization.is_partner and settings.PARTNER_KEEPS_ESCALATED_ACCESS:
        IncidentAccess.objects.get_or_create(
            incident=incident, organization_id=previous_queue.organization_id
        )
    incident.queue = queue
    incident.tier = tier
    incident.owner = None
    incident.save(update_fields=["queue", "tier", "owner"])
    add_entry(
        incident=incident,
        kind=EntryKind.ESCALATION,
        actor=actor,
        at=now,
        body=reason.strip(),
        data={
            "direction": direction,
            "from_queue": previous_queue.name,
            "to_queue": queue.name,
            "from_tier": step.from_tier.code,
            "to_tier": tier.code,
        },
    )
    record(
        actor=actor,
        action=f"escalate_{direction}",
        obj=incident,
        summary=f"{incident.number}: {previous_queue} → {queue}",
    )
    refresh_clocks(incident, now=now)
    emit_incident_event(
        "incident.escalated",
        incident,
        direction=direction,
        from_queue=previous_queue.name,
        reason=reason.strip(),
    )
    return step


def do_escalate(
    *,
    actor: Any,
    incident: Incident,
    reason: str,
    now: datetime,
    queue_id: int | None = None,
    site_id: int | None = None,
) -> Escalation:
    """Escalate to the next tier (routing rules pick the queue), or to a queue or a site."""
    with transaction.atomic():
        incident = locked(incident)
        queue, tier = _target(incident, queue_id=queue_id, site_id=site_id)
        return _move_to(incident, queue=queue, tier=tier, reason=reason, actor=actor, now=now)


def do_deescalate(*, actor: Any, incident: Incident, reason: str, now: datetime) -> Escalation:
    """Send the case back down: to the queue it came up from, else by the routing rules."""
    with transaction.atomic():
        incident = locked(incident)
        tier = previous_tier(incident.tier)
        if tier is None:
            raise ValidationError(_("This case is already at the first tier."))
        came_from = (
            incident.escalations.filter(to_tier=incident.tier, from_tier=tier)
            .select_related("from_queue__organization", "from_queue__tier")
            .order_by("-at", "-id")
            .first()
        )
        if came_from is not None:
            queue = came_from.from_queue
        else:
            language = incident.contact.language if incident.contact else incident.account.language
            queue = route(
                tier=tier,
                account=incident.account,
                contract=incident.contract,
                product_id=incident.product_id,
                language=language,
            )
        return _move_to(incident, queue=queue, tier=tier, reason=reason, actor=actor, now=now)
