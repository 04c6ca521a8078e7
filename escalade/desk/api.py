"""REST route of the customer file, as the agent desk and the screen pop show it."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.errors import HttpError

from escalade.core.roles import ALL_ROLES
from escalade.core.rules import allow, current_principal
from escalade.customers.presenters import file_payload
from escalade.customers.schemas import CustomerFileOut
from escalade.desk.queries import desk_file
from escalade.incidents.schemas import IncidentOut

router = Router(tags=["Customers"])


class DeskFileOut(CustomerFileOut):
    open_incidents: list[IncidentOut]  # type: ignore[assignment]
    recent_incidents: list[IncidentOut]


@router.get(
    "/accounts/{int:pk}/file",
    response=DeskFileOut,
    summary="The customer file: account, contracts, contacts, products, incidents",
    auth=allow(*sorted(ALL_ROLES)),
)
def customer_file(request: HttpRequest, pk: int) -> Any:
    found = desk_file(current_principal(request), pk, now=timezone.now())
    if found is None:
        raise HttpError(404, "No such account, or not one you may see.")
    return {
        **file_payload(found.file),
        "open_incidents": found.open_incidents,
        "recent_incidents": found.recent_incidents,
    }
