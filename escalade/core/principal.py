"""Who is asking: the user reduced to what access rules need.

A principal is resolved from the user's agent profile or customer contact through
their reverse relations, so this module needs no import of the domain apps.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from escalade.core.roles import Role


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    role: Role
    organization_id: int | None = None
    # Partner (outsourcer) staff are scoped to their own organisation's accounts.
    is_partner_staff: bool = False
    # A customer's own account.
    account_id: int | None = None
    agent_id: int | None = None
    contact_id: int | None = None
    # Where the person works or lives: national phone formats are read in this country.
    country: str | None = None

    @property
    def is_staff_side(self) -> bool:
        return self.role != Role.CUSTOMER

    @property
    def sees_everything(self) -> bool:
        return self.role != Role.CUSTOMER and not self.is_partner_staff


def _related(user: Any, name: str) -> Any:
    try:
        return getattr(user, name)
    except ObjectDoesNotExist:
        return None


def principal_for(user: Any) -> Principal | None:
    """The principal of an authenticated user, or None when the user has no role at all."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    agent = _related(user, "agent")
    if agent is not None and agent.is_active:
        organization = agent.organization
        return Principal(
            user_id=user.pk,
            role=Role(agent.role),
            organization_id=organization.pk,
            is_partner_staff=organization.is_partner,
            agent_id=agent.pk,
            country=(agent.site.country if agent.site_id else organization.country) or None,
        )
    if user.is_superuser:
        return Principal(user_id=user.pk, role=Role.ADMINISTRATOR)
    contact = _related(user, "contact")
    if contact is not None and contact.is_active:
        return Principal(
            user_id=user.pk,
            role=Role.CUSTOMER,
            account_id=contact.account_id,
            contact_id=contact.pk,
            country=contact.account.country or None,
        )
    return None
