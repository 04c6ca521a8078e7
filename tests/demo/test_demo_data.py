"""The demo data: what someone trying Escalade for the first time would notice."""

from datetime import date
from io import StringIO

import phonenumbers
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from escalade.contracts.models import Contract, EntitlementEntry, EntryKind
from escalade.core.principal import principal_for
from escalade.core.roles import Role
from escalade.customers.models import Account, Contact, ContactPhone, Licence, Segment
from escalade.demo.generator import DEMO_PASSWORD, Summary, generate
from escalade.incidents.models import Incident
from escalade.network.models import Agent, OrganizationKind

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 16)


def small_demo(seed: int = 1) -> Summary:
    return generate(accounts=60, seed=seed, today=TODAY)


def test_demo_logins_sign_in_with_the_intended_roles() -> None:
    # Given the demo data
    summary = small_demo()

    # When each persona signs in with the published password
    # Then it gets in, with its role
    expected = {
        "admin": Role.ADMINISTRATOR,
        "supervisor": Role.SUPERVISOR,
        "agent": Role.INTERNAL_AGENT,
        "partner": Role.PARTNER_AGENT,
        "engineer": Role.ENGINEER,
        "customer": Role.CUSTOMER,
    }
    assert [login.username for login in summary.logins] == list(expected)
    for username, role in expected.items():
        assert Client().login(username=username, password=DEMO_PASSWORD), username
        principal = principal_for(User.objects.get(username=username))
        assert principal is not None
        assert principal.role == role, username
    admin = User.objects.get(username="admin")
    assert admin.is_staff
    assert admin.is_superuser
    assert Agent.objects.get(user__username="partner").organization.name == "Callwave"
    assert Agent.objects.get(user__username="agent").site.name == "Paris"  # type: ignore[union-attr]
    assert Agent.objects.get(user__username="engineer").organization.kind == (
        OrganizationKind.REGIONAL_CENTER
    )


def test_the_customer_persona_holds_an_active_standard_contract() -> None:
    small_demo()

    contact = Contact.objects.get(user__username="customer")

    assert contact.account.segment == Segment.STANDARD
    assert Contract.objects.filter(
        account=contact.account, starts_on__lte=TODAY, ends_on__gte=TODAY, cancelled_on=None
    ).exists()


def test_the_network_has_a_country_center_of_270_people_with_partners() -> None:
    small_demo()

    partner_agents = Agent.objects.filter(role=Role.PARTNER_AGENT).select_related("organization")
    assert partner_agents.count() > 150
    assert all(agent.organization.kind == OrganizationKind.PARTNER for agent in partner_agents)
    assert all(
        agent.site is not None and agent.site.organization_id == agent.organization_id
        for agent in Agent.objects.select_related("site")
    )
    frontline = Agent.objects.filter(
        organization__kind__in=[OrganizationKind.COUNTRY_CENTER, OrganizationKind.PARTNER]
    )
    assert frontline.count() == 270
    assert Agent.objects.filter(role=Role.INTERNAL_AGENT, organization__kind="partner").count() == 0


def test_premier_accounts_never_have_an_l1_partner() -> None:
    small_demo()

    premier = Contract.objects.filter(account__segment=Segment.PREMIER)
    standard = Contract.objects.filter(account__segment=Segment.STANDARD)

    assert premier.exists()
    assert not premier.exclude(l1_partner=None).exists()
    assert not standard.filter(l1_partner=None).exists()
    assert set(standard.values_list("l1_partner__kind", flat=True)) == {OrganizationKind.PARTNER}


def test_every_contact_phone_is_a_valid_e164_number_of_the_account_country() -> None:
    small_demo()

    phones = list(ContactPhone.objects.values_list("number", "contact__account__country"))

    assert len(phones) > 200
    for number, country in phones:
        parsed = phonenumbers.parse(number, None)
        assert phonenumbers.is_valid_number(parsed), number
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number
        assert phonenumbers.region_code_for_number(parsed) == country, number
    assert len({number for number, _country in phones}) == len(phones)


def test_pids_are_unique_and_upper_case() -> None:
    small_demo()

    pids = list(Licence.objects.values_list("pid", flat=True))

    assert len(pids) >= 60
    assert len(set(pids)) == len(pids)
    assert all(pid == pid.upper() and pid.count("-") == 3 for pid in pids)


def test_accented_names_are_there_for_accent_blind_search() -> None:
    small_demo()

    lefevre = Contact.objects.get(user__username="customer")

    assert lefevre.last_name == "Lefèvre"
    assert Contact.objects.filter(search_name__contains="lefevre").exists()
    assert Account.objects.get(number="A000002").search_name == "banque lumiere"


def test_the_ledger_shows_used_and_refunded_allowances() -> None:
    summary = generate(accounts=300, seed=3, today=TODAY)

    refunds = EntitlementEntry.objects.filter(kind=EntryKind.REFUND).select_related("refunds")

    assert summary.entitlement_entries > 0
    assert EntitlementEntry.objects.filter(kind=EntryKind.CONSUME).exists()
    assert refunds.exists()
    for refund in refunds:
        assert refund.refunds is not None
        assert refund.refunds.kind == EntryKind.CONSUME
        assert refund.refunds.entitlement_id == refund.entitlement_id
        assert refund.occurred_at >= refund.refunds.occurred_at


def test_the_same_seed_gives_the_same_data() -> None:
    def names() -> list[tuple[str, str]]:
        return list(Account.objects.order_by("number").values_list("number", "name"))

    with transaction.atomic():
        small_demo(seed=7)
        first = names()
        first_pids = sorted(Licence.objects.values_list("pid", flat=True))
        transaction.set_rollback(True)
    assert not Account.objects.exists()

    small_demo(seed=7)

    assert names() == first
    assert sorted(Licence.objects.values_list("pid", flat=True)) == first_pids


def test_the_command_loads_once_then_is_a_no_op() -> None:
    out = StringIO()
    call_command("demo_data", accounts=20, quiet=True, stdout=out)
    assert "Demo logins (password escalade-demo): admin – administrator" in out.getvalue()
    assert Account.objects.count() == 20

    again = StringIO()
    call_command("demo_data", stdout=again)

    assert again.getvalue().strip() == "Demo data already loaded (20 accounts); nothing done."
    assert Account.objects.count() == 20


def test_the_demo_desk_has_cases_at_work_that_each_agent_sees_by_scope() -> None:
    call_command("demo_data", accounts=60, quiet=True, stdout=StringIO())

    statuses = set(Incident.objects.values_list("status", flat=True))
    assert {"new", "open", "resolved"} <= statuses
    assert Incident.objects.filter(tier__code="L2").exists()
    partner = Client()
    assert partner.login(username="partner", password=DEMO_PASSWORD)
    seen = partner.get("/api/incidents?limit=500").json()["items"]
    callwave = Agent.objects.get(user__username="partner").organization
    visible = Incident.objects.filter(queue__organization=callwave)
    assert {case["number"] for case in seen} >= set(visible.values_list("number", flat=True))
    assert all(case["account_name"] != "Banque Lumière" for case in seen)
