"""Access rules of API routes and pages: each one names the roles it admits.

`allow(...)` both enforces the rule and records it on the view, so a test can walk
every route and fail on one that has no rule.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from escalade.core.principal import Principal, principal_for
from escalade.core.roles import Role

View = TypeVar("View", bound=Callable[..., Any])

RULE_ATTRIBUTE = "escalade_allowed_roles"


class AccessDenied(HttpError):
    def __init__(self, message: str) -> None:
        super().__init__(403, message)


def resolve_principal(request: HttpRequest) -> Principal:
    """The caller's principal; token auth puts the user on ``request.auth``."""
    cached = getattr(request, "principal", None)
    if isinstance(cached, Principal):
        return cached
    user = getattr(request, "auth", None)
    if user is None or not hasattr(user, "is_authenticated"):
        user = request.user
    principal = principal_for(user)
    if principal is None:
        raise AccessDenied(_("Your user has no role in Escalade; ask an administrator."))
    request.principal = principal  # type: ignore[attr-defined]
    return principal


def current_principal(request: HttpRequest) -> Principal:
    principal = getattr(request, "principal", None)
    if not isinstance(principal, Principal):
        return resolve_principal(request)
    return principal


def allow(*roles: Role) -> Callable[[View], View]:
    """Admit only these roles to the decorated view (API operation or page)."""
    admitted = frozenset(roles)
    if not admitted:
        raise ValueError("A rule admits at least one role.")

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            principal = resolve_principal(request)
            if principal.role not in admitted:
                raise AccessDenied(_("Your role may not do this."))
            return view(request, *args, **kwargs)

        setattr(guarded, RULE_ATTRIBUTE, admitted)
        return cast(View, guarded)

    return decorate


def allowed_roles(view: Callable[..., Any]) -> frozenset[Role] | None:
    return getattr(view, RULE_ATTRIBUTE, None)


def page_principal(request: HttpRequest, roles: frozenset[Role]) -> Principal:
    """The principal of a console page's user, or 403 when the role may not see the page."""
    principal = principal_for(request.user)
    if principal is None or principal.role not in roles:
        raise PermissionDenied(_("Your role may not see this page."))
    return principal
