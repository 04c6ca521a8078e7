"""Builders of a small support network and its customers, with named personas.

The world: Escalade France (vendor country center, Paris), a partner outsourcer
"Callwave" serving standard accounts at L1, the regional center EMEA, the
product group in Boston. Customers: Dupont Industrie (standard, served by
Callwave), Banque Lumière (premier, handled internally), and their contacts.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User

from escalade.contracts.models import (
    Contract,
    Coverage,
    Entitlement,
    Period,
    ServicePlan,
    ServiceTarget,
)
from escalade.core.roles import Role
from escalade.customers.models import (
    Account,
    Contact,
    ContactEmail,
    ContactPhone,
    Licence,
    Product,
    ProductVersion,
    Segment,
    VerificationAnswer,
)
from escalade.network.models import (
    Agent,
    BusinessCalendar,
    OrganizationKind,
    Queue,
    Site,
    SupportOrganization,
    Tier,
)

PASSWORD = "correct-horse-battery"
# Contracts are dated around today so the world never expires under the tests.
TODAY = date.today()
PARIS_HOURS = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def make_user(username: str, *, first: str = "", last: str = "", superuser: bool = False) -> User:
    user = User(username=username, first_name=first, last_name=last, is_superuser=superuser)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_agent(
    username: str,
    *,
    organization: SupportOrganization,
    tier: Tier,
    role: Role,
    site: Site | None = None,
    first: str = "",
    last: str = "",
) -> Agent:
    user = make_user(username, first=first, last=last)
    return Agent.objects.create(
        user=user, organization=organization, tier=tier, role=role, site=site, languages=["fr"]
    )


def make_contact(
    account: Account,
    first: str,
    last: str,
    *,
    phone: str | None = None,
    email: str | None = None,
    user: User | None = None,
) -> Contact:
    contact = Contact.objects.create(
        account=account, first_name=first, last_name=last, language=account.language, user=user
    )
    if phone:
        ContactPhone.objects.create(contact=contact, number=phone)
    if email:
        ContactEmail.objects.create(contact=contact, address=email, is_primary=True)
    return contact


@dataclass
class World:
    tiers: dict[str, Tier]
    paris_calendar: BusinessCalendar
    france: SupportOrganization
    callwave: SupportOrganization
    emea: SupportOrganization
    product_group: SupportOrganization
    paris: Site
    callwave_lille: Site
    l1_queue: Queue
    product: Product
    version: ProductVersion
    other_product: Product
    business_plan: ServicePlan
    premier_plan: ServicePlan
    dupont: Account
    lumiere: Account
    marie: Contact  # Dupont's IT manager
    claire: Contact  # Banque Lumière's ops lead
    dupont_contract: Contract
    lumiere_contract: Contract
    dupont_licence: Licence
    lumiere_licence: Licence
    major_incidents: Entitlement
    users: dict[Role, User]
    customer_user: User


def build_world() -> World:
    tiers = {
        code: Tier.objects.create(code=code, name=name, rank=rank)
        for rank, (code, name) in enumerate(
            [("L1", "Frontline"), ("L2", "Specialists"), ("RSC", "Regional"), ("L3", "Product")],
            start=1,
        )
    }
    paris_calendar = BusinessCalendar.objects.create(
        name="France business hours",
        time_zone="Europe/Paris",
        weekly_hours=PARIS_HOURS,
        holiday_country="FR",
    )
    always = BusinessCalendar.objects.create(
        name="24x7 Paris", time_zone="Europe/Paris", always_open=True
    )
    france = SupportOrganization.objects.create(
        name="Escalade France", kind=OrganizationKind.COUNTRY_CENTER, country="FR"
    )
    callwave = SupportOrganization.objects.create(
        name="Callwave", kind=OrganizationKind.PARTNER, country="FR"
    )
    emea = SupportOrganization.objects.create(
        name="EMEA Regional Center",
        kind=OrganizationKind.REGIONAL_CENTER,
        country="IE",
        served_countries=["FR", "GB", "DE"],
    )
    product_group = SupportOrganization.objects.create(
        name="Product Group Boston", kind=OrganizationKind.PRODUCT_GROUP, country="US"
    )
    paris = Site.objects.create(
        organization=france,
        name="Paris",
        country="FR",
        time_zone="Europe/Paris",
        calendar=paris_calendar,
    )
    lille = Site.objects.create(
        organization=callwave,
        name="Lille",
        country="FR",
        time_zone="Europe/Paris",
        calendar=paris_calendar,
    )
    l1_queue = Queue.objects.create(
        name="FR L1 Callwave", organization=callwave, site=lille, tier=tiers["L1"]
    )
    product = Product.objects.create(code="ORBIT", name="Orbit Server", product_line="Servers")
    version = ProductVersion.objects.create(product=product, version="7.2")
    other = Product.objects.create(code="NOVA", name="Nova Desktop", product_line="Desktop")
    business_plan = ServicePlan.objects.create(
        code="BUSINESS",
        name="Business",
        coverage=Coverage.BUSINESS_HOURS,
        calendar=paris_calendar,
        channels=["phone", "email", "web"],
    )
    premier_plan = ServicePlan.objects.create(
        code="PREMIER",
        name="Premier 24x7",
        coverage=Coverage.ALWAYS,
        calendar=always,
        channels=["phone", "email", "web", "chat"],
    )
    for plan, factor in ((business_plan, 4), (premier_plan, 1)):
        for severity in (1, 2, 3, 4):
            ServiceTarget.objects.create(
                plan=plan,
                severity=severity,
                first_response_minutes=30 * severity * factor,
                resolution_minutes=480 * severity * factor,
            )
    dupont = Account.objects.create(
        number="A-1001", name="Dupont Industrie", country="FR", language="fr"
    )
    lumiere = Account.objects.create(
        number="A-2001",
        name="Banque Lumière",
        country="FR",
        language="fr",
        segment=Segment.PREMIER,
    )
    customer_user = make_user("marie.dupont", first="Marie", last="Durand")
    marie = make_contact(
        dupont,
        "Marie",
        "Durand",
        phone="+33142685300",
        email="marie.durand@dupont.example",
        user=customer_user,
    )
    answer = VerificationAnswer(contact=marie, question="City of birth")
    answer.set_answer("Besançon")
    answer.save()
    claire = make_contact(
        lumiere, "Claire", "Morel", phone="+33612345678", email="claire.morel@lumiere.example"
    )
    dupont_contract = Contract.objects.create(
        number="C-1001",
        account=dupont,
        plan=business_plan,
        starts_on=TODAY - timedelta(days=200),
        ends_on=TODAY + timedelta(days=165),
        l1_partner=callwave,
    )
    dupont_contract.products.set([product])
    lumiere_contract = Contract.objects.create(
        number="C-2001",
        account=lumiere,
        plan=premier_plan,
        starts_on=TODAY - timedelta(days=400),
        ends_on=TODAY + timedelta(days=330),
    )
    lumiere_contract.products.set([product, other])
    major = Entitlement.objects.create(
        contract=dupont_contract,
        name="Major incidents",
        allowance=2,
        period=Period.YEARLY,
        counted_severities=[1, 2],
        excludes_bugs=True,
    )
    users: dict[Role, Any] = {Role.CUSTOMER: customer_user}
    users[Role.PARTNER_AGENT] = make_agent(
        "paul.partner",
        organization=callwave,
        tier=tiers["L1"],
        role=Role.PARTNER_AGENT,
        site=lille,
        first="Paul",
        last="Lefebvre",
    ).user
    users[Role.INTERNAL_AGENT] = make_agent(
        "ines.internal",
        organization=france,
        tier=tiers["L2"],
        role=Role.INTERNAL_AGENT,
        site=paris,
        first="Inès",
        last="Martin",
    ).user
    users[Role.ENGINEER] = make_agent(
        "eric.engineer",
        organization=emea,
        tier=tiers["RSC"],
        role=Role.ENGINEER,
        first="Eric",
        last="O'Brien",
    ).user
    users[Role.SUPERVISOR] = make_agent(
        "sophie.supervisor",
        organization=france,
        tier=tiers["L2"],
        role=Role.SUPERVISOR,
        site=paris,
        first="Sophie",
        last="Bernard",
    ).user
    users[Role.ADMINISTRATOR] = make_agent(
        "alain.admin",
        organization=france,
        tier=tiers["L2"],
        role=Role.ADMINISTRATOR,
        first="Alain",
        last="Roux",
    ).user
    return World(
        tiers=tiers,
        paris_calendar=paris_calendar,
        france=france,
        callwave=callwave,
        emea=emea,
        product_group=product_group,
        paris=paris,
        callwave_lille=lille,
        l1_queue=l1_queue,
        product=product,
        version=version,
        other_product=other,
        business_plan=business_plan,
        premier_plan=premier_plan,
        dupont=dupont,
        lumiere=lumiere,
        marie=marie,
        claire=claire,
        dupont_contract=dupont_contract,
        lumiere_contract=lumiere_contract,
        dupont_licence=Licence.objects.create(
            pid="ORB-7200-0001", account=dupont, product=product, version=version
        ),
        lumiere_licence=Licence.objects.create(
            pid="ORB-7200-0002", account=lumiere, product=product, version=version
        ),
        major_incidents=major,
        users=users,
        customer_user=customer_user,
    )
