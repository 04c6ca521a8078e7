"""Demo data: a vendor's support network and its customers, generated deterministically.

The network is fixed in shape (about 270 agents at the French country center and its
three L1 partners, plus the regional center and a product group); the customers scale:
``generate(accounts=5_000)`` makes about 20,000 contacts, and ``accounts=250_000`` about a
million for the benchmarks. The same seed and the same day give the same data.

This is bulk loading, not domain writing: it goes around the actions (no audit entry
for a quarter of a million demo accounts) and uses ``bulk_create``, which skips ``save()``,
so derived columns such as ``search_name`` are filled here.
"""

from __future__ import annotations

import random
import re
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from escalade.contracts.models import (
    Channel,
    Contract,
    Coverage,
    Entitlement,
    EntitlementEntry,
    EntryKind,
    Period,
    ServicePlan,
    ServiceTarget,
)
from escalade.core.roles import Role
from escalade.customers.models import (
    Account,
    AccountKind,
    Contact,
    ContactEmail,
    ContactPhone,
    Licence,
    PhoneKind,
    Product,
    ProductVersion,
    Segment,
    VerificationAnswer,
)
from escalade.demo.reference import (
    ALWAYS_OPEN,
    ASSISTED_REQUESTS,
    BASIC_CHANNELS,
    BIRTH_CITIES,
    CALENDARS,
    COMPANY_WORDS,
    COUNTRIES,
    COUNTRY_LANGUAGE,
    COUNTRY_WEIGHTS,
    CUSTOMER_PERSONA,
    FIRST_NAMES,
    FR_PARTNER_BY_PRODUCT,
    JOB_TITLES,
    LAST_NAMES,
    LEGAL_WORDS,
    MAIL_PROVIDERS,
    MAJOR_INCIDENTS,
    ORGANIZATIONS,
    PARTNER_BY_COUNTRY,
    PERSON_SHARE,
    PERSONAS,
    PHONE_RANGES,
    PID_CHECK_LETTERS,
    PLAN_BY_COUNTRY,
    PREMIER_PLAN,
    PREMIER_SHARE,
    PREMIER_TARGETS,
    PRODUCTS,
    SHOWCASE,
    SITES,
    STANDARD_PLANS,
    STANDARD_TARGETS,
    TEAMS,
    TIERS,
    WORKDAYS,
    TeamSpec,
)
from escalade.engines.text import fold
from escalade.network.models import (
    Agent,
    AgentSkill,
    BusinessCalendar,
    OrganizationKind,
    Queue,
    Site,
    Skill,
    SkillKind,
    SupportOrganization,
    Team,
    Tier,
)

# Published on purpose: the README gives it for the demo logins.
DEMO_PASSWORD = "escalade-demo"
ACCOUNTS_PER_SCALE = 5_000
BATCH_SIZE = 2_000
# Accounts generated and inserted together: bounds memory whatever the scale.
CHUNK_ACCOUNTS = 2_000
VERIFICATION_QUESTION = "City of birth"

Progress = Callable[[str], None]


# --- Results -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    role: str
    where: str

    def __str__(self) -> str:
        return f"{self.username} – {self.role} ({self.where})"


@dataclass(slots=True)
class Summary:
    accounts: int = 0
    contacts: int = 0
    phones: int = 0
    licences: int = 0
    contracts: int = 0
    entitlement_entries: int = 0
    agents: int = 0
    logins: list[DemoLogin] = field(default_factory=list)
    seconds: float = 0.0


# --- Helpers -----------------------------------------------------------------------------

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """ASCII for usernames and email addresses: "Lefèvre" → "lefevre", "O'Brien" → "obrien"."""
    return _NOT_SLUG.sub("-", fold(text.replace("'", ""))).strip("-")


