"""Administrators manage webhook endpoints and watch deliveries; nobody else may."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from escalade.core.models import AuditEntry
from escalade.core.roles import Role
from escalade.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from escalade.webhooks.outbox import emit
from tests.factories import World

CRM = {"name": "CRM", "url": "https://crm.example/hooks", "events": ["incident.opened"]}


def post(client: Client, url: str, payload: dict[str, Any] | None = None) -> Any:
    return client.post(url, payload or {}, content_type="application/json")


def test_the_secret_is_shown_once_at_creation_and_never_audited(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    admin = client_as(Role.ADMINISTRATOR)

    created = post(admin, "/api/webhooks/endpoints", CRM)

    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    assert len(secret) >= 6 + 43  # 32 random bytes, URL-safe base64
    assert WebhookEndpoint.objects.get().secret == secret
    listed = admin.get("/api/webhooks/endpoints").json()
    assert listed["count"] == 1
    assert "secret" not in listed["items"][0]
    assert "secret" not in admin.get(f"/api/webhooks/endpoints/{created.json()['id']}").json()
    entry = AuditEntry.objects.get(object_type="webhooks.webhookendpoint")
    assert entry.action == "create"
    assert secret not in str(entry.changes)


def test_an_administrator_rotates_a_secret(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    admin = client_as(Role.ADMINISTRATOR)
    created = post(admin, "/api/webhooks/endpoints", CRM).json()

    rotated = post(admin, f"/api/webhooks/endpoints/{created['id']}/rotate-secret")

    assert rotated.status_code == 200
    assert rotated.json()["secret"] not in {created["secret"], ""}
    assert WebhookEndpoint.objects.get().secret == rotated.json()["secret"]
    assert AuditEntry.objects.filter(action="rotate_secret").count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"url": "ftp://crm.example/hooks"}, "url: Use an http:// or https:// address."),
        ({"url": "not an address"}, "url: Enter a valid URL."),
        ({"events": []}, 'events: Give at least one event name, or ["*"] for all events.'),
        ({"events": ["Incident Opened"]}, "events: Not an event name: Incident Opened"),
        ({"name": ""}, "payload.name: String should have at least 1 character"),
        ({"events": "incident.opened"}, "payload.events: Input should be a valid list"),
    ],
)
def test_bad_endpoints_are_refused_with_the_reason(
    world: World, client_as: Callable[[Role], Client], change: dict[str, Any], message: str
) -> None:
    admin = client_as(Role.ADMINISTRATOR)

    response = post(admin, "/api/webhooks/endpoints", {**CRM, **change})

    assert response.status_code == 422
    assert response.json()["detail"].startswith(message)
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_is_changed_and_deleted_through_audited_writes(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    admin = client_as(Role.ADMINISTRATOR)
    pk = post(admin, "/api/webhooks/endpoints", CRM).json()["id"]
    url = f"/api/webhooks/endpoints/{pk}"

    refused = admin.patch(url, {"url": "ftp://x.example"}, content_type="application/json")
    assert refused.status_code == 422
    changed = admin.patch(
        url, {"events": ["*"], "is_active": False}, content_type="application/json"
    )
    assert changed.status_code == 200
    assert changed.json()["events"] == ["*"]
    assert admin.get("/api/webhooks/endpoints?is_active=false").json()["count"] == 1

    assert admin.delete(url).status_code == 204
    assert not WebhookEndpoint.objects.exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert actions == {"create", "update", "delete"}


def test_deliveries_are_listed_filtered_and_paginated(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    # Given two endpoints and a few events
    crm = WebhookEndpoint.objects.create(name="CRM", url="https://crm.example", events=["*"])
    chat = WebhookEndpoint.objects.create(
        name="Chat", url="https://chat.example", events=["incident.opened"]
    )
    with transaction.atomic():
        emit("incident.opened", {"number": 1})
        emit("incident.opened", {"number": 2})
        emit("incident.closed", {"number": 1})
    WebhookDelivery.objects.filter(event="incident.closed").update(status=DeliveryStatus.FAILED)
    admin = client_as(Role.ADMINISTRATOR)

    def count(query: str) -> int:
        response = admin.get(f"/api/webhooks/deliveries?{query}")
        assert response.status_code == 200, response.content
        result: int = response.json()["count"]
        return result

    # Then the administrator finds them by endpoint, event and status
    assert count("") == 5
    assert count(f"endpoint_id={crm.pk}") == 3
    assert count(f"endpoint_id={chat.pk}") == 2
    assert count("event=incident.opened") == 4
    assert count("status=failed") == 1
    assert count(f"status=pending&endpoint_id={crm.pk}") == 2
    page = admin.get("/api/webhooks/deliveries?limit=2&offset=0").json()
    assert len(page["items"]) == 2
    assert page["count"] == 5
    one = page["items"][0]
    assert admin.get(f"/api/webhooks/deliveries/{one['id']}").json()["event_id"] == one["event_id"]
    assert admin.get("/api/webhooks/deliveries?status=lost").status_code == 422


def test_only_a_failed_delivery_can_be_retried(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    WebhookEndpoint.objects.create(name="CRM", url="https://crm.example", events=["*"])
    with transaction.atomic():
        emit("incident.opened", {"number": 1})
    delivery = WebhookDelivery.objects.get()

    response = post(client_as(Role.ADMINISTRATOR), f"/api/webhooks/deliveries/{delivery.pk}/retry")

    assert response.status_code == 422
    assert response.json()["detail"] == (
        "Only a failed delivery can be retried; this one is pending."
    )


@pytest.mark.parametrize("role", [role for role in Role if role != Role.ADMINISTRATOR])
def test_other_roles_may_not_touch_webhooks(
    world: World, client_as: Callable[[Role], Client], role: Role
) -> None:
    endpoint = WebhookEndpoint.objects.create(name="CRM", url="https://crm.example", events=["*"])
    client = client_as(role)

    for response in (
        client.get("/api/webhooks/endpoints"),
        client.get(f"/api/webhooks/endpoints/{endpoint.pk}"),
        post(client, "/api/webhooks/endpoints", CRM),
        post(client, f"/api/webhooks/endpoints/{endpoint.pk}/rotate-secret"),
        client.get("/api/webhooks/deliveries"),
        post(client, "/api/webhooks/deliveries/1/retry"),
    ):
        assert response.status_code == 403
        assert "detail" in response.json()
    assert WebhookEndpoint.objects.get().secret == endpoint.secret
