"""What each role sees: partners their own standard accounts, customers their own account."""

import json
from collections.abc import Callable

from django.test import Client

from escalade.contracts.models import Contract
from escalade.core.roles import Role
from tests.factories import World, make_agent


def names(response_json: dict[str, list[dict[str, str]]]) -> set[str]:
    return {item["name"] for item in response_json["items"]}


def test_internal_agents_see_every_account(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    response = client_as(Role.INTERNAL_AGENT).get("/api/customers/accounts")
    assert names(response.json()) == {"Dupont Industrie", "Banque Lumière"}


def test_a_partner_agent_sees_the_accounts_it_serves_but_never_premier_ones(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    partner = client_as(Role.PARTNER_AGENT)

    assert names(partner.get("/api/customers/accounts").json()) == {"Dupont Industrie"}
    assert partner.get(f"/api/customers/accounts/{world.lumiere.pk}").status_code == 404
    assert partner.get(f"/api/customers/accounts/{world.lumiere.pk}/file").status_code == 404
    contacts = partner.get("/api/customers/contacts").json()["items"]
    assert [c["last_name"] for c in contacts] == ["Durand"]
    contracts = partner.get("/api/contracts/contracts").json()["items"]
    assert [c["number"] for c in contracts] == ["C-1001"]


def test_a_partner_agent_cannot_find_a_premier_caller_by_phone_or_pid(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    partner = client_as(Role.PARTNER_AGENT)

    assert partner.get("/api/customers/lookup", {"phone": "06 12 34 56 78"}).json() == []
    assert partner.get("/api/customers/lookup", {"pid": "ORB-7200-0002"}).json() == []
    assert partner.get("/api/customers/lookup", {"name": "Banque Lumiere"}).json() == []


def test_a_partner_loses_an_account_whose_contract_moves_to_another_partner(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    world.dupont_contract.l1_partner = None
    world.dupont_contract.save()

    response = client_as(Role.PARTNER_AGENT).get("/api/customers/accounts")

    assert response.json()["items"] == []


def test_a_customer_sees_only_its_own_account_and_contracts(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    customer = client_as(Role.CUSTOMER)

    assert names(customer.get("/api/customers/accounts").json()) == {"Dupont Industrie"}
    assert customer.get(f"/api/customers/accounts/{world.dupont.pk}/file").status_code == 200
    assert customer.get(f"/api/customers/accounts/{world.lumiere.pk}/file").status_code == 404
    assert [c["number"] for c in customer.get("/api/contracts/contracts").json()["items"]] == [
        "C-1001"
    ]


def test_a_partner_supervisor_cannot_hire_agents_for_another_organisation(
    world: World,
) -> None:
    boss = make_agent(
        "bruno.boss", organization=world.callwave, tier=world.tiers["L1"], role=Role.SUPERVISOR
    )
    client = Client()
    client.force_login(boss.user)
    payload = {
        "username": "intruder",
        "organization_id": world.france.pk,
        "tier_id": world.tiers["L1"].pk,
    }

    response = client.post("/api/network/agents", payload, content_type="application/json")

    assert response.status_code == 403
    assert "own organisation" in response.json()["detail"]
    own = {**payload, "organization_id": world.callwave.pk, "role": "partner_agent"}
    assert (
        client.post("/api/network/agents", own, content_type="application/json").status_code == 201
    )


def test_a_partner_supervisor_cannot_hand_out_power_or_touch_contracts(world: World) -> None:
    boss = make_agent(
        "bruno.boss", organization=world.callwave, tier=world.tiers["L1"], role=Role.SUPERVISOR
    )
    client = Client()
    client.force_login(boss.user)

    def send(method: str, url: str, payload: dict[str, object]) -> int:
        response = client.generic(method, url, json.dumps(payload), content_type="application/json")
        return response.status_code

    promote = send("PATCH", f"/api/network/agents/{boss.pk}", {"role": "administrator"})
    grab = send(
        "POST",
        "/api/contracts/contracts",
        {
            "number": "C-GRAB",
            "account_id": world.lumiere.pk,
            "plan_id": world.business_plan.pk,
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "l1_partner_id": world.callwave.pk,
        },
    )
    gift = send(
        "POST",
        "/api/contracts/entitlements",
        {
            "contract_id": world.lumiere_contract.pk,
            "name": "Free",
            "allowance": 999,
            "counted_severities": [1],
        },
    )
    lookup = send(
        "POST", "/api/cti/events", {"event": "newCall", "callId": "x1", "from": "+33612345678"}
    )

    assert (promote, grab, gift, lookup) == (403, 403, 403, 403)
    boss.refresh_from_db()
    assert boss.role == Role.SUPERVISOR
    assert not Contract.objects.filter(number="C-GRAB").exists()
    assert not world.lumiere_contract.entitlements.exists()


def test_a_partner_sees_in_the_file_only_the_contracts_it_serves(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    internal = Contract.objects.create(
        number="C-1002",
        account=world.dupont,
        plan=world.business_plan,
        starts_on=world.dupont_contract.starts_on,
        ends_on=world.dupont_contract.ends_on,
    )
    url = f"/api/customers/accounts/{world.dupont.pk}/file"

    partner_view = client_as(Role.PARTNER_AGENT).get(url).json()
    internal_view = client_as(Role.INTERNAL_AGENT).get(url).json()

    assert [c["number"] for c in partner_view["contracts"]] == ["C-1001"]
    assert {c["number"] for c in internal_view["contracts"]} == {"C-1001", internal.number}
