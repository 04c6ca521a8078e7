"""Creating and changing the registry through the API, with clear errors for bad input."""

from collections.abc import Callable
from typing import Any

from django.test import Client

from escalade.core.models import AuditEntry
from escalade.core.roles import Role
from escalade.customers.models import Contact
from escalade.network.models import Agent
from tests.factories import World


def post(client: Client, url: str, payload: dict[str, Any]) -> Any:
    return client.post(url, payload, content_type="application/json")


def patch(client: Client, url: str, payload: dict[str, Any]) -> Any:
    return client.patch(url, payload, content_type="application/json")


def test_an_administrator_builds_a_site_with_its_calendar(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    admin = client_as(Role.ADMINISTRATOR)
    calendar = post(
        admin,
        "/api/network/calendars",
        {
            "name": "UK business hours",
            "time_zone": "Europe/London",
            "weekly_hours": {"mon": [["09:00", "17:30"]], "fri": [["09:00", "16:00"]]},
            "holiday_country": "GB",
        },
    )
    assert calendar.status_code == 201, calendar.content

    site = post(
        admin,
        "/api/network/sites",
        {
            "organization_id": world.emea.pk,
            "name": "Manchester",
            "country": "GB",
            "time_zone": "Europe/London",
            "calendar_id": calendar.json()["id"],
        },
    )

    assert site.status_code == 201, site.content
    assert admin.get(f"/api/network/sites?organization_id={world.emea.pk}").json()["count"] == 1
    entry = AuditEntry.objects.filter(object_type="network.site").get()
    assert entry.action == "create"
    assert entry.actor_id == world.users[Role.ADMINISTRATOR].pk


def test_bad_calendars_are_refused_with_the_reason(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    admin = client_as(Role.ADMINISTRATOR)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"time_zone": "Mars/Olympus"}, "time zone"),
        ({"weekly_hours": {"mon": [["18:00", "09:00"]]}}, "ends before it starts"),
        ({"weekly_hours": {"someday": [["09:00", "17:00"]]}}, "Unknown weekday"),
        ({"holiday_country": "XX"}, "public-holiday"),
        ({"weekly_hours": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "Overlapping"),
        ({"weekly_hours": {}}, "24 × 7"),
    ]
    for change, message in cases:
        payload = {
            "name": "Broken",
            "time_zone": "Europe/Paris",
            "weekly_hours": {"mon": [["09:00", "18:00"]]},
            **change,
        }
        response = post(admin, "/api/network/calendars", payload)
        assert response.status_code == 422, (change, response.content)
        assert message in response.json()["detail"], response.json()


def test_duplicate_and_dangling_references_get_clear_errors(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    admin = client_as(Role.ADMINISTRATOR)

    duplicate = post(admin, "/api/network/tiers", {"code": "L1", "name": "Again", "rank": 9})
    dangling = post(
        admin,
        "/api/network/sites",
        {"organization_id": 424242, "name": "X", "country": "FR", "time_zone": "Europe/Paris"},
    )
    bad_json = admin.post("/api/network/tiers", "{not json", content_type="application/json")
    missing = post(admin, "/api/network/tiers", {"code": "L5"})

    assert duplicate.status_code == 422
    assert "already exists" in duplicate.json()["detail"]
    assert dangling.status_code == 422
    assert dangling.json()["detail"].startswith("organization: ")
    assert "424242 is not a valid choice" in dangling.json()["detail"]
    assert bad_json.status_code in (400, 422)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] in {"payload.name", "payload.rank"}


