"""Integrations hear about incidents: signed webhooks, sent only once the action committed."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command

from escalade.core.roles import Role
from escalade.webhooks.models import WebhookEndpoint
from escalade.webhooks.signing import verify_signature
from tests.factories import World
from tests.incidents.conftest import Routes
from tests.incidents.test_intake import intake
from tests.incidents.test_lifecycle import act
from tests.webhooks.conftest import Receiver
from tests.webhooks.conftest import receiver as receiver  # the fixture, shared

API = Callable[..., Any]

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_crm_subscribed_to_incident_events_receives_them_signed(
    world: World, routes: Routes, api: API, receiver: Receiver
) -> None:
    endpoint = WebhookEndpoint.objects.create(
        name="CRM", url=receiver.url(), events=["incident.*"], secret="whsec_test-secret"
    )
    _, case = api(Role.PARTNER_AGENT, "POST", "/incidents", intake(world))
    act(api, Role.PARTNER_AGENT, case, "escalate", {"reason": "Specialist."})
    api(Role.PARTNER_AGENT, "POST", "/incidents", intake(world, pid="NO-SUCH-PID"))

    call_command("run_worker", "--once", "--poller", "webhooks")

    events = [request.headers["X-Escalade-Event"] for request in receiver.requests]
    assert events == ["incident.opened", "incident.escalated"]
    first = receiver.requests[0]
    assert verify_signature(endpoint.secret, first.headers["X-Escalade-Signature"], first.body)
    envelope = json.loads(first.body)
    assert envelope["event"] == "incident.opened"
    payload = envelope["data"]
    assert payload["incident"]["number"] == case["number"]
    assert payload["incident"]["queue"] == "FR L1 Callwave"
