"""API shapes of the contact center."""

from datetime import datetime
from typing import Any, Literal

from django.utils import timezone
from ninja import Field, FilterSchema, Schema

from escalade.contactcenter.models import AcdState, CallbackStatus, ContactState


class PresenceOut(Schema):
    agent_id: int
    agent: str = Field(description="User name")
    name: str
    state: AcdState
    state_label: str
    since: datetime | None
    reason: str = Field(description="Not ready: the reason code")
    reason_label: str
    wrap_up_until: datetime | None
    wrap_up_remaining: int | None = Field(description="Seconds of wrap-up left")
    calls_handled: int = Field(description="Calls answered today")
    extension: str
    contact: str | None = Field(description="The key of the call or callback held")
    call_id: int | None

    @staticmethod
    def resolve_agent(obj: Any) -> str:
        return str(obj.agent.user.get_username())

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.agent)

    @staticmethod
    def resolve_state_label(obj: Any) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_reason_label(obj: Any) -> str:
        return str(obj.get_reason_display()) if obj.reason else ""

    @staticmethod
    def resolve_wrap_up_remaining(obj: Any) -> int | None:
        if obj.state != AcdState.WRAP_UP or obj.wrap_up_until is None:
            return None
        left: float = (obj.wrap_up_until - timezone.now()).total_seconds()
        return max(0, round(left))

    @staticmethod
    def resolve_calls_handled(obj: Any) -> int:
        return int(obj.calls_handled) if obj.counted_on == timezone.localdate() else 0

    @staticmethod
    def resolve_contact(obj: Any) -> str | None:
        return obj.contact.key if obj.contact_id else None

    @staticmethod
    def resolve_call_id(obj: Any) -> int | None:
        call_id = obj.contact.call_id if obj.contact_id else None
        return int(call_id) if call_id is not None else None


class StateIn(Schema):
    state: Literal["available", "not_ready", "logged_out"]
    reason: str = Field("", max_length=20, description="Not ready: break, lunch, meeting…")
    extension: str | None = Field(
        None, max_length=40, description="Where the agent takes calls (a route request names it)"
    )


class PresenceFilter(FilterSchema):
    state: AcdState | None = None


class QueueRoutingOut(Schema):
    queue_id: int
    queue: str
    strategy: str
    weight: float
    service_level_seconds: int
    wrap_up_seconds: int
    ring_timeout_seconds: int
    overflow: list[dict[str, Any]]
    handle_seconds: int
    match_language: bool
    learned_handle_seconds: float | None


class QueueRoutingIn(Schema):
    """The fields to change; those left out keep their value."""

    strategy: Literal["longest_idle", "round_robin", "fewest_calls", "best_proficiency"] | None = (
        None
    )
    weight: float | None = None
    service_level_seconds: int | None = None
    wrap_up_seconds: int | None = None
    ring_timeout_seconds: int | None = None
    overflow: Any = Field(
        None,
        description=(
            'Steps: [{"after_seconds": 60, "max_tier_rank_delta": 1, "any_site": false, '
            '"drop_skills": ["language:fr"]}], later steps only widening'
        ),
    )
    handle_seconds: int | None = None
    match_language: bool | None = None


class QueueStatusOut(Schema):
    id: int
    name: str
    tier: str
    site_id: int | None
    waiting: int
    ringing: int
    connected: int
    oldest_arrival: datetime | None
    expected_wait: float | None = Field(description="Seconds for a new caller; null: nobody")


class WaitingOut(Schema):
    key: str
    position: int = Field(description="1: next in line (among the waiting)")
    state: ContactState
    call_id: int | None
    callback_id: int | None
    transfer_id: int | None
    is_callback: bool
    priority: int
    arrival: datetime
    entered_at: datetime
    waited_seconds: int
    extra_skills: dict[str, int]
    agent: str | None
    account_name: str | None
    number: str


class ExpectedWaitOut(Schema):
    queue_id: int
    priority: int
    seconds: float | None = Field(description="Expected wait; null: nobody may answer now")
    waiting: int


class CallbackIn(Schema):
    number: str = Field(max_length=40, description="The number to call, any common format")
    queue: int | None = Field(None, description="Default: the customer's first-level queue")
    account: int | None = Field(None, description="Staff: the customer's account")
    contact: int | None = Field(None, description="The person to ask for")
    not_before: datetime | None = Field(None, description="Not to be called before")
    note: str = Field("", max_length=300)