def test_an_organisation_still_in_use_cannot_be_deleted(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    response = client_as(Role.ADMINISTRATOR).delete(
        f"/api/network/organizations/{world.callwave.pk}"
    )

    assert response.status_code == 409
    assert "in use" in response.json()["detail"]


def test_a_supervisor_hires_an_agent_with_skills_who_can_then_sign_in(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    skill = post(
        client_as(Role.ADMINISTRATOR),
        "/api/network/skills",
        {"kind": "product", "code": "ORBIT", "name": "Orbit Server"},
    ).json()

    response = post(
        client_as(Role.SUPERVISOR),
        "/api/network/agents",
        {
            "username": "luc.petit",
            "password": "a-long-password-1",
            "first_name": "Luc",
            "last_name": "Petit",
            "organization_id": world.france.pk,
            "site_id": world.paris.pk,
            "tier_id": world.tiers["L1"].pk,
            "languages": ["fr", "en"],
            "skills": [{"skill_id": skill["id"], "proficiency": 4}],
        },
    )

    assert response.status_code == 201, response.content
    assert response.json()["skills"] == [{"skill_id": skill["id"], "proficiency": 4}]
    assert Client().login(username="luc.petit", password="a-long-password-1")
    agent = Agent.objects.get(user__username="luc.petit")
    assert agent.role == Role.INTERNAL_AGENT


def test_an_agent_cannot_be_put_on_another_organisations_site(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    response = post(
        client_as(Role.ADMINISTRATOR),
        "/api/network/agents",
        {
            "username": "misplaced",
            "organization_id": world.france.pk,
            "site_id": world.callwave_lille.pk,
            "tier_id": world.tiers["L1"].pk,
        },
    )

    assert response.status_code == 422
    assert "another organisation" in response.json()["detail"]


def test_an_agent_records_a_new_caller_with_a_national_phone_number(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    response = post(
        client_as(Role.PARTNER_AGENT),
        "/api/customers/contacts",
        {
            "account_id": world.dupont.pk,
            "first_name": "Hélène",
            "last_name": "Faure",
            "phones": [{"number": "06 98 76 54 32", "kind": "mobile"}],
            "emails": ["Helene.Faure@Dupont.example"],
            "verifications": [{"question": "Pet's name", "answer": "Rex"}],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phones"][0]["number"] == "+33698765432"
    assert body["emails"] == ["helene.faure@dupont.example"]
    assert body["language"] == "fr"
    assert body["verification_questions"] == ["Pet's name"]
    stored = Contact.objects.get(pk=body["id"]).verifications.get()
    assert "Rex" not in stored.answer_hash


def test_a_wrong_phone_number_loses_nothing(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    before = Contact.objects.count()

    response = post(
        client_as(Role.INTERNAL_AGENT),
        "/api/customers/contacts",
        {"account_id": world.dupont.pk, "last_name": "Faure", "phones": [{"number": "12345"}]},
    )

    assert response.status_code == 422
    assert "not a valid phone number" in response.json()["detail"]
    assert Contact.objects.count() == before


def test_a_partner_cannot_add_a_contact_to_a_premier_account(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    response = post(
        client_as(Role.PARTNER_AGENT),
        "/api/customers/contacts",
        {"account_id": world.lumiere.pk, "last_name": "Sneaky"},
    )

    assert response.status_code == 422
    assert "not one you may see" in response.json()["detail"]


def test_identity_check_tells_which_answers_were_wrong(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    agent = client_as(Role.PARTNER_AGENT)
    url = f"/api/customers/contacts/{world.marie.pk}/verify"

    right = post(agent, url, {"answers": {"City of birth": "  besancon "}})
    wrong = post(agent, url, {"answers": {"City of birth": "Lyon"}})
    unknown = post(agent, url, {"answers": {"Favourite colour": "blue"}})

    assert right.json() == {"verified": True, "wrong": []}
    assert wrong.json() == {"verified": False, "wrong": ["City of birth"]}
    assert unknown.status_code == 422
    assert AuditEntry.objects.filter(action="verify_identity").count() == 2


def test_licences_are_registered_by_normalised_pid_once(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    agent = client_as(Role.INTERNAL_AGENT)
    payload = {
        "pid": " orb-7200-0777 ",
        "account_id": world.dupont.pk,
        "product_id": world.product.pk,
    }

    first = post(agent, "/api/customers/licences", payload)
    again = post(agent, "/api/customers/licences", {**payload, "pid": "ORB-7200-0777"})

    assert first.status_code == 201
    assert first.json()["pid"] == "ORB-7200-0777"
    assert again.status_code == 422
    assert "already registered" in again.json()["detail"]


def test_a_premier_contract_cannot_be_given_to_a_partner(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    response = patch(
        client_as(Role.SUPERVISOR),
        f"/api/contracts/contracts/{world.lumiere_contract.pk}",
        {"l1_partner_id": world.callwave.pk},
    )

    assert response.status_code == 422
    assert "handled internally" in response.json()["detail"]


def test_lists_are_paginated(world: World, client_as: Callable[[Role], Client]) -> None:
    response = client_as(Role.ADMINISTRATOR).get("/api/network/tiers?limit=2&offset=1")

    assert response.json()["count"] == 4
    assert [t["code"] for t in response.json()["items"]] == ["L2", "RSC"]


def test_the_openapi_document_describes_both_ways_to_authenticate(world: World) -> None:
    document = Client().get("/api/openapi.json").json()

    assert document["info"]["title"] == "Escalade API"
    schemes = document["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} >= {"http", "apiKey"}
    assert Client().get("/api/docs").status_code == 200
