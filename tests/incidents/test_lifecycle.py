"""Working a case: notes, diagnosis, statuses, classification, resolution, reopening."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from escalade.contracts.models import EntitlementEntry
from escalade.core.roles import Role
from escalade.incidents.models import TimelineEntry
from tests.factories import World
from tests.incidents.conftest import Routes
from tests.incidents.test_intake import intake

API = Callable[..., Any]


@pytest.fixture
def case(world: World, routes: Routes, api: API) -> dict[str, Any]:
    status, body = api(Role.PARTNER_AGENT, "POST", "/incidents", intake(world))
    assert status == 201, body
    return dict(body)


def act(api: API, role: Role, case: dict[str, Any], action: str, payload: Any = None) -> Any:
    return api(role, "POST", f"/incidents/{case['id']}/{action}", payload or {})


def test_the_first_customer_visible_note_is_the_first_response(
    case: dict[str, Any], api: API
) -> None:
    internal = act(api, Role.PARTNER_AGENT, case, "notes", {"body": "Checked the event log."})
    assert internal[1]["responded_at"] is None

    status, body = act(
        api,
        Role.PARTNER_AGENT,
        case,
        "notes",
        {"body": "We are looking at it.", "customer_visible": True},
    )

    assert status == 200
    assert body["responded_at"] is not None
    first_response = next(c for c in body["clocks"] if c["name"] == "first_response")
    assert first_response["state"] == "stopped"


def test_diagnostic_steps_stay_on_the_file_for_the_next_tier(
    case: dict[str, Any], api: API
) -> None:
    act(
        api,
        Role.PARTNER_AGENT,
        case,
        "diagnostics",
        {"step": "Restarted the service", "outcome": "Fails again with 1067"},
    )

    status, timeline = api(Role.INTERNAL_AGENT, "GET", f"/incidents/{case['id']}/timeline")

    assert status == 200
    step = next(entry for entry in timeline if entry["kind"] == "diagnostic")
    assert step["body"] == "Restarted the service"
    assert step["data"] == {"outcome": "Fails again with 1067"}
    assert step["actor"] == "paul.partner"


def test_a_status_change_outside_the_transition_table_is_refused_with_the_choices(
    case: dict[str, Any], api: API
) -> None:
    act(api, Role.PARTNER_AGENT, case, "resolve", {"summary": "Reinstalled the service."})

    status, body = act(api, Role.PARTNER_AGENT, case, "status", {"status": "pending_customer"})

    assert status == 422
    assert "cannot become" in body["detail"]
    assert "Closed" in body["detail"]


def test_resolve_needs_a_summary_and_reopening_does_not_count_twice(
    world: World, case: dict[str, Any], api: API
) -> None:
    assert act(api, Role.PARTNER_AGENT, case, "resolve", {"summary": " "})[0] == 422

    resolved = act(api, Role.PARTNER_AGENT, case, "resolve", {"summary": "Patched to 7.2.1."})[1]
    reopened = act(api, Role.PARTNER_AGENT, case, "reopen", {"reason": "Crashed again."})[1]

    assert resolved["status"] == "resolved"
    assert resolved["resolution_summary"] == "Patched to 7.2.1."
    assert reopened["status"] == "reopened"
    assert reopened["resolved_at"] is None
    assert EntitlementEntry.objects.filter(reference=case["number"]).count() == 1


def test_a_case_reclassified_as_a_product_bug_gives_its_unit_back(
    world: World, case: dict[str, Any], api: API
) -> None:
    status, body = act(
        api,
        Role.PARTNER_AGENT,
        case,
        "classify",
        {"classification": "defect", "bug_reference": "ORB-4711"},
    )

    assert status == 200
    assert (body["classification"], body["bug_reference"]) == ("defect", "ORB-4711")
    kinds = sorted(
        EntitlementEntry.objects.filter(reference=case["number"]).values_list("kind", flat=True)
    )
    assert kinds == ["consume", "refund"]
    _, check = api(
        Role.PARTNER_AGENT,
        "POST",
        "/incidents/check",
        {"account_id": world.dupont.pk, "pid": "ORB-7200-0001", "severity": 2, "channel": "email"},
    )
    assert check["remaining"] == {"Major incidents": 2}


def test_cancelling_within_the_grace_period_refunds_later_does_not(
    world: World, routes: Routes, api: API, office_hours: time_machine.Traveller
) -> None:
    early = api(Role.PARTNER_AGENT, "POST", "/incidents", intake(world))[1]
    late = api(Role.PARTNER_AGENT, "POST", "/incidents", intake(world))[1]
    act(api, Role.PARTNER_AGENT, early, "cancel", {"reason": "Customer found the cause."})

    office_hours.shift(timedelta(hours=2))
    status, body = act(api, Role.PARTNER_AGENT, late, "cancel", {"reason": "Duplicate."})

    assert status == 200
    assert (body["status"], body["closure"]) == ("closed", "cancelled")
    refunds = EntitlementEntry.objects.filter(kind="refund").values_list("reference", flat=True)
    assert list(refunds) == [early["number"]]


def test_take_ownership_and_only_within_the_queue_organisation(
    world: World, case: dict[str, Any], api: API
) -> None:
    partner_agent = world.users[Role.PARTNER_AGENT].agent
    internal_agent = world.users[Role.INTERNAL_AGENT].agent

    mine = act(api, Role.PARTNER_AGENT, case, "assign", {"owner_id": partner_agent.pk})
    wrong = act(api, Role.SUPERVISOR, case, "assign", {"owner_id": internal_agent.pk})

    assert mine[1]["owner_name"] == "Paul Lefebvre"
    assert wrong[0] == 422
    _, listed = api(Role.PARTNER_AGENT, "GET", "/incidents?mine=true")
    assert [i["number"] for i in listed["items"]] == [case["number"]]


def test_the_timeline_is_append_only_and_customers_see_only_their_part(
    world: World, case: dict[str, Any], api: API
) -> None:
    act(api, Role.PARTNER_AGENT, case, "notes", {"body": "Internal: looks like a config issue."})
    act(
        api,
        Role.PARTNER_AGENT,
        case,
        "notes",
        {"body": "Please send the logs.", "customer_visible": True},
    )

    _, staff_view = api(Role.INTERNAL_AGENT, "GET", f"/incidents/{case['id']}/timeline")
    _, customer_view = api(Role.CUSTOMER, "GET", f"/incidents/{case['id']}/timeline")
    _, account_view = api(
        Role.INTERNAL_AGENT, "GET", f"/incidents/accounts/{world.dupont.pk}/timeline"
    )

    assert len(staff_view) > len(customer_view)
    assert all(entry["customer_visible"] for entry in customer_view)
    assert "Please send the logs." in [entry["body"] for entry in customer_view]
    assert {entry["incident_number"] for entry in account_view["items"]} == {case["number"]}
    entry = TimelineEntry.objects.filter(incident_id=case["id"]).first()
    assert entry is not None
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
