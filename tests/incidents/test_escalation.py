"""Escalation across tiers and partners, with the whole file and the right visibility."""

from collections.abc import Callable
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from escalade.core.roles import Role
from tests.factories import World
from tests.incidents.conftest import Routes
from tests.incidents.test_intake import intake
from tests.incidents.test_lifecycle import act

API = Callable[..., Any]


@pytest.fixture
def case(world: World, routes: Routes, api: API) -> dict[str, Any]:
    status, body = api(Role.PARTNER_AGENT, "POST", "/incidents", intake(world))
    assert status == 201, body
    act(api, Role.PARTNER_AGENT, body, "diagnostics", {"step": "Checked logs", "outcome": "1067"})
    return dict(body)


def test_a_partner_escalates_to_l2_and_keeps_read_access_only(
    case: dict[str, Any], api: API
) -> None:
    status, body = act(api, Role.PARTNER_AGENT, case, "escalate", {"reason": "Needs a specialist."})

    assert status == 200, body
    assert (body["tier"], body["queue_name"], body["owner_id"]) == ("L2", "Paris L2", None)
    assert [(e["from_tier"], e["to_tier"], e["direction"]) for e in body["escalations"]] == [
        ("L1", "L2", "up")
    ]
    assert api(Role.PARTNER_AGENT, "GET", f"/incidents/{case['id']}")[0] == 200
    refused = act(api, Role.PARTNER_AGENT, case, "notes", {"body": "still here"})
    assert refused[0] == 404
    _, timeline = api(Role.INTERNAL_AGENT, "GET", f"/incidents/{case['id']}/timeline")
    assert "Checked logs" in [entry["body"] for entry in timeline]


def test_partners_lose_sight_of_escalated_cases_when_so_configured(
    case: dict[str, Any], api: API, settings: Settings
) -> None:
    settings.PARTNER_KEEPS_ESCALATED_ACCESS = False

    act(api, Role.PARTNER_AGENT, case, "escalate", {"reason": "Needs a specialist."})

    assert api(Role.PARTNER_AGENT, "GET", f"/incidents/{case['id']}")[0] == 404


def test_the_path_up_to_the_product_group_and_back_down(
    case: dict[str, Any], routes: Routes, api: API
) -> None:
    act(api, Role.PARTNER_AGENT, case, "escalate", {"reason": "Specialist needed."})
    act(api, Role.INTERNAL_AGENT, case, "escalate", {"reason": "Regional expertise."})
    _, at_l3 = act(
        api,
        Role.ENGINEER,
        case,
        "escalate",
        {"reason": "Looks like a product bug.", "queue_id": routes.l3.pk},
    )
    assert (at_l3["tier"], at_l3["queue_name"]) == ("L3", "Orbit L3")

    _, back = act(api, Role.SUPERVISOR, case, "deescalate", {"reason": "Workaround found."})

    assert (back["tier"], back["queue_name"]) == ("RSC", "EMEA RSC")
    path = [(e["to_queue"], e["direction"]) for e in back["escalations"]]
    assert path == [
        ("Paris L2", "up"),
        ("EMEA RSC", "up"),
        ("Orbit L3", "up"),
        ("EMEA RSC", "down"),
    ]


def test_back_to_l1_returns_the_case_to_the_partner_that_had_it(
    case: dict[str, Any], api: API
) -> None:
    act(api, Role.PARTNER_AGENT, case, "escalate", {"reason": "Specialist needed."})

    status, body = act(
        api, Role.INTERNAL_AGENT, case, "deescalate", {"reason": "Config fix given."}
    )

    assert status == 200
    assert body["queue_name"] == "FR L1 Callwave"
    assert act(api, Role.PARTNER_AGENT, case, "notes", {"body": "Applying the fix."})[0] == 200


def test_escalation_to_a_site(world: World, case: dict[str, Any], api: API) -> None:
    status, body = act(
        api,
        Role.PARTNER_AGENT,
        case,
        "escalate",
        {"reason": "Paris team", "site_id": world.paris.pk},
    )

    assert status == 200
    assert body["queue_name"] == "Paris L2"


def test_a_premier_case_never_goes_to_a_partner_queue(
    world: World, routes: Routes, api: API
) -> None:
    _, premier = api(
        Role.INTERNAL_AGENT,
        "POST",
        "/incidents",
        intake(world, account_id=world.lumiere.pk, contact_id=world.claire.pk, pid="ORB-7200-0002"),
    )

    status, body = act(
        api,
        Role.INTERNAL_AGENT,
        premier,
        "escalate",
        {"reason": "overflow", "queue_id": routes.partner_l1.pk},
    )

    assert status == 422
    assert "Premier cases stay with internal teams" in body["detail"]


def test_moving_without_a_reason_or_past_the_last_tier_is_refused(
    case: dict[str, Any], routes: Routes, api: API
) -> None:
    assert act(api, Role.PARTNER_AGENT, case, "escalate", {"reason": ""})[0] == 422
    act(api, Role.PARTNER_AGENT, case, "escalate", {"reason": "x", "queue_id": routes.l3.pk})

    status, body = act(api, Role.ENGINEER, case, "escalate", {"reason": "further"})

    assert status == 422
    assert "last tier" in body["detail"]
