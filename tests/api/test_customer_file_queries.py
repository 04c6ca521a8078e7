"""The customer file costs a fixed number of queries, however big the customer."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escalade.contracts.models import Contract, Entitlement, EntitlementEntry, EntryKind
from escalade.core.principal import Principal
from escalade.core.roles import Role
from escalade.customers.models import Licence
from escalade.customers.queries import customer_file
from tests.factories import TODAY, World, make_contact


def queries_for_file(world: World) -> int:
    principal = Principal(user_id=1, role=Role.INTERNAL_AGENT)
    with CaptureQueriesContext(connection) as captured:
        found = customer_file(principal, world.dupont.pk, now=timezone.now())
        assert found is not None
        for contact in found.contacts:
            list(contact.phones.all())
            list(contact.emails.all())
    return len(captured)


def test_a_bigger_customer_file_costs_no_more_queries(world: World) -> None:
    small = queries_for_file(world)
    for n in range(5):
        make_contact(world.dupont, f"Extra{n}", "Person", phone=f"+3314268530{n}")
        Licence.objects.create(pid=f"ORB-X-{n}", account=world.dupont, product=world.product)
        contract = Contract.objects.create(
            number=f"C-10{n}9",
            account=world.dupont,
            plan=world.business_plan,
            starts_on=TODAY - timedelta(days=30),
            ends_on=TODAY + timedelta(days=30),
        )
        contract.products.set([world.product])
        entitlement = Entitlement.objects.create(
            contract=contract, name="Requests", allowance=5, counted_severities=[1, 2, 3, 4]
        )
        EntitlementEntry.objects.create(
            entitlement=entitlement, kind=EntryKind.CONSUME, reference=f"INC-{n}"
        )

    assert queries_for_file(world) == small
