"""The PBX bridge of the personas' world: a supervisor's token posting Generic CTI events."""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from escalade.core.actions import do_create_api_token
from escalade.core.roles import Role
from escalade.webhooks.models import WebhookEndpoint
from tests.factories import World

# Marie Durand's number (+33142685300) as the PBX writes it, and the hotline she calls.
MARIE_AS_DIALLED = "01 42 68 53 00"
HOTLINE = "+33 1 70 36 00 00"


@dataclass
class Reply:
    status: int
    body: Any


CtiPoster = Callable[..., Reply]


@pytest.fixture
def bridge_token(world: World) -> str:
    """The bearer token of the PBX bridge, acting as Sophie the supervisor."""
    _, raw = do_create_api_token(
        actor=world.users[Role.SUPERVISOR], user=world.users[Role.SUPERVISOR], name="PBX bridge"
    )
    return raw


def post_cti(client: Client, token: str, *, as_json: bool = False, **fields: Any) -> Reply:
    """POST /api/cti/events as a bridge does: form-encoded (user[] repeated) or JSON."""
    if "from_" in fields:
        fields["from"] = fields.pop("from_")
    headers = {"Authorization": f"Bearer {token}"}
    if as_json:
        response = client.post(
            "/api/cti/events", json.dumps(fields), content_type="application/json", headers=headers
        )
    else:
        if isinstance(fields.get("user"), list):
            fields["user[]"] = fields.pop("user")
        response = client.post("/api/cti/events", fields, headers=headers)
    body = response.json() if response.content else None
    return Reply(response.status_code, body)


@pytest.fixture
def cti(bridge_token: str) -> CtiPoster:
    client = Client()

    def post(*, as_json: bool = False, **fields: Any) -> Reply:
        return post_cti(client, bridge_token, as_json=as_json, **fields)

    return post


@pytest.fixture
def call_hooks(world: World) -> WebhookEndpoint:
    """An integration subscribed to every call event."""
    return WebhookEndpoint.objects.create(
        name="CRM", url="https://crm.example/hooks", events=["call.*"]
    )


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """A clock that moves only when the test says so."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller
