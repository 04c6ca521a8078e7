"""The REST API of the ACD: agents' states, queue routing, who waits, route requests."""

from collections.abc import Callable
from typing import Any

import pytest

from escalade.contactcenter.models import AcdState, QueueRouting
from escalade.core.roles import Role
from tests.contactcenter.conftest import Floor

Api = Callable[..., tuple[int, Any]]


def test_an_agent_logs_in_goes_on_a_break_and_logs_out(floor: Floor, api_as: Api) -> None:
    paul = floor.paul.user
    # Given Paul, never logged in to the ACD
    status, body = api_as(paul, "GET", "/agents/me")
    assert (status, body["state"]) == (200, "logged_out")
    # When he logs in at extension 2001
    status, body = api_as(
        paul, "PUT", "/agents/me/state", {"state": "available", "extension": "2001"}
    )
    assert (status, body["state"], body["extension"]) == (200, "available", "2001")
    # When he goes on a break, then logs out
    status, body = api_as(
        paul, "PUT", "/agents/me/state", {"state": "not_ready", "reason": "break"}
    )
    assert (status, body["state"], body["reason"], body["reason_label"]) == (
        200,
        "not_ready",
        "break",
        "Break",
    )
    status, body = api_as(paul, "PUT", "/agents/me/state", {"state": "logged_out"})
    assert (status, body["state"], body["extension"]) == (200, "logged_out", "")


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"state": "not_ready"}, 422, "reason"),
        ({"state": "not_ready", "reason": "no_answer"}, 422, "reason"),
        ({"state": "available", "reason": "break"}, 422, "reason"),
        ({"state": "on_call"}, 422, "state"),
        ({}, 422, "state"),
    ],
)
def test_bad_states_are_refused_with_a_reason(
    floor: Floor, api_as: Api, body: dict[str, Any], status: int, words: str
) -> None:
    got, reply = api_as(floor.paul.user, "PUT", "/agents/me/state", body)
    assert got == status
    assert words in reply["detail"]


def test_an_agent_with_a_call_ringing_cannot_walk_away(floor: Floor, api_as: Api) -> None:
    floor.available(floor.paul)
    floor.call("pbx-1")
    status, body = api_as(floor.paul.user, "PUT", "/agents/me/state", {"state": "logged_out"})
    assert status == 409
    assert "ringing" in body["detail"]
    assert floor.state(floor.paul).state == AcdState.RESERVED


def test_a_supervisor_sees_and_sets_agents_states(floor: Floor, api_as: Api) -> None:
    floor.available(floor.paul, floor.lea)
    status, body = api_as(Role.SUPERVISOR, "GET", "/agents?state=available")
    assert status == 200
    assert sorted(item["agent"] for item in body["items"]) == ["lea.l1", "paul.partner"]
    status, body = api_as(
        Role.SUPERVISOR,
        "PUT",
        f"/agents/{floor.lea.pk}/state",
        {"state": "not_ready", "reason": "meeting"},
    )
    assert (status, body["state"]) == (200, "not_ready")
    # An agent may not set someone else's state
    status, _ = api_as(Role.INTERNAL_AGENT, "PUT", f"/agents/{floor.lea.pk}/state", {})
    assert status == 403


def test_an_administrator_configures_a_queue(floor: Floor, api_as: Api) -> None:
    status, body = api_as(Role.SUPERVISOR, "GET", f"/queues/{floor.l1.pk}/routing")
    assert (status, body["strategy"], body["service_level_seconds"]) == (200, "longest_idle", 20)
    overflow = [{"after_seconds": 45, "max_tier_rank_delta": 1, "any_site": True}]
    status, body = api_as(
        Role.ADMINISTRATOR,
        "PUT",
        f"/queues/{floor.l1.pk}/routing",
        {"strategy": "round_robin", "wrap_up_seconds": 15, "overflow": overflow},
    )
    assert status == 200, body
    assert (body["strategy"], body["wrap_up_seconds"], body["overflow"]) == (
        "round_robin",
        15,
        overflow,
    )
    assert QueueRouting.objects.get(queue=floor.l1).strategy == "round_robin"
    # Supervisors read it but may not change it
    status, _ = api_as(Role.SUPERVISOR, "PUT", f"/queues/{floor.l1.pk}/routing", {"weight": 2})
    assert status == 403


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"overflow": "soon"}, "list"),
        ({"overflow": [{"after_seconds": -5}]}, "after_seconds"),
        ({"overflow": [{"after": 30}]}, "unknown field"),
        (
            {
                "overflow": [
                    {"after_seconds": 60, "any_site": True},
                    {"after_seconds": 30, "any_site": True},
                ]
            },
            "later",
        ),
        ({"overflow": [{"after_seconds": 30, "drop_skills": "language:fr"}]}, "drop_skills"),
        ({"ring_timeout_seconds": 1}, "ring_timeout_seconds"),
        ({"strategy": "random"}, "strategy"),
        ({}, "at least one"),
    ],
)
def test_bad_queue_routing_is_refused_with_a_reason(
    floor: Floor, api_as: Api, body: dict[str, Any], words: str
) -> None:
    status, reply = api_as(Role.ADMINISTRATOR, "PUT", f"/queues/{floor.l1.pk}/routing", body)
    assert status == 422, reply
    assert words in reply["detail"]
    assert not QueueRouting.objects.exists()


