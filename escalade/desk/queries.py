"""The agent desk's customer file: the customer, its contracts, and its incidents."""

from dataclasses import dataclass
from datetime import datetime

from escalade.core.principal import Principal
from escalade.customers.queries import CustomerFile, customer_file
from escalade.incidents.models import Incident
from escalade.incidents.queries import active, by_urgency, incidents

RECENT_INCIDENTS = 20


@dataclass(frozen=True)
class DeskFile:
    """What the agent sees when the customer calls: the file and the cases in progress."""

    file: CustomerFile
    open_incidents: list[Incident]
    recent_incidents: list[Incident]


def desk_file(principal: Principal, account_id: int, *, now: datetime) -> DeskFile | None:
    found = customer_file(principal, account_id, now=now)
    if found is None:
        return None
    cases = incidents(principal).filter(account_id=account_id)
    open_cases = list(by_urgency(active(cases)))
    open_ids = {case.pk for case in open_cases}
    recent = [
        case for case in cases.order_by("-created_at")[:RECENT_INCIDENTS] if case.pk not in open_ids
    ]
    return DeskFile(file=found, open_incidents=open_cases, recent_incidents=recent)
