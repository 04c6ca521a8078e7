"""What every console page knows: the signed-in person's role, place and time zone."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from escalade.core.principal import principal_for
from escalade.core.roles import Role

MANAGER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR})


def console(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    principal = principal_for(user) if user is not None else None
    organization = ""
    time_zone = settings.TIME_ZONE
    if principal is not None and principal.agent_id is not None:
        # principal_for has just loaded the agent and its organisation: no extra query.
        agent = user.agent  # type: ignore[union-attr]
        organization = agent.organization.name
        # Times are shown in the agent's site's time zone (UTC for agents without a site).
        if agent.site_id is not None:
            time_zone = agent.site.time_zone
    resolved = getattr(request, "resolver_match", None)
    return {
        "principal": principal,
        "organization_name": organization,
        "section": resolved.namespace if resolved is not None else "",
        "page_name": resolved.url_name if resolved is not None else "",
        "is_manager": principal is not None and principal.role in MANAGER_ROLES,
        "time_zone": time_zone,
    }
