"""What every console page knows: the signed-in person's role and place."""

from typing import Any

from django.http import HttpRequest

from escalade.core.principal import principal_for


def console(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    principal = principal_for(user) if user is not None else None
    organization = ""
    if principal is not None and principal.agent_id is not None:
        # principal_for has just loaded the agent and its organisation: no extra query.
        organization = user.agent.organization.name  # type: ignore[union-attr]
    resolved = getattr(request, "resolver_match", None)
    return {
        "principal": principal,
        "organization_name": organization,
        "section": resolved.namespace if resolved is not None else "",
    }
