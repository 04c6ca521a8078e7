"""Reads of incidents, scoped: vendor staff see all, partners their queues' cases.

Customers see the cases of their own account.
"""

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from escalade.core.principal import Principal
from escalade.incidents.models import (
    ACTIVE_STATUSES,
    Escalation,
    Incident,
    IncidentAccess,
    RoutingRule,
    SlaEvent,
    TimelineEntry,
)


def incidents(principal: Principal) -> QuerySet[Incident]:
    queryset = Incident.objects.select_related(
        "account", "contact", "licence", "product", "queue", "tier", "owner__user"
    )
    if principal.account_id is not None:
        return queryset.filter(account_id=principal.account_id)
    if principal.is_partner_staff:
        granted = IncidentAccess.objects.filter(
            incident_id=OuterRef("pk"), organization_id=principal.organization_id
        )
        return queryset.filter(
            Q(queue__organization_id=principal.organization_id) | Exists(granted)
        ).exclude(account__segment="premier")
    return queryset


def writable_incidents(principal: Principal) -> QuerySet[Incident]:
    """Cases the caller may act on: a partner only those in its own queues (not handed on)."""
    queryset = incidents(principal)
    if principal.is_partner_staff:
        return queryset.filter(queue__organization_id=principal.organization_id)
    return queryset


def active(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    return queryset.filter(status__in=ACTIVE_STATUSES)


def by_urgency(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """Most urgent first: the nearest SLA deadline, then severity, then age.

    Cases without a running deadline come last on every database (SQLite would put
    NULLs first, PostgreSQL last); the id keeps pages stable.
    """
    return queryset.order_by(F("sla_due_at").asc(nulls_last=True), "severity", "created_at", "id")


def timeline(principal: Principal, incident: Incident) -> QuerySet[TimelineEntry]:
    entries = TimelineEntry.objects.filter(incident=incident).select_related("actor")
    if not principal.is_staff_side:
        entries = entries.filter(customer_visible=True)
    return entries


def customer_timeline(principal: Principal, account_id: int) -> QuerySet[TimelineEntry]:
    entries = TimelineEntry.objects.filter(account_id=account_id).select_related(
        "actor", "incident"
    )
    if not principal.is_staff_side:
        return entries.filter(customer_visible=True)
    if principal.is_partner_staff:
        return entries.filter(
            Q(incident__isnull=True) | Q(incident__in=incidents(principal).values("pk"))
        )
    return entries


def escalation_path(incident: Incident) -> QuerySet[Escalation]:
    return incident.escalations.select_related(
        "from_queue", "to_queue", "from_tier", "to_tier", "actor"
    )


def sla_events(principal: Principal) -> QuerySet[SlaEvent]:
    return SlaEvent.objects.filter(incident__in=incidents(principal).values("pk")).select_related(
        "incident", "incident__queue", "incident__owner__user"
    )


def routing_rules() -> QuerySet[RoutingRule]:
    return RoutingRule.objects.select_related("tier", "queue")