class CallbackOut(Schema):
    id: int
    status: CallbackStatus
    number: str
    queue_id: int
    queue: str
    account_id: int | None
    contact_id: int | None
    call_id: int | None
    agent: str | None
    priority: int
    requested_at: datetime
    not_before: datetime | None
    original_arrival: datetime
    attempts: int
    dialed_at: datetime | None
    finished_at: datetime | None
    note: str

    @staticmethod
    def resolve_queue(obj: Any) -> str:
        return str(obj.queue.name)

    @staticmethod
    def resolve_agent(obj: Any) -> str | None:
        return obj.agent.user.get_username() if obj.agent_id else None


class CallbackFilter(FilterSchema):
    status: CallbackStatus | None = None
    queue_id: int | None = None
    account_id: int | None = None


class FinishIn(Schema):
    outcome: Literal["done", "failed", "requested"] = Field(
        description="done, failed, or requested: try again later (keeps the place)"
    )


# --- supervision -------------------------------------------------------------------------


class IntervalStatOut(Schema):
    queue_id: int
    queue: str
    interval_start: datetime
    length_minutes: int
    offered: int
    answered: int
    answered_within_sl: int
    abandoned: int
    total_wait_seconds: float
    total_handle_seconds: float
    service_level: float | None = Field(description="Answered within the threshold / answered")
    average_speed_of_answer: float | None = Field(description="Mean wait of answered calls (s)")
    abandon_rate: float | None = Field(description="Abandoned / offered")

    @staticmethod
    def resolve_queue(obj: Any) -> str:
        return str(obj.queue.name)

    @staticmethod
    def resolve_service_level(obj: Any) -> float | None:
        return obj.answered_within_sl / obj.answered if obj.answered else None

    @staticmethod
    def resolve_average_speed_of_answer(obj: Any) -> float | None:
        return obj.total_wait_seconds / obj.answered if obj.answered else None

    @staticmethod
    def resolve_abandon_rate(obj: Any) -> float | None:
        return obj.abandoned / obj.offered if obj.offered else None


class StatsFilter(Schema):
    queue: int | None = None
    length: int = Field(30, description="15 or 30 (minutes)")
    since: datetime | None = None
    until: datetime | None = None


class AgentsByState(Schema):
    available: int
    on_call: int
    wrap_up: int
    not_ready: int
    logged_out: int


class WallboardRowOut(Schema):
    id: int | None = Field(description="The queue (none for a site's total)")
    name: str
    site_id: int | None
    site: str
    waiting: int
    longest_wait_seconds: int
    offered_today: int
    answered_today: int
    abandoned_today: int
    service_level_today: float | None
    asa_today_seconds: float | None
    abandon_rate_today: float | None
    agents: AgentsByState


class WallboardOut(Schema):
    at: datetime
    queues: list[WallboardRowOut]
    sites: list[WallboardRowOut]


class StaffingIntervalIn(Schema):
    label: str = Field("", max_length=20, description='The interval, e.g. "09:00"')
    calls: float = Field(ge=0, le=1_000_000, description="Calls forecast in the interval")


class StaffingIn(Schema):
    queue_id: int | None = Field(None, description="Fills handle time and threshold if absent")
    length_minutes: Literal[15, 30] = 30
    intervals: list[StaffingIntervalIn] = Field(min_length=1, max_length=200)
    handle_seconds: float | None = Field(None, gt=0, le=36000)
    target_percent: float = Field(80, ge=0, le=100)
    target_seconds: float | None = Field(None, ge=0, le=3600)
    shrinkage_percent: float = Field(0, ge=0, lt=100)
    patience_seconds: float | None = Field(None, gt=0, le=36000)


class StaffingRowOut(Schema):
    label: str
    calls: float
    agents: int
    scheduled: int
    service_level: float
    average_speed_of_answer: float | None
    occupancy: float
    abandonment: float | None


class StaffingOut(Schema):
    length_minutes: int
    handle_seconds: float
    target_percent: float
    target_seconds: float
    shrinkage_percent: float
    patience_seconds: float | None
    intervals: list[StaffingRowOut]
