"""The demo's help desk at work: routing rules, tier targets and incidents in progress.

Incidents are opened and worked through the real actions (coverage check, ledger,
timeline, clocks), at instants of the last days, so the console shows a desk in
the middle of its week: new cases, cases waiting on the customer, escalated ones,
resolved ones, a few SLA alerts.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from escalade.core.principal import principal_for
from escalade.customers.models import Licence, Segment
from escalade.demo.reference import TEAMS
from escalade.incidents import escalation, lifecycle
from escalade.incidents.intake import IntakeRequest, NotCovered, do_open_incident
from escalade.incidents.models import Classification, Incident, RoutingRule, Status, TierTarget
from escalade.incidents.sla import refresh_clocks
from escalade.network.models import Queue, SupportOrganization, Tier

# Business minutes a tier may hold a case before handing it on (or solving it).
HANDOFF_MINUTES = {"L1": 480, "L2": 1_440, "RSC": 2_880}

PROBLEMS = (
    ("Service does not start after upgrade", 2),
    ("Licence key rejected on the new server", 2),
    ("Backups fail every night since Monday", 1),
    ("Reports are very slow since the last patch", 3),
    ("How to configure single sign-on", 4),
    ("Users cannot log in after password policy change", 1),
    ("Installation stops at 80 % on Windows Server 2025", 3),
    ("Export to CSV loses accented characters", 3),
    ("Cluster node keeps restarting", 1),
    ("Question about the retention settings", 4),
)


@dataclass(frozen=True, slots=True)
class SupportSummary:
    rules: int
    incidents: int


def build_routes() -> int:
    """Routing rules: partners' L1 queues by language, premier and internal cases to Paris."""
    tiers = {tier.code: tier for tier in Tier.objects.all()}
    queues = {queue.name: queue for queue in Queue.objects.select_related("organization")}
    rules = []
    for priority, spec in enumerate(TEAMS, start=1):
        queue = queues[spec.queue]
        tier = tiers[spec.tier]
        if spec.tier == "L1" and queue.organization.is_partner:
            rules.append(
                RoutingRule(
                    tier=tier,
                    queue=queue,
                    l1_partner=queue.organization,
                    segment=Segment.STANDARD,
                    language=spec.language,
                    priority=priority,
                )
            )
            # Callers in another language still reach the partner, at lower priority.
            rules.append(
                RoutingRule(tier=tier, queue=queue, l1_partner=queue.organization, priority=500)
            )
        elif spec.tier == "L1":
            rules.append(RoutingRule(tier=tier, queue=queue, segment=Segment.PREMIER))
            rules.append(RoutingRule(tier=tier, queue=queue, internal_l1=True))
        else:
            rules.append(RoutingRule(tier=tier, queue=queue, priority=priority))
    RoutingRule.objects.bulk_create(rules)
    TierTarget.objects.bulk_create(
        TierTarget(tier=tiers[code], handoff_minutes=minutes)
        for code, minutes in HANDOFF_MINUTES.items()
        if code in tiers
    )
    return len(rules)


def _office_time(rng: random.Random, now: datetime) -> datetime:
    """A moment of the last working days, in Paris office hours (when most calls come)."""
    paris = ZoneInfo("Europe/Paris")
    for _ in range(50):
        day = (now - timedelta(days=rng.randint(0, 3))).astimezone(paris).date()
        if day.weekday() >= 5:
            continue
        moment = datetime(
            day.year, day.month, day.day, rng.randint(9, 16), rng.randint(0, 59), tzinfo=paris
        )
        if moment < now:
            return moment
    return now - timedelta(hours=1)


def _opener(licence: Licence) -> User:
    """An agent of the organisation that takes the case at L1, as on a real desk."""
    contract = licence.account.contracts.order_by("-ends_on").first()
    partner_id = contract.l1_partner_id if contract else None
    organization = (
        SupportOrganization.objects.get(pk=partner_id)
        if partner_id
        else SupportOrganization.objects.filter(kind="country_center").first()
    )
    user = (
        User.objects.filter(agent__organization=organization, agent__tier__code="L1")
        .order_by("pk")
        .first()
    )
    return user or User.objects.get(username="supervisor")