def test_staff_see_who_waits_in_order_and_the_expected_wait(floor: Floor, api_as: Api) -> None:
    # Given Paul on a call (5 min expected), Marie waiting, then Claire (premier)
    floor.available(floor.paul)
    floor.call("pbx-0", number="+33 1 40 00 00 09")
    floor.answer("pbx-0", floor.paul)
    floor.call("pbx-1")
    floor.later(10)
    floor.call("pbx-2", number="06 12 34 56 78")
    status, body = api_as(Role.SUPERVISOR, "GET", f"/queues/{floor.l1.pk}/waiting")
    assert status == 200
    assert [(item["position"], item["account_name"]) for item in body] == [
        (1, "Banque Lumière"),
        (2, "Dupont Industrie"),
        (0, None),  # the call Paul is on
    ]
    assert body[1]["waited_seconds"] == 10
    # Partner staff see their queue but never a premier caller's name
    status, body = api_as(Role.PARTNER_AGENT, "GET", f"/queues/{floor.l1.pk}/waiting")
    assert [item["account_name"] for item in body][:2] == [None, "Dupont Industrie"]
    # And the expected wait of a new standard caller: two ahead, one agent, 300 s each
    status, body = api_as(Role.CUSTOMER, "GET", f"/queues/{floor.l1.pk}/expected-wait")
    assert (status, body["seconds"], body["waiting"]) == (200, 900.0, 2)
    status, body = api_as(Role.SUPERVISOR, "GET", "/queues")
    l1 = next(item for item in body["items"] if item["id"] == floor.l1.pk)
    assert (l1["waiting"], l1["connected"], l1["expected_wait"]) == (2, 1, 900.0)


def test_a_partner_does_not_see_the_waiting_calls_of_other_organisations(
    floor: Floor, api_as: Api
) -> None:
    status, _ = api_as(Role.PARTNER_AGENT, "GET", f"/queues/{floor.l2.pk}/waiting")
    assert status == 404


def test_a_pbx_asks_where_a_call_goes(floor: Floor, api_as: Api) -> None:
    request = {
        "callId": "sip-1",
        "from": "+33142685300",
        "to": HOTLINE_E164,
        "queue": "FR L1 Callwave",
    }
    # Given nobody available: the call waits
    status, body = api_as(Role.SUPERVISOR, "POST", "/route", request)
    assert status == 200, body
    assert body["status"] == "waiting"
    assert "agent" not in body
    # When Paul logs in at extension 2001 and the PBX asks again, the answer is Paul
    api_as(floor.paul.user, "PUT", "/agents/me/state", {"state": "available", "extension": "2001"})
    status, body = api_as(Role.SUPERVISOR, "POST", "/route", request)
    assert body == {
        "call": body["call"],
        "status": "ringing",
        "agent": "paul.partner",
        "extension": "2001",
    }


def test_a_route_request_for_a_free_agent_answers_at_once(floor: Floor, api_as: Api) -> None:
    api_as(floor.lea.user, "PUT", "/agents/me/state", {"state": "available", "extension": "2002"})
    request = {"callId": "sip-2", "from": "+33142685300", "queue": "FR L1 Callwave"}
    status, body = api_as(Role.ADMINISTRATOR, "POST", "/route", request)
    assert (status, body["agent"], body["extension"]) == (200, "lea.l1", "2002")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"callId": "sip-3", "queue": "Nowhere"}, 404),
        ({"queue": "FR L1 Callwave"}, 422),
        ({"callId": "sip-3"}, 422),
    ],
)
def test_bad_route_requests_are_refused(
    floor: Floor, api_as: Api, body: dict[str, Any], status: int
) -> None:
    got, reply = api_as(Role.SUPERVISOR, "POST", "/route", body)
    assert got == status
    assert reply["detail"]


def test_only_the_pbx_bridge_roles_may_ask_for_routes(floor: Floor, api_as: Api) -> None:
    status, _ = api_as(Role.PARTNER_AGENT, "POST", "/route", {})
    assert status == 403


HOTLINE_E164 = "+33170360000"
