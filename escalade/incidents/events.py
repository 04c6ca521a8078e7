"""Outbound events of incidents, written to the webhook outbox inside the action."""

from typing import Any

from escalade.incidents.models import Incident
from escalade.webhooks.outbox import emit


def incident_payload(incident: Incident) -> dict[str, Any]:
    return {
        "number": incident.number,
        "title": incident.title,
        "status": incident.status,
        "severity": incident.severity,
        "account": {"id": incident.account_id, "number": incident.account.number},
        "queue": incident.queue.name,
        "tier": incident.tier.code,
        "owner": incident.owner.user.get_username() if incident.owner else None,
        "coverage": incident.coverage,
        "classification": incident.classification,
        "sla_due_at": incident.sla_due_at.isoformat() if incident.sla_due_at else None,
    }


def emit_incident_event(event: str, incident: Incident, **extra: Any) -> None:
    emit(event, {"incident": incident_payload(incident), **extra})
