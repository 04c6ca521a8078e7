"""Integrations authenticate with bearer tokens that can be revoked."""

from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from escalade.core.models import ApiToken
from escalade.core.roles import Role
from tests.factories import World


def test_a_token_acts_as_its_user_until_revoked(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    agent = client_as(Role.PARTNER_AGENT)
    created = agent.post("/api/tokens", {"name": "PBX bridge"}, content_type="application/json")
    assert created.status_code == 201
    token = created.json()["token"]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    accounts = Client().get("/api/customers/accounts", **bearer)  # type: ignore[arg-type]
    assert {a["name"] for a in accounts.json()["items"]} == {"Dupont Industrie"}
    assert ApiToken.objects.get().key_hash != token

    agent.delete(f"/api/tokens/{created.json()['id']}")
    refused = Client().get("/api/customers/accounts", **bearer)  # type: ignore[arg-type]
    assert refused.status_code == 401


def test_a_made_up_token_is_refused(world: World) -> None:
    response = Client().get(
        "/api/customers/accounts",
        HTTP_AUTHORIZATION="Bearer esc_made-up",
    )
    assert response.status_code == 401


def test_the_command_prints_a_working_token_once(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("create_api_token", "ines.internal", "CRM sync")
    token = capsys.readouterr().out.strip()

    response = Client().get(
        "/api/customers/accounts",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.json()["count"] == 2
    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_token", "ghost", "x")
