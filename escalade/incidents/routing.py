"""Which queue a case goes to: the routing rules, fed to the escalation engine."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from escalade.contracts.models import Contract
from escalade.customers.models import Account
from escalade.engines.escalation import CaseFacts, RoutingRule, choose_rule
from escalade.incidents.models import RoutingRule as RuleRecord
from escalade.network.models import Queue, Tier


def _engine_rules(tier: Tier) -> list[RoutingRule]:
    return [
        RoutingRule(
            rule_id=rule.pk,
            queue_id=rule.queue_id,
            tier_rank=tier.rank,
            priority=rule.priority,
            product_id=rule.product_id,
            segment=rule.segment or None,
            l1_partner_id=rule.l1_partner_id,
            internal_l1=rule.internal_l1,
            language=rule.language or None,
            country=rule.country or None,
        )
        for rule in RuleRecord.objects.filter(tier=tier)
    ]


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
    rule = choose_rule(_engine_rules(tier), facts)
    if rule is None:
        raise ValidationError(
            _("No %(tier)s queue takes this case: add a routing rule for it.") % {"tier": tier.code}
        )
    return Queue.objects.select_related("organization", "tier").get(pk=rule.queue_id)


def first_tier() -> Tier:
    tier = Tier.objects.order_by("rank").first()
    if tier is None:
        raise ValidationError(_("No support tier is defined yet."))
    return tier


def next_tier(tier: Tier) -> Tier | None:
    return Tier.objects.filter(rank__gt=tier.rank).order_by("rank").first()


def previous_tier(tier: Tier) -> Tier | None:
    return Tier.objects.filter(rank__lt=tier.rank).order_by("-rank").first()
