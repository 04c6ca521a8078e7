"""API shapes of service plans, contracts, entitlements and the ledger."""

from datetime import date, datetime
from typing import Annotated, Any

from ninja import Field, FilterLookup, FilterSchema, Schema

from escalade.contracts.models import Channel, Coverage, EntryKind, Period

Severity = Field(ge=1, le=4, description="1 critical … 4 low")


class TargetOut(Schema):
    id: int
    plan_id: int
    severity: int
    first_response_minutes: int
    resolution_minutes: int


class TargetIn(Schema):
    plan_id: int
    severity: int = Severity
    first_response_minutes: int = Field(gt=0)
    resolution_minutes: int = Field(gt=0)


class TargetPatch(Schema):
    first_response_minutes: int | None = Field(None, gt=0)
    resolution_minutes: int | None = Field(None, gt=0)


class TargetFilter(FilterSchema):
    plan_id: int | None = None
    severity: int | None = None


class PlanOut(Schema):
    id: int
    code: str
    name: str
    coverage: Coverage
    calendar_id: int
    channels: list[Channel]
    warning_share: float
    targets: list[TargetOut]

    @staticmethod
    def resolve_targets(obj: Any) -> list[Any]:
        return list(obj.targets.all())


class PlanIn(Schema):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=120)
    coverage: Coverage = Coverage.BUSINESS_HOURS
    calendar_id: int
    channels: list[Channel] = Field(min_length=1)
    warning_share: float = Field(0.75, gt=0, lt=1, description="Warn at this share of a target")


class PlanPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    coverage: Coverage | None = None
    calendar_id: int | None = None
    channels: list[Channel] | None = Field(None, min_length=1)
    warning_share: float | None = Field(None, gt=0, lt=1)


class PlanFilter(FilterSchema):
    coverage: Coverage | None = None
    code: str | None = None


class ContractOut(Schema):
    id: int
    number: str
    account_id: int
    plan_id: int
    starts_on: date
    ends_on: date
    cancelled_on: date | None
    products: list[int]
    l1_partner_id: int | None

    @staticmethod
    def resolve_products(obj: Any) -> list[int]:
        return [product.pk for product in obj.products.all()]


class ContractIn(Schema):
    number: str = Field(min_length=1, max_length=30)
    account_id: int
    plan_id: int
    starts_on: date
    ends_on: date
    products: list[int] = []
    l1_partner_id: int | None = Field(None, description="Partner handling L1; null = internal")


class ContractPatch(Schema):
    plan_id: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    cancelled_on: date | None = None
    products: list[int] | None = None
    l1_partner_id: int | None = None


class ContractFilter(FilterSchema):
    account_id: int | None = None
    plan_id: int | None = None
    l1_partner_id: int | None = None
    number: str | None = None
    active_on: Annotated[
        date | None, FilterLookup(["starts_on__lte", "ends_on__gte"], expression_connector="AND")
    ] = None


class EntitlementOut(Schema):
    id: int
    contract_id: int
    name: str
    allowance: int
    period: Period
    counted_severities: list[int]
    excludes_bugs: bool


class EntitlementIn(Schema):
    contract_id: int
    name: str = Field(min_length=1, max_length=120)
    allowance: int = Field(ge=0)
    period: Period = Period.YEARLY
    counted_severities: list[int] = Field(min_length=1)
    excludes_bugs: bool = True


class EntitlementPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    allowance: int | None = Field(None, ge=0)
    period: Period | None = None
    counted_severities: list[int] | None = Field(None, min_length=1)
    excludes_bugs: bool | None = None


class EntitlementFilter(FilterSchema):
    contract_id: int | None = None


class EntryOut(Schema):
    id: int
    entitlement_id: int
    kind: EntryKind
    quantity: int
    occurred_at: datetime
    refunds_id: int | None
    reference: str
    reason: str
    actor_id: int | None


class EntryFilter(FilterSchema):
    entitlement_id: int | None = None
    kind: EntryKind | None = None
    reference: str | None = None


class ConsumeIn(Schema):
    entitlement_id: int
    reference: str = Field(min_length=1, max_length=40, description="The incident number")
    reason: str = Field("", max_length=300)


class RefundIn(Schema):
    reason: str = Field(min_length=1, max_length=300)


class AllowanceOut(Schema):
    entitlement_id: int
    name: str
    period_start: date
    period_end: date
    allowance: int
    used: int
    remaining: int


class EligibilityIn(Schema):
    contract_id: int
    product_id: int
    channel: Channel
    severity: int = Severity
    at: datetime | None = Field(None, description="When the request comes in; default now")


class EligibilityOut(Schema):
    covered: bool
    reasons: list[str]
    messages: list[str]
    allowances: list[AllowanceOut]
