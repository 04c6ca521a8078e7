"""REST routes of the support network."""

from typing import Any

from ninja import Router

from escalade.core.crud import Resource, register
from escalade.core.principal import Principal
from escalade.core.roles import STAFF_ROLES, Role
from escalade.network import queries
from escalade.network import schemas as s
from escalade.network.actions import do_create_agent, do_update_agent
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

router = Router(tags=["Support network"])

STAFF = tuple(sorted(STAFF_ROLES))
ADMIN = (Role.ADMINISTRATOR,)
MANAGERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)


def _create_agent(principal: Principal, actor: Any, data: dict[str, Any]) -> Agent:
    return do_create_agent(principal=principal, actor=actor, data=data)


def _update_agent(principal: Principal, actor: Any, agent: Any, data: dict[str, Any]) -> Agent:
    return do_update_agent(principal=principal, actor=actor, agent=agent, data=data)


for resource in (
    Resource(
        "organization",
        "/organizations",
        SupportOrganization,
        s.OrganizationOut,
        s.OrganizationIn,
        s.OrganizationPatch,
        s.OrganizationFilter,
        queries.organizations,
        read=STAFF,
        write=ADMIN,
    ),
    Resource(
        "calendar",
        "/calendars",
        BusinessCalendar,
        s.CalendarOut,
        s.CalendarIn,
        s.CalendarPatch,
        s.CalendarFilter,
        queries.calendars,
        read=STAFF,
        write=ADMIN,
    ),
    Resource(
        "site",
        "/sites",
        Site,
        s.SiteOut,
        s.SiteIn,
        s.SitePatch,
        s.SiteFilter,
        queries.sites,
        read=STAFF,
        write=ADMIN,
    ),
    Resource(
        "tier",
        "/tiers",
        Tier,
        s.TierOut,
        s.TierIn,
        s.TierPatch,
        s.TierFilter,
        queries.tiers,
        read=STAFF,
        write=ADMIN,
    ),
    Resource(
        "skill",
        "/skills",
        Skill,
        s.SkillOut,
        s.SkillIn,
        s.SkillPatch,
        s.SkillFilter,
        queries.skills,
        read=STAFF,
        write=ADMIN,
    ),
    Resource(
        "team",
        "/teams",
        Team,
        s.TeamOut,
        s.TeamIn,
        s.TeamPatch,
        s.TeamFilter,
        queries.teams,
        read=STAFF,
        write=MANAGERS,
    ),
    Resource(
        "queue",
        "/queues",
        Queue,
        s.QueueOut,
        s.QueueIn,
        s.QueuePatch,
        s.QueueFilter,
        queries.queues,
        read=STAFF,
        write=ADMIN,
        many=("required_skills",),
    ),
    Resource(
        "agent",
        "/agents",
        Agent,
        s.AgentOut,
        s.AgentIn,
        s.AgentPatch,
        s.AgentFilter,
        queries.agents,
        read=STAFF,
        write=MANAGERS,
        can_delete=False,
        create=_create_agent,
        update=_update_agent,
    ),
):
    register(router, resource)
