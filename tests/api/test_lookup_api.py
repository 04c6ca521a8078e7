"""Finding a caller: by phone in any format, email, PID or a misspelled name; the file."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.test import Client

from escalade.contracts.models import EntitlementEntry, EntryKind
from escalade.core.roles import Role
from escalade.customers.models import Account
from tests.factories import World, make_contact


@pytest.mark.parametrize(
    "written",
    ["01 42 68 53 00", "+33 1 42 68 53 00", "0033142685300", "+33 (0)1 42.68.53.00", "142685300"],
)
def test_a_caller_is_found_by_phone_however_the_number_is_written(
    written: str, world: World, client_as: Callable[[Role], Client]
) -> None:
    response = client_as(Role.INTERNAL_AGENT).get("/api/customers/lookup", {"phone": written})

    matches = response.json()
    assert [m["contact"]["last_name"] for m in matches] == ["Durand"], written
    assert matches[0]["account"]["name"] == "Dupont Industrie"
    assert matches[0]["matched_on"] == "phone"


def test_a_british_national_number_is_read_in_the_given_country(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    make_contact(world.dupont, "James", "Walker", phone="+442079460123")
    agent = client_as(Role.INTERNAL_AGENT)

    response = agent.get("/api/customers/lookup", {"phone": "020 7946 0123", "country": "GB"})

    assert [m["contact"]["last_name"] for m in response.json()] == ["Walker"]


def test_lookup_by_email_and_pid_ignores_case_and_spaces(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    agent = client_as(Role.INTERNAL_AGENT)

    by_email = agent.get("/api/customers/lookup", {"email": " Marie.Durand@DUPONT.example "})
    by_pid = agent.get("/api/customers/lookup", {"pid": "orb-7200-0002"})

    assert by_email.json()[0]["contact"]["first_name"] == "Marie"
    assert by_pid.json()[0]["account"]["name"] == "Banque Lumière"
    assert by_pid.json()[0]["matched_on"] == "pid"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Dupond Industrie", "Dupont Industrie"),
        ("banque lumiere", "Banque Lumière"),
        ("LUMIÈRE", "Banque Lumière"),
        ("Marie Durant", "Dupont Industrie"),
    ],
)
def test_fuzzy_name_search_forgives_typos_accents_and_case(
    typed: str, expected: str, world: World, client_as: Callable[[Role], Client]
) -> None:
    Account.objects.create(number="A-9", name="Duplessis Transports", country="FR", language="fr")

    response = client_as(Role.INTERNAL_AGENT).get("/api/customers/lookup", {"name": typed})

    assert response.json()[0]["account"]["name"] == expected, response.json()


def test_the_search_box_guesses_what_was_typed(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    agent = client_as(Role.INTERNAL_AGENT)

    def first(q: str) -> str:
        return str(agent.get("/api/customers/lookup", {"q": q}).json()[0]["matched_on"])

    assert first("01 42 68 53 00") == "phone"
    assert first("marie.durand@dupont.example") == "email"
    assert first("ORB-7200-0001") == "pid"
    assert first("dupont") == "name"


def test_an_unknown_caller_gets_an_empty_answer_not_an_error(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    agent = client_as(Role.INTERNAL_AGENT)

    assert agent.get("/api/customers/lookup", {"phone": "+33 9 99 99 99 99"}).json() == []
    assert agent.get("/api/customers/lookup", {"q": "zzzzqqqq"}).json() == []
    empty = agent.get("/api/customers/lookup")
    assert empty.status_code == 422
    assert "Give one of" in empty.json()["detail"]


def test_the_customer_file_shows_contract_status_and_allowance_left(
    world: World, client_as: Callable[[Role], Client]
) -> None:
    EntitlementEntry.objects.create(
        entitlement=world.major_incidents,
        kind=EntryKind.CONSUME,
        occurred_at=datetime.now(UTC),
        reference="INC-1",
    )

    response = client_as(Role.PARTNER_AGENT).get(f"/api/customers/accounts/{world.dupont.pk}/file")

    body = response.json()
    assert body["account"]["name"] == "Dupont Industrie"
    assert [c["last_name"] for c in body["contacts"]] == ["Durand"]
    assert body["contacts"][0]["phones"][0]["display"] == "+33 1 42 68 53 00"
    assert body["licences"] == [
        {
            "pid": "ORB-7200-0001",
            "product": "Orbit Server",
            "product_code": "ORBIT",
            "version": "7.2",
            "purchased_on": None,
        }
    ]
    contract = body["contracts"][0]
    assert contract["number"] == "C-1001"
    assert contract["l1_partner"] == "Callwave"
    (allowance,) = contract["allowances"]
    assert (allowance["name"], allowance["used"], allowance["remaining"]) == (
        "Major incidents",
        1,
        1,
    )
    assert body["open_incidents"] == []
