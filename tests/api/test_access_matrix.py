"""Every API route × every role: the declared rule is what the API enforces."""

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from escalade.api import api
from escalade.core.roles import Role
from escalade.core.rules import allowed_roles
from tests.factories import World


def routes() -> Iterator[tuple[str, str, Any]]:
    def walk(prefix: str, router: Any) -> Iterator[tuple[str, str, Any]]:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    yield method, prefix + path, operation
        for sub_prefix, sub_router in getattr(router, "_routers", []):
            yield from walk(prefix + sub_prefix, sub_router)

    for prefix, router in api._routers:
        yield from walk(prefix, router)


ROUTES = sorted({(m, p): op for m, p, op in routes()}.items())


def concrete(path: str) -> str:
    # A primary key nobody has: allowed roles get 404/422, never 403.
    return "/api" + re.sub(r"\{(?:int:)?\w+\}", "999999", path)


def test_the_api_has_routes_for_the_whole_registry() -> None:
    paths = {path for (_, path), _ in ROUTES}
    for expected in (
        "/network/agents",
        "/customers/contacts",
        "/customers/lookup",
        "/customers/accounts/{int:pk}/file",
        "/contracts/contracts",
        "/contracts/eligibility",
    ):
        assert expected in paths


@pytest.mark.parametrize(("method", "path"), [key for key, _ in ROUTES])
def test_every_route_declares_who_may_call_it(method: str, path: str) -> None:
    operation = dict(ROUTES)[(method, path)]
    assert allowed_roles(operation.auth_callbacks), f"{method} {path} has no access rule"


@pytest.mark.django_db
def test_anonymous_callers_are_refused_everywhere(world: World) -> None:
    client = Client()
    for (method, path), _ in ROUTES:
        response = client.generic(method, concrete(path), "{}", content_type="application/json")
        assert response.status_code == 401, f"{method} {path}"


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_the_routes_its_rule_admits(
    role: Role, client_as: Callable[[Role], Client]
) -> None:
    client = client_as(role)
    for (method, path), operation in ROUTES:
        admitted = allowed_roles(operation.auth_callbacks) or frozenset()
        response = client.generic(method, concrete(path), "{}", content_type="application/json")
        if role in admitted:
            assert response.status_code not in (401, 403), f"{role} {method} {path}"
            assert response.status_code < 500, f"{role} {method} {path}: {response.content!r}"
        else:
            assert response.status_code == 403, f"{role} {method} {path}"
            assert "detail" in response.json()


@pytest.mark.django_db
def test_a_user_without_any_role_is_refused_with_a_reason() -> None:
    client = Client()
    client.force_login(User.objects.create(username="nobody"))
    response = client.get("/api/customers/accounts")
    assert response.status_code == 403
    assert "no role" in response.json()["detail"]