def _month_start(day: date, months: int = 0) -> date:
    """The first day of the month ``months`` away from the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _term_end(start: date, months: int) -> date:
    return _month_start(start, months) - timedelta(days=1)


class _PhoneBook:
    """Valid E.164 numbers that never repeat: a counter per range, spread by a bijection."""

    def __init__(self) -> None:
        self._used: dict[str, int] = defaultdict(int)

    def number(self, rng: random.Random, country: str, kind: str) -> str:
        prefix, digits = rng.choice(PHONE_RANGES[country, kind])
        count = self._used[prefix]
        self._used[prefix] = count + 1
        modulus = 10**digits
        if count >= modulus:
            raise RuntimeError(f"The demo phone range {prefix} is full.")
        # 7_919_777 is odd and not a multiple of 5, so it is invertible mod 10**digits;
        # the offset differs by range so that no two ranges start alike.
        offset = zlib.crc32(prefix.encode()) % modulus
        return f"{prefix}{(count * 7_919_777 + offset) % modulus:0{digits}d}"


@dataclass
class _Context:
    """What the customer generator needs from the network and catalogue, by primary key."""

    rng: random.Random
    today: date
    noon: datetime
    products: list[tuple[int, str, str]]  # pk, code, PID prefix
    versions: dict[int, list[tuple[int, str]]]  # product pk -> [(version pk, major)]
    plans: dict[str, int]
    partners: dict[str, int]
    entry_actors: list[int]
    customer_user_id: int
    phones: _PhoneBook = field(default_factory=_PhoneBook)
    licence_serial: int = 0
    contract_serial: int = 0
    incident_serial: int = 0


# --- Network -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Structure:
    calendars: dict[str, BusinessCalendar]
    organizations: dict[str, SupportOrganization]
    teams: dict[str, Team]
    skills: dict[tuple[SkillKind, str], Skill]


@dataclass(frozen=True, slots=True)
class _People:
    customer_user_id: int
    actors: list[int]  # user pks of the frontline agents, who consume allowances


def _build_structure() -> _Structure:
    """Tiers, calendars, organisations and their sites, skills, teams and queues."""
    tiers = {
        code: Tier.objects.create(code=code, name=name, rank=rank)
        for rank, (code, name) in enumerate(TIERS, start=1)
    }
    calendars = {
        name: BusinessCalendar.objects.create(
            name=name,
            time_zone=zone,
            weekly_hours={day: [[opens, closes]] for day in WORKDAYS},
            holiday_country=country,
        )
        for name, zone, opens, closes, country in CALENDARS
    }
    calendars[ALWAYS_OPEN] = BusinessCalendar.objects.create(
        name=ALWAYS_OPEN, time_zone="Europe/Paris", always_open=True
    )
    organizations = {
        name: SupportOrganization.objects.create(
            name=name, kind=kind, country=country, served_countries=list(served)
        )
        for name, kind, country, served in ORGANIZATIONS
    }
    sites = {
        name: Site.objects.create(
            organization=organizations[org],
            name=name,
            country=country,
            time_zone=zone,
            calendar=calendars[calendar],
        )
        for org, name, country, zone, calendar in SITES
    }
    skills = {
        (kind, code): Skill.objects.create(kind=kind, code=code, name=name)
        for kind, code, name in (
            *((SkillKind.PRODUCT, code, name) for code, name, _line, _v in PRODUCTS),
            (SkillKind.LANGUAGE, "fr", "French"),
            (SkillKind.LANGUAGE, "en", "English"),
            (SkillKind.LANGUAGE, "de", "German"),
            *((SkillKind.TIER, code, name) for code, name in TIERS),
        )
    }
    teams: dict[str, Team] = {}
    for spec in TEAMS:
        team = Team.objects.create(
            organization=organizations[spec.organization],
            site=sites[spec.site],
            tier=tiers[spec.tier],
            name=spec.team,
        )
        teams[spec.team] = team
        queue = Queue.objects.create(
            name=spec.queue,
            organization=team.organization,
            site=team.site,
            tier=team.tier,
            team=team,
        )
        queue.required_skills.set(
            [skills[SkillKind.TIER, spec.tier], skills[SkillKind.LANGUAGE, spec.language]]
        )
    return _Structure(calendars=calendars, organizations=organizations, teams=teams, skills=skills)


def _build_people(
    rng: random.Random, structure: _Structure, password_hash: str, summary: Summary
) -> _People:
    """The agents with their skills, and the portal user of the customer persona."""
    organizations, teams, skills = structure.organizations, structure.teams, structure.skills
    # Users first (bulk), then their agent profiles and skills (bulk).
    people: list[tuple[User, TeamSpec, Role]] = []
    specs = {spec.team: spec for spec in TEAMS}
    for persona in PERSONAS:
        staff = persona.role == Role.ADMINISTRATOR  # the Django admin works for this one
        user = User(
            username=persona.username,
            first_name=persona.first,
            last_name=persona.last,
            email=f"{persona.username}@escalade.example",
            password=password_hash,
            is_staff=staff,
            is_superuser=staff,
        )
        people.append((user, specs[persona.team], persona.role))
    taken = {persona.username for persona in PERSONAS} | {CUSTOMER_PERSONA[0]}
    for spec in TEAMS:
        member_role = {
            OrganizationKind.COUNTRY_CENTER: Role.INTERNAL_AGENT,
            OrganizationKind.PARTNER: Role.PARTNER_AGENT,
        }.get(OrganizationKind(organizations[spec.organization].kind), Role.ENGINEER)
        roles = [Role.SUPERVISOR] * spec.supervisors + [member_role] * spec.agents
        for role in roles:
            first = rng.choice(FIRST_NAMES[spec.names])
            last = rng.choice(LAST_NAMES[spec.names])
            base = f"{slug(first)}.{slug(last)}"
            username, n = base, 1
            while username in taken:
                n += 1
                username = f"{base}{n}"
            taken.add(username)
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@{slug(spec.organization)}.example",
                password=password_hash,
            )
            people.append((user, spec, role))
    User.objects.bulk_create([user for user, _spec, _role in people], batch_size=BATCH_SIZE)
    customer_user = User.objects.create(
        username=CUSTOMER_PERSONA[0],
        first_name=CUSTOMER_PERSONA[1],
        last_name=CUSTOMER_PERSONA[2],
        email="berenice.lefevre@dupont-industrie.example",
        password=password_hash,
    )

    agents = []
    for user, spec, role in people:
        languages = [spec.language]
        if spec.extra_language:
            languages.append(spec.extra_language)
        for other in ("en", "fr", "de"):
            if other not in languages and rng.random() < (0.5 if other == "en" else 0.15):
                languages.append(other)
        team = teams[spec.team]
        agents.append(
            Agent(
                user=user,
                organization=team.organization,
                site=team.site,
                tier=team.tier,
                team=team,
                role=role,
                languages=languages,
            )
        )
    Agent.objects.bulk_create(agents, batch_size=BATCH_SIZE)
    levels = []
    product_codes = [code for code, _n, _l, _v in PRODUCTS]
    for agent in agents:
        levels.append(
            AgentSkill(
                agent=agent,
                skill=skills[SkillKind.TIER, agent.tier.code],
                proficiency=rng.randint(3, 5),
            )
        )
        for position, language in enumerate(agent.languages):
            if (SkillKind.LANGUAGE, language) in skills:
                native = position == 0
                levels.append(
                    AgentSkill(
                        agent=agent,
                        skill=skills[SkillKind.LANGUAGE, language],
                        proficiency=5 if native else rng.randint(2, 4),
                    )
                )
        for code in rng.sample(product_codes, rng.randint(2, 5)):
            levels.append(
                AgentSkill(
                    agent=agent,
                    skill=skills[SkillKind.PRODUCT, code],
                    proficiency=rng.randint(1, 5),
                )
            )
    AgentSkill.objects.bulk_create(levels, batch_size=BATCH_SIZE)
    summary.agents = len(agents)
    for persona in PERSONAS:
        spec = specs[persona.team]
        summary.logins.append(
            DemoLogin(persona.username, persona.role.value, f"{spec.organization}, {spec.site}")
        )
    frontline = {Role.PARTNER_AGENT, Role.INTERNAL_AGENT}
    return _People(
        customer_user_id=customer_user.pk,
        actors=[agent.user_id for agent in agents if agent.role in frontline],
    )


def _build_catalogue(today: date) -> dict[int, tuple[str, str, list[tuple[int, str]]]]:
    """Products and versions: product pk -> (code, PID prefix, [(version pk, major)])."""
    catalogue = {}
    for code, name, line, versions in PRODUCTS:
        product = Product.objects.create(code=code, name=name, product_line=line)
        rows = []
        for age, version in enumerate(reversed(versions)):
            released = today - timedelta(days=200 + 420 * age)
            rows.append(
                ProductVersion(
                    product=product,
                    version=version,
                    released_on=released,
                    end_of_support=released + timedelta(days=5 * 365),
                )
            )
        ProductVersion.objects.bulk_create(rows)
        catalogue[product.pk] = (
            code,
            code[:3],
            [(row.pk, row.version.split(".")[0]) for row in reversed(rows)],
        )
    return catalogue


def _build_plans(calendars: dict[str, BusinessCalendar]) -> dict[str, int]:
    plans = {}
    specs = [
        (code, name, calendars[cal], Coverage.BUSINESS_HOURS, BASIC_CHANNELS, STANDARD_TARGETS)
        for code, name, cal in STANDARD_PLANS
    ]
    specs.append(
        (
            PREMIER_PLAN,
            "Premier 24x7",
            calendars[ALWAYS_OPEN],
            Coverage.ALWAYS,
            [*BASIC_CHANNELS, Channel.CHAT.value],
            PREMIER_TARGETS,
        )
    )
    for code, name, calendar, coverage, channels, targets in specs:
        plan = ServicePlan.objects.create(
            code=code, name=name, coverage=coverage, calendar=calendar, channels=channels
        )
        ServiceTarget.objects.bulk_create(
            ServiceTarget(
                plan=plan,
                severity=severity,
                first_response_minutes=first,
                resolution_minutes=resolution,
            )
            for severity, (first, resolution) in enumerate(targets, start=1)
        )
        plans[code] = plan.pk
    return plans


# --- Customers ---------------------------------------------------------------------------


def _company_name(rng: random.Random, country: str) -> str:
    words = COMPANY_WORDS[country]
    pool = COUNTRY_LANGUAGE[country]
    return rng.choice(words["patterns"]).format(
        last=rng.choice(LAST_NAMES[pool]),
        last2=rng.choice(LAST_NAMES[pool]),
        sector=rng.choice(words["sector"]),
        place=rng.choice(words["place"]),
    )


def _mail_domain(name: str) -> str:
    words = [w for w in slug(name).split("-") if w and w not in LEGAL_WORDS]
    return "-".join(words[:3]) + ".example"


class _Chunk:
    """The rows of a few thousand accounts, inserted table by table in dependency order."""

    def __init__(self) -> None:
        self.accounts: list[Account] = []
        self.contacts: list[Contact] = []
        self.phones: list[ContactPhone] = []
        self.emails: list[ContactEmail] = []
        self.answers: list[VerificationAnswer] = []
        self.licences: list[Licence] = []
        self.contracts: list[Contract] = []
        self.contract_products: list[tuple[Contract, list[int]]] = []
        self.entitlements: list[Entitlement] = []
        # entitlement, its contract, how many incidents it has counted so far
        self.usage: list[tuple[Entitlement, Contract, int]] = []

    def save(self, ctx: _Context, summary: Summary) -> None:
        # bulk_create fills the primary keys, so each table can point at the previous ones.
        Account.objects.bulk_create(self.accounts, batch_size=BATCH_SIZE)
        Contact.objects.bulk_create(self.contacts, batch_size=BATCH_SIZE)
        ContactPhone.objects.bulk_create(self.phones, batch_size=BATCH_SIZE)
        ContactEmail.objects.bulk_create(self.emails, batch_size=BATCH_SIZE)
        VerificationAnswer.objects.bulk_create(self.answers, batch_size=BATCH_SIZE)
        Licence.objects.bulk_create(self.licences, batch_size=BATCH_SIZE)
        Contract.objects.bulk_create(self.contracts, batch_size=BATCH_SIZE)
        through = Contract.products.through
        through._default_manager.bulk_create(
            [
                through(contract_id=contract.pk, product_id=product_id)
                for contract, product_ids in self.contract_products
                for product_id in product_ids
            ],
            batch_size=BATCH_SIZE,
        )
        Entitlement.objects.bulk_create(self.entitlements, batch_size=BATCH_SIZE)
        consumed, refunds = _ledger(ctx, self.usage)
        EntitlementEntry.objects.bulk_create(consumed, batch_size=BATCH_SIZE)
        # Refunds point at their consume line, which now has its primary key.
        EntitlementEntry.objects.bulk_create(
            [
                EntitlementEntry(
                    entitlement_id=entry.entitlement_id,
                    kind=EntryKind.REFUND,
                    quantity=1,
                    occurred_at=when,
                    refunds=entry,
                    reference=entry.reference,
                    actor_id=entry.actor_id,
                    reason="Product bug confirmed by L3: not counted",
                )
                for entry, when in refunds
            ],
            batch_size=BATCH_SIZE,
        )
        summary.accounts += len(self.accounts)
        summary.contacts += len(self.contacts)
        summary.phones += len(self.phones)
        summary.licences += len(self.licences)
        summary.contracts += len(self.contracts)
        summary.entitlement_entries += len(consumed) + len(refunds)


def _ledger(
    ctx: _Context, usage: list[tuple[Entitlement, Contract, int]]
) -> tuple[list[EntitlementEntry], list[tuple[EntitlementEntry, datetime]]]:
    """Allowances consumed since the contract began; a few refunded (the incident was a bug)."""
    rng = ctx.rng
    consumed: list[EntitlementEntry] = []
    refunds: list[tuple[EntitlementEntry, datetime]] = []
    for entitlement, contract, count in usage:
        days = (ctx.today - contract.starts_on).days
        if days <= 0:
            continue
        for _ in range(count):
            ctx.incident_serial += 1
            severity = rng.choice(entitlement.counted_severities)
            at = ctx.noon - timedelta(days=rng.randint(1, days), minutes=rng.randint(-180, 300))
            entry = EntitlementEntry(
                entitlement=entitlement,
                kind=EntryKind.CONSUME,
                quantity=1,
                occurred_at=at,
                reference=f"INC-{ctx.incident_serial:07d}",
                actor_id=rng.choice(ctx.entry_actors),
                reason=f"Severity {severity} incident opened",
            )
            consumed.append(entry)
            if rng.random() < 0.1:
                refunds.append((entry, min(at + timedelta(days=rng.randint(1, 10)), ctx.noon)))
    return consumed, refunds


def _add_account(ctx: _Context, chunk: _Chunk, index: int) -> None:
    rng = ctx.rng
    showcase = SHOWCASE[index] if index < len(SHOWCASE) else None
    if showcase:
        name, country, segment = showcase
        kind = AccountKind.COMPANY
    else:
        country = rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
        segment = Segment.PREMIER if rng.random() < PREMIER_SHARE else Segment.STANDARD
        kind = (
            AccountKind.PERSON
            if segment == Segment.STANDARD and rng.random() < PERSON_SHARE
            else AccountKind.COMPANY
        )
        name = ""
    language = COUNTRY_LANGUAGE[country]
    pool = language
    people = []
    if kind == AccountKind.PERSON:
        people.append((rng.choice(FIRST_NAMES[pool]), rng.choice(LAST_NAMES[pool])))
        name = " ".join(people[0])
        domain = rng.choice(MAIL_PROVIDERS[country])
    else:
        name = name or _company_name(rng, country)
        domain = _mail_domain(name)
        size = rng.randint(4, 10) if segment == Segment.PREMIER else rng.randint(2, 7)
        people += [
            (rng.choice(FIRST_NAMES[pool]), rng.choice(LAST_NAMES[pool])) for _ in range(size)
        ]
    if index == 0:
        people[0] = (CUSTOMER_PERSONA[1], CUSTOMER_PERSONA[2])
    created = ctx.noon - timedelta(days=rng.randint(400, 4_000))
    account = Account(
        number=f"A{index + 1:06d}",
        name=name,
        kind=kind,
        segment=segment,
        country=country,
        language=language,
        search_name=fold(name),
        created_at=created,
    )
    chunk.accounts.append(account)

    for position, (first, last) in enumerate(people):
        contact = Contact(
            account=account,
            first_name=first,
            last_name=last,
            language=language,
            job_title="" if kind == AccountKind.PERSON else rng.choice(JOB_TITLES[language]),
            is_active=rng.random() > 0.03 or index == 0,
            user_id=ctx.customer_user_id if index == 0 and position == 0 else None,
            search_name=fold(f"{first} {last}"),
            created_at=created + timedelta(days=rng.randint(0, 300)),
        )
        chunk.contacts.append(contact)
        kinds = ["mobile"] if kind == AccountKind.PERSON else ["office"]
        if rng.random() < 0.4:
            kinds.append("office" if kinds[0] == "mobile" else "mobile")
        for phone_kind in kinds:
            chunk.phones.append(
                ContactPhone(
                    contact=contact,
                    number=ctx.phones.number(rng, country, phone_kind),
                    kind=PhoneKind.MOBILE if phone_kind == "mobile" else PhoneKind.OFFICE,
                )
            )
        chunk.emails.append(
            ContactEmail(
                contact=contact, address=f"{slug(first)}.{slug(last)}@{domain}", is_primary=True
            )
        )
        if rng.random() < 0.1:
            answer = VerificationAnswer(contact=contact, question=VERIFICATION_QUESTION)
            answer.set_answer(rng.choice(BIRTH_CITIES))
            chunk.answers.append(answer)

    held = rng.sample(ctx.products, 1 if kind == AccountKind.PERSON else rng.randint(1, 3))
    for product_pk, _code, prefix in held:
        version_pk, major = rng.choice(ctx.versions[product_pk])
        ctx.licence_serial += 1
        serial = ctx.licence_serial
        check = f"{PID_CHECK_LETTERS[serial * 7 % len(PID_CHECK_LETTERS)]}{serial * 3 % 10}"
        chunk.licences.append(
            Licence(
                pid=f"{prefix}-{major}-{serial:06d}-{check}",
                account=account,
                product_id=product_pk,
                version_id=version_pk,
                purchased_on=ctx.today - timedelta(days=rng.randint(30, 2_000)),
            )
        )
    _add_contracts(
        ctx,
        chunk,
        account,
        [pk for pk, _c, _p in held],
        [c for _p, c, _x in held],
        showcase=showcase is not None,
    )


def _add_contracts(
    ctx: _Context,
    chunk: _Chunk,
    account: Account,
    product_ids: list[int],
    product_codes: list[str],
    *,
    showcase: bool,
) -> None:
    """The contract history: current term, sometimes the previous one or the renewal."""
    rng = ctx.rng
    premier = account.segment == Segment.PREMIER
    months = 24 if premier else 12
    if premier:
        plan, partner = ctx.plans[PREMIER_PLAN], None
    else:
        plan = ctx.plans[PLAN_BY_COUNTRY[account.country]]
        name = PARTNER_BY_COUNTRY.get(account.country) or FR_PARTNER_BY_PRODUCT[product_codes[0]]
        partner = ctx.partners[name]
    this_month = _month_start(ctx.today)
    fate = 1.0 if showcase else rng.random()
    # A few lapsed customers (last term ended months ago), most covered today.
    if fate < 0.05:
        start = _month_start(this_month, -months - rng.randint(1, 11))
    else:
        start = _month_start(this_month, -rng.randint(0, months - 1))
    terms = [(start, _term_end(start, months))]
    if rng.random() < 0.3:
        terms.insert(0, (_month_start(start, -months), start - timedelta(days=1)))
    if 0.05 <= fate < 0.10:
        terms.append((terms[-1][1] + timedelta(days=1), _term_end(terms[-1][1], months + 1)))
    cancelled = 0.10 <= fate < 0.11
    for starts_on, ends_on in terms:
        ctx.contract_serial += 1
        contract = Contract(
            number=f"C-{starts_on.year}-{ctx.contract_serial:07d}",
            account=account,
            plan_id=plan,
            starts_on=starts_on,
            ends_on=ends_on,
            l1_partner_id=partner,
        )
        current = starts_on <= ctx.today <= ends_on
        if current and cancelled:
            contract.cancelled_on = ctx.today - timedelta(days=rng.randint(1, 20))
            contract.cancelled_on = max(contract.cancelled_on, starts_on)
        chunk.contracts.append(contract)
        chunk.contract_products.append((contract, product_ids))
        if premier:
            continue  # unlimited incidents: no allowance to count
        major = Entitlement(
            contract=contract,
            name=MAJOR_INCIDENTS,
            allowance=2,
            period=Period.YEARLY,
            counted_severities=[1, 2],
            excludes_bugs=True,
        )
        chunk.entitlements.append(major)
        if current:
            chunk.usage.append((major, contract, rng.choices((0, 1, 2), (55, 30, 15))[0]))
        if rng.random() < 0.35:
            assisted = Entitlement(
                contract=contract,
                name=ASSISTED_REQUESTS,
                allowance=12,
                period=Period.YEARLY,
                counted_severities=[1, 2, 3, 4],
                excludes_bugs=True,
            )
            chunk.entitlements.append(assisted)
            if current:
                chunk.usage.append((assisted, contract, rng.randint(0, 8)))


# --- Entry point -------------------------------------------------------------------------


def generate(
    *,
    accounts: int = ACCOUNTS_PER_SCALE,
    seed: int = 42,
    today: date | None = None,
    progress: Progress | None = None,
) -> Summary:
    """Load the demo network and ``accounts`` customer accounts into an empty database."""
    started = time.perf_counter()
    rng = random.Random(seed)
    today = today or timezone.localdate()
    summary = Summary()
    # One hash for every demo user: PBKDF2 three hundred times would take minutes.
    password_hash = make_password(DEMO_PASSWORD)
    with transaction.atomic():
        structure = _build_structure()
        people = _build_people(rng, structure, password_hash, summary)
        catalogue = _build_catalogue(today)
        ctx = _Context(
            rng=rng,
            today=today,
            noon=datetime(today.year, today.month, today.day, 12, tzinfo=UTC),
            products=[(pk, code, prefix) for pk, (code, prefix, _v) in catalogue.items()],
            versions={pk: versions for pk, (_c, _p, versions) in catalogue.items()},
            plans=_build_plans(structure.calendars),
            partners={
                name: org.pk
                for name, org in structure.organizations.items()
                if org.kind == OrganizationKind.PARTNER
            },
            entry_actors=people.actors,
            customer_user_id=people.customer_user_id,
        )
        for first in range(0, accounts, CHUNK_ACCOUNTS):
            chunk = _Chunk()
            for index in range(first, min(first + CHUNK_ACCOUNTS, accounts)):
                _add_account(ctx, chunk, index)
            chunk.save(ctx, summary)
            if progress:
                progress(
                    f"{summary.accounts:,}/{accounts:,} accounts, {summary.contacts:,} contacts "
                    f"({time.perf_counter() - started:.0f} s)"
                )
    summary.logins.append(
        DemoLogin(CUSTOMER_PERSONA[0], Role.CUSTOMER.value, f"portal, {SHOWCASE[0][0]}")
        if accounts
        else DemoLogin(CUSTOMER_PERSONA[0], "no role yet", "no account generated")
    )
    summary.seconds = time.perf_counter() - started
    return summary
