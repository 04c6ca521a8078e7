"""Access rules of API routes and pages: each one names the roles it admits.

An API route passes ``auth=allow(...)``: authentication (bearer token or console
session) and the role check run before the request body is even read, so a
caller without the role gets 403 whatever it sends. The rule stays on the
operation, so a test can walk every route and fail on one that has none.
"""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from escalade.core.auth import ConsoleSessionAuth, TokenAuth
from escalade.core.principal import Principal, principal_for
from escalade.core.roles import Role


class AccessDenied(HttpError):
    def __init__(self, message: str) -> None:
        super().__init__(403, message)


def _admit(request: HttpRequest, user: Any, roles: frozenset[Role], vendor_only: bool) -> Any:
    principal = principal_for(user)
    if principal is None:
        raise AccessDenied(_("Your user has no role in Escalade; ask an administrator."))
    if principal.role not in roles:
        raise AccessDenied(_("Your role may not do this."))
    if vendor_only and principal.is_partner_staff:
        raise AccessDenied(_("Only the vendor's own staff may do this."))
    request.principal = principal  # type: ignore[attr-defined]
    return user


class RoleTokenAuth(TokenAuth):
    def __init__(self, roles: frozenset[Role], vendor_only: bool = False) -> None:
        super().__init__()
        self.roles = roles
        self.vendor_only = vendor_only

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = super().authenticate(request, token)
        return None if user is None else _admit(request, user, self.roles, self.vendor_only)


class RoleSessionAuth(ConsoleSessionAuth):
    def __init__(self, roles: frozenset[Role], vendor_only: bool = False) -> None:
        super().__init__()
        self.roles = roles
        self.vendor_only = vendor_only

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return None if user is None else _admit(request, user, self.roles, self.vendor_only)


def allow(*roles: Role, vendor_only: bool = False) -> list[Any]:
    """The ``auth`` of an API route admitting only these roles.

    ``vendor_only`` also shuts out partner (outsourcer) staff whatever their role:
    for routes that see or change the whole center (telephony bridges, contracts).
    """
    admitted = frozenset(roles)
    if not admitted:
        raise ValueError("A rule admits at least one role.")
    return [RoleTokenAuth(admitted, vendor_only), RoleSessionAuth(admitted, vendor_only)]


def allowed_roles(auth_callbacks: Iterable[Any]) -> frozenset[Role] | None:
    """The roles a route admits, or None when the route declares no rule."""
    rules = {cb.roles for cb in auth_callbacks if isinstance(cb, RoleTokenAuth | RoleSessionAuth)}
    if len(rules) != 1:
        return None
    return next(iter(rules))


def current_principal(request: HttpRequest) -> Principal:
    principal = getattr(request, "principal", None)
    if not isinstance(principal, Principal):
        raise AccessDenied(_("This route has no access rule."))
    return principal


def page_principal(request: HttpRequest, roles: frozenset[Role]) -> Principal:
    """The principal of a console page's user, or 403 when the role may not see the page."""
    principal = principal_for(request.user)
    if principal is None or principal.role not in roles:
        raise PermissionDenied(_("Your role may not see this page."))
    return principal
