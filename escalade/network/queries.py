"""Reads of the support network, scoped to what the caller may see."""

from django.db.models import QuerySet

from escalade.core.principal import Principal
from escalade.network.models import (
    Agent,
    BusinessCalendar,
    Queue,
    Site,
    Skill,
    SupportOrganization,
    Team,
    Tier,
)


def organizations(principal: Principal) -> QuerySet[SupportOrganization]:
    return SupportOrganization.objects.all()


def calendars(principal: Principal) -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.all()


def sites(principal: Principal) -> QuerySet[Site]:
    return Site.objects.select_related("organization")


def tiers(principal: Principal) -> QuerySet[Tier]:
    return Tier.objects.all()


def skills(principal: Principal) -> QuerySet[Skill]:
    return Skill.objects.all()


def teams(principal: Principal) -> QuerySet[Team]:
    queryset = Team.objects.select_related("organization", "tier")
    if principal.is_partner_staff:
        return queryset.filter(organization_id=principal.organization_id)
    return queryset


def queues(principal: Principal) -> QuerySet[Queue]:
    # Partners need the whole queue list to escalate into; it is structure, not customer data.
    return Queue.objects.select_related("organization", "tier").prefetch_related("required_skills")


def agents(principal: Principal) -> QuerySet[Agent]:
    queryset = Agent.objects.select_related("user", "organization", "tier").prefetch_related(
        "skill_levels__skill"
    )
    if principal.is_partner_staff:
        return queryset.filter(organization_id=principal.organization_id)
    return queryset
