"""API shapes of incidents."""

from datetime import datetime
from typing import Annotated, Any

from django.utils import timezone
from ninja import Field, FilterLookup, FilterSchema, Schema

from escalade.contracts.models import Channel
from escalade.customers.schemas import PhoneIn, VerificationIn
from escalade.incidents.models import Classification, Closure, Coverage, Direction, Status
from escalade.incidents.presenters import clock_rows
from escalade.incidents.queries import escalation_path

Severity = Field(ge=1, le=4, description="1 critical … 4 low")


class IncidentOut(Schema):
    id: int
    number: str
    title: str
    description: str
    account_id: int
    account_name: str = Field(alias="account.name")
    contact_id: int | None
    pid: str | None
    product_id: int | None
    contract_id: int | None
    severity: int
    channel: Channel
    classification: Classification
    status: Status
    queue_id: int
    queue_name: str = Field(alias="queue.name")
    tier: str = Field(alias="tier.code")
    owner_id: int | None
    owner_name: str | None
    bug_reference: str
    resolution_summary: str
    coverage: Coverage
    coverage_note: str
    closure: Closure | None
    created_at: datetime
    responded_at: datetime | None
    resolved_at: datetime | None
    sla_due_at: datetime | None
    sla_state: str

    @staticmethod
    def resolve_pid(obj: Any) -> str | None:
        return obj.licence.pid if obj.licence_id else None

    @staticmethod
    def resolve_owner_name(obj: Any) -> str | None:
        return str(obj.owner) if obj.owner_id else None

    @staticmethod
    def resolve_closure(obj: Any) -> str | None:
        return obj.closure or None


class ClockOut(Schema):
    name: str
    label: str
    state: str
    target_minutes: float
    elapsed_minutes: float
    remaining_minutes: float
    deadline: datetime | None
    warn_at: datetime | None
    warned_at: datetime | None
    breached_at: datetime | None


class EscalationOut(Schema):
    at: datetime
    direction: Direction
    from_queue: str = Field(alias="from_queue.name")
    to_queue: str = Field(alias="to_queue.name")
    from_tier: str = Field(alias="from_tier.code")
    to_tier: str = Field(alias="to_tier.code")
    reason: str
    actor: str | None

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return obj.actor.get_username() if obj.actor_id else None


class IncidentDetailOut(IncidentOut):
    clocks: list[ClockOut]
    escalations: list[EscalationOut]

    @staticmethod
    def resolve_clocks(obj: Any) -> list[dict[str, Any]]:
        return clock_rows(obj, now=timezone.now())

    @staticmethod
    def resolve_escalations(obj: Any) -> list[Any]:
        if getattr(obj, "just_opened", False):
            return []
        return list(escalation_path(obj))


class TimelineOut(Schema):
    id: int
    at: datetime
    incident_number: str | None
    kind: str
    customer_visible: bool
    actor: str | None
    body: str
    data: dict[str, Any]

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return obj.actor.get_username() if obj.actor_id else None

    @staticmethod
    def resolve_incident_number(obj: Any) -> str | None:
        return obj.incident.number if obj.incident_id else None


class NewContactIn(Schema):
    first_name: str = Field("", max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    language: str = Field("", max_length=8)
    job_title: str = Field("", max_length=120)
    phones: list[PhoneIn] = []
    emails: list[str] = []
    verifications: list[VerificationIn] = []


class IntakeIn(Schema):
    account_id: int
    title: str = Field(min_length=3, max_length=200)
    description: str = Field("", max_length=20000)
    severity: int = Severity
    channel: Channel
    contact_id: int | None = None
    new_contact: NewContactIn | None = Field(None, description="A caller not known yet")
    pid: str | None = Field(None, max_length=64)
    identity_verified: bool = False
    identity_method: str = Field("", max_length=60, description="e.g. security question")
    override_reason: str = Field("", max_length=300, description="Supervisors: open anyway")
    paid_reference: str = Field("", max_length=60, description="Billed per incident")


class CoverageCheckIn(Schema):
    account_id: int
    pid: str | None = Field(None, max_length=64)
    severity: int = Severity
    channel: Channel


class CoverageOut(Schema):
    covered: bool
    contract_id: int | None
    reasons: list[str]
    messages: list[str]
    remaining: dict[str, int]


class NoteIn(Schema):
    body: str = Field(min_length=1, max_length=20000)
    customer_visible: bool = False


class DiagnosticIn(Schema):
    step: str = Field(min_length=1, max_length=2000)
    outcome: str = Field("", max_length=2000)


class StatusIn(Schema):
    status: Status
    note: str = Field("", max_length=2000)


class AssignIn(Schema):
    owner_id: int | None = Field(None, description="An agent id; null to unassign")


class ClassifyIn(Schema):
    classification: Classification
    bug_reference: str | None = Field(None, max_length=60)


class ResolveIn(Schema):
    summary: str = Field(min_length=1, max_length=20000)


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class EscalateIn(Schema):
    reason: str = Field(min_length=1, max_length=500)
    queue_id: int | None = Field(None, description="A given queue; default: the next tier")
    site_id: int | None = Field(None, description="A given site, at the next tier")


class IncidentFilter(FilterSchema):
    status: Status | None = None
    queue_id: int | None = None
    owner_id: int | None = None
    account_id: int | None = None
    severity: int | None = None
    sla_state: str | None = None
    number: str | None = None
    title: Annotated[str | None, FilterLookup("title__icontains")] = None


class SlaEventOut(Schema):
    id: int
    incident_id: int
    incident_number: str = Field(alias="incident.number")
    incident_title: str = Field(alias="incident.title")
    queue: str = Field(alias="incident.queue.name")
    clock: str
    kind: str
    due_at: datetime
    raised_at: datetime


class SlaEventFilter(FilterSchema):
    kind: str | None = None
    clock: str | None = None


class RuleOut(Schema):
    id: int
    queue_id: int
    tier_id: int
    priority: int
    product_id: int | None
    segment: str
    l1_partner_id: int | None
    internal_l1: bool | None
    language: str
    country: str


class RuleIn(Schema):
    queue_id: int
    tier_id: int
    priority: int = Field(100, ge=0, le=10000)
    product_id: int | None = None
    segment: str = Field("", pattern="^(|standard|premier)$")
    l1_partner_id: int | None = None
    internal_l1: bool | None = None
    language: str = Field("", max_length=8)
    country: str = Field("", max_length=2)


class RulePatch(Schema):
    queue_id: int | None = None
    priority: int | None = Field(None, ge=0, le=10000)
    product_id: int | None = None
    segment: str | None = Field(None, pattern="^(|standard|premier)$")
    l1_partner_id: int | None = None
    internal_l1: bool | None = None
    language: str | None = Field(None, max_length=8)
    country: str | None = Field(None, max_length=2)


class RuleFilter(FilterSchema):
    tier_id: int | None = None
    queue_id: int | None = None


class TierTargetOut(Schema):
    id: int
    tier_id: int
    handoff_minutes: int


class TierTargetIn(Schema):
    tier_id: int
    handoff_minutes: int = Field(gt=0)


class TierTargetPatch(Schema):
    handoff_minutes: int | None = Field(None, gt=0)


class TierTargetFilter(FilterSchema):
    tier_id: int | None = None
