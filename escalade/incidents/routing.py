"""Which queue a case goes to: the routing rules, fed to the escalation engine.

Tiers, rules and queues are read from per-process copies (``core.refcache``): every
intake and escalation needs them, administrators rarely change them.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from escalade.contracts.models import Contract
from escalade.core.refcache import Reference
from escalade.customers.models import Account
from escalade.engines.escalation import CaseFacts, RoutingRule, choose_rule
from escalade.incidents.models import RoutingRule as RuleRecord
from escalade.network.models import Queue, SupportOrganization, Tier


def _load_rules() -> dict[int, list[RoutingRule]]:
    by_tier: dict[int, list[RoutingRule]] = {}
    for rule in RuleRecord.objects.select_related("tier"):
        by_tier.setdefault(rule.tier_id, []).append(
            RoutingRule(
                rule_id=rule.pk,
                queue_id=rule.queue_id,
                tier_rank=rule.tier.rank,
                priority=rule.priority,
                product_id=rule.product_id,
                segment=rule.segment or None,
                l1_partner_id=rule.l1_partner_id,
                internal_l1=rule.internal_l1,
                language=rule.language or None,
                country=rule.country or None,
            )
        )
    return by_tier


TIERS = Reference("tiers", lambda: list(Tier.objects.order_by("rank")), (Tier,))
RULES = Reference("routing rules", _load_rules, (RuleRecord, Tier))
QUEUES = Reference(
    "queues",
    lambda: {q.pk: q for q in Queue.objects.select_related("organization", "tier")},
    (Queue, Tier, SupportOrganization),
)


def route(
    *,
    tier: Tier,
    account: Account,
    contract: Contract | None,
    product_id: int | None,
    language: str,
) -> Queue:
    """The queue of this tier that takes the case, or a clear error when none does."""
    facts = CaseFacts(
        tier_rank=tier.rank,
        product_id=product_id,
        segment=account.segment,
        l1_partner_id=contract.l1_partner_id if contract else None,
        language=language,
        country=account.country,
    )
    rule = choose_rule(RULES.get().get(tier.pk, []), facts)
    if rule is None:
        raise ValidationError(
            _("No %(tier)s queue takes this case: add a routing rule for it.") % {"tier": tier.code}
        )
    queue = QUEUES.get().get(rule.queue_id)
    if queue is None:  # created in another process a moment ago
        queue = Queue.objects.select_related("organization", "tier").get(pk=rule.queue_id)
    return queue


def first_tier() -> Tier:
    tiers = TIERS.get()
    if not tiers:
        raise ValidationError(_("No support tier is defined yet."))
    return tiers[0]


def next_tier(tier: Tier) -> Tier | None:
    return next((t for t in TIERS.get() if t.rank > tier.rank), None)


def previous_tier(tier: Tier) -> Tier | None:
    return next((t for t in reversed(TIERS.get()) if t.rank < tier.rank), None)
