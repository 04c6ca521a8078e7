"""Reads of calls, scoped to the caller, and the agents a switch names."""

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from escalade.core.principal import Principal
from escalade.customers.queries import accounts
from escalade.network.models import Agent
from escalade.telephony.models import Call


def calls(principal: Principal) -> QuerySet[Call]:
    """Calls the caller may see.

    Vendor staff see every call. Partner staff see the calls their own agents or queues
    handled, and those of the accounts they serve; never a premier account's.
    """
    queryset = Call.objects.select_related("account", "contact", "agent__user", "queue", "incident")
    if principal.sees_everything:
        return queryset
    if principal.is_partner_staff:
        own = Q(agent__organization_id=principal.organization_id) | Q(
            queue__organization_id=principal.organization_id
        )
        served = Q(account__in=accounts(principal).values("pk"))
        return queryset.filter(own | served).exclude(account__segment="premier")
    return queryset.none()


def agents_named(names: Iterable[str]) -> tuple[list[Agent], list[str]]:
    """Active agents a switch names by user name or email (any case), in the order given;
    and the names that match nobody. One query."""
    wanted = list(dict.fromkeys(name.strip() for name in names if name and name.strip()))
    if not wanted:
        return [], []
    match = reduce(
        or_, (Q(user__username__iexact=name) | Q(user__email__iexact=name) for name in wanted)
    )
    candidates = list(
        Agent.objects.select_related("user", "organization").filter(
            match, is_active=True, user__is_active=True
        )
    )
    found: list[Agent] = []
    unknown: list[str] = []
    for name in wanted:
        lowered = name.lower()
        agent = next(
            (
                a
                for a in candidates
                if lowered in (a.user.get_username().lower(), a.user.email.lower())
            ),
            None,
        )
        if agent is None:
            unknown.append(name)
        elif agent not in found:
            found.append(agent)
    return found, unknown
