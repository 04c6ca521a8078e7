"""SLA clocks in business hours, paused while the customer is awaited; alerts raised once."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import time_machine
from django.core.management import call_command

from escalade.core.roles import Role
from escalade.incidents.models import SlaEvent, TimelineEntry
from tests.factories import World
from tests.incidents.conftest import PARIS, Routes, next_tuesday
from tests.incidents.test_intake import intake
from tests.incidents.test_lifecycle import act

API = Callable[..., Any]


def clock(body: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in body["clocks"] if c["name"] == name)


def local(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(PARIS)


def watch() -> None:
    call_command("run_worker", "--once", "--poller", "sla")


def test_first_response_due_four_business_hours_later_warns_then_breaches_once(
    world: World, routes: Routes, api: API, office_hours: time_machine.Traveller
) -> None:
    _, case = api(Role.PARTNER_AGENT, "POST", "/incidents", intake(world))
    response = clock(case, "first_response")
    assert local(response["deadline"]) == next_tuesday(14)
    assert local(response["warn_at"]) == next_tuesday(13)

    office_hours.move_to(next_tuesday(13, 5))
    watch()
    watch()
    assert list(SlaEvent.objects.values_list("clock", "kind")) == [("first_response", "warning")]

    office_hours.move_to(next_tuesday(14, 1))
    watch()

    events = set(SlaEvent.objects.values_list("clock", "kind"))
    assert events == {("first_response", "warning"), ("first_response", "breach")}
    assert TimelineEntry.objects.filter(incident_id=case["id"], kind="sla").count() == 2
    _, body = api(Role.PARTNER_AGENT, "GET", f"/incidents/{case['id']}")
    assert body["sla_state"] == "breached"
    _, board = api(Role.SUPERVISOR, "GET", "/incidents/sla-events?kind=breach")
    assert [(e["incident_number"], e["clock"]) for e in board["items"]] == [
        (case["number"], "first_response")
    ]


def test_a_deadline_after_closing_time_moves_to_the_next_working_morning(
    world: World, routes: Routes, api: API, office_hours: time_machine.Traveller
) -> None:
    office_hours.move_to(next_tuesday(16))

    _, case = api(Role.PARTNER_AGENT, "POST", "/incidents", intake(world))

    # 2 hours on Tuesday (16:00–18:00) and 2 more on Wednesday from 09:00.
    assert local(clock(case, "first_response")["deadline"]) == next_tuesday(11) + timedelta(days=1)


def test_waiting_on_the_customer_pauses_the_resolution_clock(
    world: World, routes: Routes, api: API, office_hours: time_machine.Traveller
) -> None:
    _, case = api(Role.PARTNER_AGENT, "POST", "/incidents", intake(world))
    before = local(clock(case, "resolution")["deadline"])

    office_hours.move_to(next_tuesday(11))
    _, paused = act(api, Role.PARTNER_AGENT, case, "status", {"status": "pending_customer"})
    assert clock(paused, "resolution")["state"] == "paused"
    office_hours.move_to(next_tuesday(15))
    _, resumed = act(api, Role.PARTNER_AGENT, case, "status", {"status": "open"})

    after = local(clock(resumed, "resolution")["deadline"])
    assert clock(resumed, "resolution")["elapsed_minutes"] == 60
    assert after - before == timedelta(hours=4)


def test_the_first_response_clock_is_not_paused_by_waiting_on_the_customer(
    world: World, routes: Routes, api: API, office_hours: time_machine.Traveller
) -> None:
    _, case = api(Role.PARTNER_AGENT, "POST", "/incidents", intake(world))
    office_hours.move_to(next_tuesday(11))

    _, body = act(api, Role.PARTNER_AGENT, case, "status", {"status": "pending_customer"})

    assert clock(body, "first_response")["state"] == "stopped"
    assert clock(body, "first_response")["elapsed_minutes"] == 60


def test_l2_holds_a_case_against_its_hand_off_target(
    world: World, routes: Routes, api: API, office_hours: time_machine.Traveller
) -> None:
    _, case = api(Role.PARTNER_AGENT, "POST", "/incidents", intake(world))
    office_hours.move_to(next_tuesday(11))

    _, body = act(api, Role.PARTNER_AGENT, case, "escalate", {"reason": "Specialist."})

    handoff = next(c for c in body["clocks"] if c["name"].startswith("handoff:"))
    assert handoff["target_minutes"] == 240
    assert local(handoff["deadline"]) == next_tuesday(15)


def test_clocks_never_drift_they_are_recomputed_from_the_history(
    world: World, routes: Routes, api: API, office_hours: time_machine.Traveller
) -> None:
    _, case = api(Role.PARTNER_AGENT, "POST", "/incidents", intake(world))
    office_hours.move_to(next_tuesday(12))

    first = api(Role.PARTNER_AGENT, "GET", f"/incidents/{case['id']}")[1]["clocks"]
    second = api(Role.PARTNER_AGENT, "GET", f"/incidents/{case['id']}")[1]["clocks"]

    assert first == second
    assert clock({"clocks": first}, "resolution")["elapsed_minutes"] == 120
