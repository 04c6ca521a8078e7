"""The roles people play in Escalade; every API route and page names the ones it admits."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PARTNER_AGENT = "partner_agent", _("Partner agent")
    INTERNAL_AGENT = "internal_agent", _("Internal agent")
    ENGINEER = "engineer", _("Regional or product engineer")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMINISTRATOR = "administrator", _("Administrator")


STAFF_ROLES = frozenset(
    {Role.PARTNER_AGENT, Role.INTERNAL_AGENT, Role.ENGINEER, Role.SUPERVISOR, Role.ADMINISTRATOR}
)
ALL_ROLES = frozenset(Role)
