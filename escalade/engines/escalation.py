"""Choosing the queue a case goes to, from routing rules.

A rule names a target queue and the facts it applies to; a fact left out (None)
matches anything. The most specific matching rule wins (the most facts named),
then the lowest priority number, so "Orbit cases of premier accounts at L2"
beats "every case at L2" without anyone ordering them by hand.
"""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CaseFacts:
    tier_rank: int  # the tier the case must go to
    product_id: int | None
    segment: str  # "standard" | "premier"
    l1_partner_id: int | None  # the contract's L1 partner; None = handled internally
    language: str
    country: str


@dataclass(frozen=True, slots=True)
class RoutingRule:
    rule_id: int
    queue_id: int
    tier_rank: int
    priority: int = 100
    product_id: int | None = None
    segment: str | None = None
    l1_partner_id: int | None = None
    # True: only cases whose contract has L1 handled internally; False: only partner-handled.
    internal_l1: bool | None = None
    language: str | None = None
    country: str | None = None

    def matches(self, case: CaseFacts) -> bool:
        if self.tier_rank != case.tier_rank:
            return False
        if self.internal_l1 is not None and self.internal_l1 != (case.l1_partner_id is None):
            return False
        wanted = (
            (self.product_id, case.product_id),
            (self.segment, case.segment),
            (self.l1_partner_id, case.l1_partner_id),
            (self.language, case.language),
            (self.country, case.country),
        )
        return all(rule is None or rule == fact for rule, fact in wanted)

    @property
    def specificity(self) -> int:
        named = (
            self.product_id,
            self.segment,
            self.l1_partner_id,
            self.internal_l1,
            self.language,
            self.country,
        )
        return sum(value is not None for value in named)


def choose_rule(rules: Iterable[RoutingRule], case: CaseFacts) -> RoutingRule | None:
    """The rule that decides where the case goes, or None when no rule covers it."""
    matching = [rule for rule in rules if rule.matches(case)]
    if not matching:
        return None
    return min(matching, key=lambda r: (-r.specificity, r.priority, r.rule_id))
