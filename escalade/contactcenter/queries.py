"""Reads of the contact center, scoped to the caller.

* Agents' states: vendor staff see everyone; partner staff see their organisation's.
* Queues and who waits in them: partner staff see their organisation's queues only;
  callers' names of premier accounts are never shown to partner staff.
* Callbacks: customers see their own account's; partner staff those of their queues or
  of accounts they serve (never premier); vendor staff all.
"""

from typing import Any

from django.db.models import Count, Min, Q, QuerySet

from escalade.contactcenter.models import (
    AgentPresence,
    Callback,
    ContactState,
    WaitingContact,
)
from escalade.core.principal import Principal
from escalade.customers.models import Segment
from escalade.customers.queries import accounts
from escalade.network.models import Queue


def presences(principal: Principal) -> QuerySet[AgentPresence]:
    queryset = AgentPresence.objects.select_related(
        "agent__user", "agent__organization", "contact"
    ).order_by("agent__user__username")
    if principal.is_partner_staff:
        return queryset.filter(agent__organization_id=principal.organization_id)
    if not principal.is_staff_side:
        return queryset.none()
    return queryset


def queues(principal: Principal) -> QuerySet[Queue]:
    queryset = Queue.objects.select_related("tier", "routing", "organization").order_by("name")
    if principal.is_partner_staff:
        return queryset.filter(organization_id=principal.organization_id)
    if not principal.is_staff_side:
        return queryset.none()
    return queryset


def queue_counts(queue_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Contacts per queue and state, and the oldest arrival waiting: one query."""
    rows = (
        WaitingContact.objects.filter(queue_id__in=queue_ids)
        .values("queue_id")
        .annotate(
            waiting=Count("pk", filter=Q(state=ContactState.WAITING)),
            ringing=Count("pk", filter=Q(state=ContactState.RINGING)),
            connected=Count("pk", filter=Q(state=ContactState.CONNECTED)),
            oldest=Min("arrival", filter=Q(state=ContactState.WAITING)),
        )
    )
    return {row["queue_id"]: dict(row) for row in rows}


def waiting_in(queue: Queue) -> list[WaitingContact]:
    """A queue's contacts: those waiting in routing order (priority, then arrival: their
    place, then key), then those ringing an agent or connected."""
    rows = (
        WaitingContact.objects.filter(queue=queue)
        .select_related("agent__user", "call__account", "callback__account")
        .order_by("-priority", "arrival", "key")
    )
    return sorted(rows, key=lambda row: row.state != ContactState.WAITING)


def caller_of(row: WaitingContact, principal: Principal) -> tuple[str | None, str]:
    """The caller's account name (hidden when the caller may not see it) and number."""
    account = None
    number = ""
    if row.call is not None:
        account = row.call.account
        number = row.call.customer_number
    elif row.callback is not None:
        account = row.callback.account
        number = row.callback.number
    if account is None:
        return None, number
    if principal.is_partner_staff and account.segment == Segment.PREMIER:
        return None, ""
    return account.name, number


def callbacks(principal: Principal) -> QuerySet[Callback]:
    queryset = Callback.objects.select_related("queue", "agent__user", "account", "contact")
    if principal.account_id is not None:
        return queryset.filter(account_id=principal.account_id)
    if principal.is_partner_staff:
        own = Q(queue__organization_id=principal.organization_id)
        served = Q(account__in=accounts(principal).values("pk"))
        return queryset.filter(own | served).exclude(account__segment=Segment.PREMIER)
    if not principal.is_staff_side:
        return queryset.none()
    return queryset
