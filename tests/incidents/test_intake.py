"""Opening incidents: identity, coverage, routing, allowance — as an agent on the phone would."""

from collections.abc import Callable
from typing import Any

from escalade.contracts.models import EntitlementEntry
from escalade.core.models import AuditEntry
from escalade.core.roles import Role
from escalade.customers.models import Contact
from escalade.incidents.models import Incident, TimelineEntry
from tests.factories import World
from tests.incidents.conftest import Routes

API = Callable[..., Any]


def intake(world: World, **change: Any) -> dict[str, Any]:
    return {
        "account_id": world.dupont.pk,
        "title": "Orbit server does not start after upgrade",
        "description": "Service fails with error 1067 since 7.2.",
        "severity": 2,
        "channel": "email",
        "contact_id": world.marie.pk,
        "pid": "orb-7200-0001",
        "identity_verified": True,
        "identity_method": "City of birth",
        **change,
    }


def test_a_partner_agent_opens_a_covered_incident_in_its_own_queue(
    world: World, routes: Routes, api: API
) -> None:
    status, body = api(Role.PARTNER_AGENT, "POST", "/incidents", intake(world))

    assert status == 201, body
    assert body["number"].startswith("INC-")
    assert (body["status"], body["coverage"], body["tier"]) == ("new", "entitled", "L1")
    assert body["queue_name"] == "FR L1 Callwave"
    assert body["pid"] == "ORB-7200-0001"
    assert {clock["name"] for clock in body["clocks"]} == {"first_response", "resolution"}
    assert body["sla_due_at"] is not None
    units = EntitlementEntry.objects.filter(reference=body["number"])
    assert [(u.kind, u.entitlement.name) for u in units] == [("consume", "Major incidents")]
    kinds = list(
        TimelineEntry.objects.filter(incident_id=body["id"]).values_list("kind", flat=True)
    )
    assert kinds == ["intake", "entitlement"]
    intake_entry = TimelineEntry.objects.get(incident_id=body["id"], kind="intake")
    assert intake_entry.data["identity_verified"] is True
    assert AuditEntry.objects.filter(action="open_incident", object_id=str(body["id"])).exists()


def test_a_premier_case_is_routed_to_the_internal_premier_queue(
    world: World, routes: Routes, api: API
) -> None:
    status, body = api(
        Role.INTERNAL_AGENT,
        "POST",
        "/incidents",
        intake(world, account_id=world.lumiere.pk, contact_id=world.claire.pk, pid="ORB-7200-0002"),
    )

    assert status == 201, body
    assert body["queue_name"] == "Paris L1 Premier"


def test_low_severity_does_not_use_the_major_incident_allowance(
    world: World, routes: Routes, api: API
) -> None:
    status, body = api(Role.PARTNER_AGENT, "POST", "/incidents", intake(world, severity=4))

    assert status == 201
    assert not EntitlementEntry.objects.filter(reference=body["number"]).exists()


def test_when_the_allowance_is_used_up_the_agent_is_told_why_and_what_to_do(
    world: World, routes: Routes, api: API
) -> None:
    for _ in range(2):
        assert api(Role.PARTNER_AGENT, "POST", "/incidents", intake(world))[0] == 201

    status, body = api(Role.PARTNER_AGENT, "POST", "/incidents", intake(world))

    assert status == 422
    assert body["reasons"] == ["allowance_exhausted"]
    assert "used up" in body["detail"]
    assert body["choices"] == ["override", "paid"]
    assert Incident.objects.count() == 2


def test_a_supervisor_override_is_recorded_and_uses_no_unit(
    world: World, routes: Routes, api: API
) -> None:
    for _ in range(2):
        api(Role.PARTNER_AGENT, "POST", "/incidents", intake(world))
    request = intake(world, override_reason="Production down at a key account; approved by S.B.")

    refused = api(Role.PARTNER_AGENT, "POST", "/incidents", request)
    status, body = api(Role.SUPERVISOR, "POST", "/incidents", request)

    assert refused[0] == 403
    assert status == 201, body
    assert (body["coverage"], body["coverage_note"]) == ("override", request["override_reason"])
    assert not EntitlementEntry.objects.filter(reference=body["number"]).exists()
    entry = TimelineEntry.objects.get(incident_id=body["id"], kind="intake")
    assert "supervisor override" in entry.body
    assert entry.data["not_covered_reasons"] == ["allowance_exhausted"]


def test_a_product_outside_the_contract_can_be_opened_as_a_paid_case(
    world: World, routes: Routes, api: API
) -> None:
    status, body = api(
        Role.INTERNAL_AGENT,
        "POST",
        "/incidents",
        intake(world, pid=None, channel="chat"),
    )
    assert status == 422
    assert body["reasons"] == ["channel_not_allowed"]

    status, body = api(
        Role.INTERNAL_AGENT,
        "POST",
        "/incidents",
        intake(world, channel="chat", paid_reference="PO-778"),
    )
    assert status == 201, body
    assert (body["coverage"], body["coverage_note"]) == ("paid", "PO-778")


def test_an_unknown_caller_is_recorded_on_the_spot(world: World, routes: Routes, api: API) -> None:
    status, body = api(
        Role.PARTNER_AGENT,
        "POST",
        "/incidents",
        intake(
            world,
            contact_id=None,
            identity_verified=False,
            new_contact={
                "first_name": "Hugo",
                "last_name": "Marchand",
                "phones": [{"number": "06 11 22 33 44", "kind": "mobile"}],
            },
        ),
    )

    assert status == 201, body
    contact = Contact.objects.get(pk=body["contact_id"])
    assert (contact.full_name, contact.account_id) == ("Hugo Marchand", world.dupont.pk)
    assert contact.phones.get().number == "+33611223344"


def test_a_pid_of_another_customer_is_refused_and_nothing_is_written(
    world: World, routes: Routes, api: API
) -> None:
    status, body = api(
        Role.INTERNAL_AGENT, "POST", "/incidents", intake(world, pid="ORB-7200-0002")
    )

    assert status == 422
    assert "no product with that PID" in body["detail"]
    assert Incident.objects.count() == 0
    assert EntitlementEntry.objects.count() == 0


def test_a_partner_cannot_open_a_case_for_a_premier_account(
    world: World, routes: Routes, api: API
) -> None:
    status, body = api(
        Role.PARTNER_AGENT,
        "POST",
        "/incidents",
        intake(world, account_id=world.lumiere.pk, contact_id=None, pid=None),
    )

    assert status == 422
    assert "not one you may see" in body["detail"]


def test_the_coverage_check_answers_before_anything_is_opened(
    world: World, routes: Routes, api: API
) -> None:
    status, body = api(
        Role.PARTNER_AGENT,
        "POST",
        "/incidents/check",
        {"account_id": world.dupont.pk, "pid": "ORB-7200-0001", "severity": 1, "channel": "phone"},
    )

    assert status == 200
    assert body["contract_id"] == world.dupont_contract.pk
    assert body["remaining"] == {"Major incidents": 2}
    assert Incident.objects.count() == 0


def test_without_a_routing_rule_the_agent_gets_a_clear_error(world: World, api: API) -> None:
    status, body = api(Role.INTERNAL_AGENT, "POST", "/incidents", intake(world))

    assert status == 422
    assert "add a routing rule" in body["detail"]
    assert EntitlementEntry.objects.count() == 0
