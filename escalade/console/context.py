"""What every console page knows: the signed-in person's role and place."""

from typing import Any

from django.http import HttpRequest

from escalade.core.principal import principal_for


def console(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    principal = principal_for(user) if user is not None else None
    return {"principal": principal}
