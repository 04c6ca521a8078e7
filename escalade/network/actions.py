"""Writes of the support network that carry rules of their own (agents and their users)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from escalade.core.audit import record
from escalade.core.principal import Principal
from escalade.core.records import apply_fields, validate
from escalade.core.roles import Role
from escalade.network.models import PARTNER_ROLES, Agent, AgentSkill, Skill


def _check_organization(principal: Principal, organization_id: int) -> None:
    if principal.is_partner_staff and organization_id != principal.organization_id:
        raise PermissionDenied(_("You can only manage agents of your own organisation."))


def _check_role(principal: Principal, role: str | None) -> None:
    """Nobody hands out more power than they hold; partners stay partner roles."""
    if role is None:
        return
    if role == Role.ADMINISTRATOR and principal.role != Role.ADMINISTRATOR:
        raise PermissionDenied(_("Only an administrator may make someone an administrator."))
    if principal.is_partner_staff and role not in PARTNER_ROLES:
        raise PermissionDenied(_("Partner staff may only be partner agents or supervisors."))


def _set_skills(agent: Agent, levels: list[dict[str, int]]) -> list[list[int]]:
    skill_ids = [level["skill_id"] for level in levels]
    known = set(Skill.objects.filter(pk__in=skill_ids).values_list("pk", flat=True))
    missing = sorted(set(skill_ids) - known)
    if missing:
        raise ValidationError({"skills": _("Unknown skill id(s): %s.") % missing})
    if len(set(skill_ids)) != len(skill_ids):
        raise ValidationError({"skills": _("A skill is listed twice.")})
    agent.skill_levels.all().delete()
    AgentSkill.objects.bulk_create(
        AgentSkill(agent=agent, skill_id=level["skill_id"], proficiency=level["proficiency"])
        for level in levels
    )
    return [[level["skill_id"], level["proficiency"]] for level in levels]


def do_create_agent(*, principal: Principal, actor: Any, data: dict[str, Any]) -> Agent:
    """Create the agent with its sign-in user; without a password the user cannot sign in yet."""
    _check_organization(principal, data["organization_id"])
    _check_role(principal, data.get("role"))
    user_model = get_user_model()
    with transaction.atomic():
        username = data.pop("username")
        if user_model.objects.filter(username=username).exists():
            raise ValidationError({"username": _("This username is already taken.")})
        password = data.pop("password", None)
        user = user_model(
            username=username,
            first_name=data.pop("first_name", ""),
            last_name=data.pop("last_name", ""),
            email=data.pop("email", ""),
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        levels = data.pop("skills", [])
        agent = Agent(user=user, **data)
        validate(agent)
        agent.save()
        skills = _set_skills(agent, levels)
        record(
            actor=actor,
            action="create",
            obj=agent,
            summary=f"Created agent {agent}",
            changes={"username": [None, username], "role": [None, agent.role], "skills": skills},
        )
    return agent


def do_update_agent(
    *, principal: Principal, actor: Any, agent: Agent, data: dict[str, Any]
) -> Agent:
    if "organization_id" in data:
        _check_organization(principal, data["organization_id"])
    _check_role(principal, data.get("role"))
    with transaction.atomic():
        user_fields: dict[str, Any] = {
            k: data.pop(k) for k in ("first_name", "last_name", "email") if k in data
        }
        changes = apply_fields(agent.user, user_fields)
        if user_fields:
            agent.user.save(update_fields=list(user_fields))
        levels = data.pop("skills", None)
        changes |= apply_fields(agent, data)
        validate(agent)
        agent.save()
        if levels is not None:
            changes["skills"] = _set_skills(agent, levels)
        if changes:
            record(
                actor=actor,
                action="update",
                obj=agent,
                summary=f"Updated agent {agent}",
                changes=changes,
            )
    return agent