def open_demo_incidents(*, count: int, seed: int = 42, now: datetime | None = None) -> int:
    """Open and work ``count`` incidents over the last five days; returns how many opened."""
    rng = random.Random(seed)
    now = now or timezone.now()
    supervisor = User.objects.get(username="supervisor")
    licences = list(
        Licence.objects.select_related("account", "product").order_by("pk")[: count * 3]
    )
    rng.shuffle(licences)
    opened = 0
    for licence in licences:
        if opened >= count:
            break
        title, severity = rng.choice(PROBLEMS)
        at = _office_time(rng, now)
        user = _opener(licence)
        principal = principal_for(user)
        contact = licence.account.contacts.order_by("pk").first()
        if principal is None:
            continue
        request = IntakeRequest(
            title=title,
            severity=severity,
            channel=rng.choice(["phone", "phone", "email", "web"]),
            description="Reported by the customer; see the timeline for the diagnosis.",
            contact_id=contact.pk if contact else None,
            licence_id=licence.pk,
            identity_verified=True,
            identity_method="Known caller number",
        )
        try:
            with transaction.atomic():
                incident = do_open_incident(
                    principal=principal,
                    actor=user,
                    account_id=licence.account_id,
                    request=request,
                    now=at,
                )
        except NotCovered:
            request.paid_reference = f"PO-{rng.randint(10_000, 99_999)}"
            incident = do_open_incident(
                principal=principal,
                actor=user,
                account_id=licence.account_id,
                request=request,
                now=at,
            )
        opened += 1
        _work(rng, incident, user, supervisor, at, now)
    for incident in Incident.objects.filter(status__in=[s.value for s in Status]).iterator():
        with transaction.atomic():
            refresh_clocks(incident, now=now)
    return opened


def _work(
    rng: random.Random,
    incident: Incident,
    agent: User,
    supervisor: User,
    at: datetime,
    now: datetime,
) -> None:
    """Move the case along a plausible path, each step a little later than the last."""

    def later() -> datetime:
        nonlocal at
        at = min(now, at + timedelta(minutes=rng.randint(5, 50)))
        return at

    fate = rng.random()
    if fate < 0.2:
        return  # still new: nobody has answered yet
    owner = getattr(agent, "agent", None)
    if owner is not None and owner.organization_id == incident.queue.organization_id:
        principal = principal_for(agent)
        if principal is not None:
            lifecycle.do_assign(
                principal=principal, actor=agent, incident=incident, agent=owner, now=later()
            )
    lifecycle.do_change_status(actor=agent, incident=incident, status=Status.OPEN, now=later())
    lifecycle.do_add_note(
        actor=agent,
        incident=incident,
        body="Thank you, we are looking into it.",
        customer_visible=True,
        now=later(),
    )
    lifecycle.do_add_diagnostic_step(
        actor=agent,
        incident=incident,
        step="Checked the product version and the event log",
        outcome=rng.choice(["Error 1067 at start-up", "No error logged", "Disk almost full"]),
        now=later(),
    )
    if fate < 0.35:
        lifecycle.do_change_status(
            actor=agent, incident=incident, status=Status.PENDING_CUSTOMER, now=later()
        )
        return
    if fate < 0.6:
        escalation.do_escalate(
            actor=agent, incident=incident, reason="Needs a specialist", now=later()
        )
        return
    if fate < 0.7:
        escalation.do_escalate(
            actor=agent, incident=incident, reason="Needs a specialist", now=later()
        )
        lifecycle.do_reclassify(
            actor=supervisor,
            incident=incident,
            classification=Classification.DEFECT,
            bug_reference=f"BUG-{rng.randint(1000, 9999)}",
            now=later(),
        )
        lifecycle.do_change_status(
            actor=supervisor, incident=incident, status=Status.PENDING_VENDOR, now=later()
        )
        return
    lifecycle.do_resolve(
        actor=agent,
        incident=incident,
        summary="Applied the documented fix; the customer confirmed it works.",
        now=later(),
    )
