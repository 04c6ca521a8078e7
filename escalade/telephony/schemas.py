"""API shapes of calls and of the Generic CTI events."""

from datetime import datetime
from typing import Any, Literal

from ninja import Field, FilterSchema, Schema
from pydantic import BaseModel, ConfigDict, field_validator

from escalade.telephony.models import Direction, State

CTI_EVENTS = ("newCall", "answer", "hangup")


class CtiEventIn(BaseModel):
    """One Generic CTI event, as PBX bridges post it (form-encoded or JSON)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", str_strip_whitespace=True)

    event: Literal["newCall", "answer", "hangup"] = Field(description="newCall, answer or hangup")
    call_id: str = Field(alias="callId", min_length=1, max_length=250)
    from_number: str = Field("", alias="from", max_length=100)
    to_number: str = Field("", alias="to", max_length=100)
    direction: Literal["in", "out"] = "in"
    user: list[str] = Field(default_factory=list, description="Agent user name(s) or email(s)")
    queue: str = Field("", max_length=120)
    cause: str = Field("", max_length=40)
    answering_number: str = Field("", alias="answeringNumber", max_length=150)

    @field_validator("user", mode="before")
    @classmethod
    def _users(cls, value: Any) -> Any:
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return [value]
        return value

    @field_validator("event", "direction", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


# The request body as the OpenAPI document shows it (the route reads both encodings).
CTI_BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["event", "callId"],
    "properties": {
        "event": {"type": "string", "enum": list(CTI_EVENTS)},
        "callId": {"type": "string", "maxLength": 250, "description": "Unique per call"},
        "from": {"type": "string", "description": "Calling number, or 'anonymous'"},
        "to": {"type": "string", "description": "Called number"},
        "direction": {"type": "string", "enum": ["in", "out"], "default": "in"},
        "user": {
            "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "description": "Agent user name(s) or email(s); form bodies may send user[]",
        },
        "queue": {"type": "string", "description": "Queue name"},
        "cause": {
            "type": "string",
            "description": "hangup: normalClearing, busy, cancel, noAnswer, congestion, "
            "notFound, forwarded",
        },
        "answeringNumber": {"type": "string", "description": "answer: the answering agent"},
    },
}
CTI_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": CTI_BODY_SCHEMA},
            "application/x-www-form-urlencoded": {"schema": CTI_BODY_SCHEMA},
        },
    }
}


class NamedRef(Schema):
    id: int
    name: str


class AccountRef(NamedRef):
    number: str


class CallerOut(Schema):
    known: bool
    number: str = Field(description="E.164 when the caller ID is a number")
    account: AccountRef | None = None
    contact: NamedRef | None = None
    candidates: list[AccountRef] = Field(
        default_factory=list, description="Accounts sharing the number when it is ambiguous"
    )


class CallOut(Schema):
    id: int
    source: str
    call_id: str = Field(alias="external_id")
    direction: Direction
    state: State
    from_number: str
    to_number: str
    from_e164: str
    to_e164: str
    queue_id: int | None
    queue_name: str
    agent_id: int | None
    agent: str | None
    account_id: int | None
    account_name: str | None
    contact_id: int | None
    contact_name: str | None
    incident_id: int | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    cause: str
    wait_seconds: int | None
    talk_seconds: int | None

    @staticmethod
    def resolve_agent(obj: Any) -> str | None:
        return obj.agent.user.get_username() if obj.agent_id else None

    @staticmethod
    def resolve_account_name(obj: Any) -> str | None:
        return obj.account.name if obj.account_id else None

    @staticmethod
    def resolve_contact_name(obj: Any) -> str | None:
        return obj.contact.full_name if obj.contact_id else None


class CtiResultOut(Schema):
    status: Literal["ok", "duplicate"]
    event: str
    call: CallOut
    caller: CallerOut | None = Field(None, description="newCall: who is calling")
    warnings: list[str] = Field(default_factory=list)


class ConnectionOut(Schema):
    party: str
    agent_id: int | None
    queue_id: int | None
    number: str
    state: State
    offered_at: datetime
    alerting_at: datetime | None
    connected_at: datetime | None
    held_at: datetime | None
    cleared_at: datetime | None
    cause: str


class CallEventOut(Schema):
    kind: str
    at: datetime
    received_at: datetime
    source: str
    key: str
    payload: dict[str, Any]


class CallDetailOut(CallOut):
    connections: list[ConnectionOut]
    events: list[CallEventOut]

    @staticmethod
    def resolve_connections(obj: Any) -> Any:
        return list(obj.connections.all())

    @staticmethod
    def resolve_events(obj: Any) -> Any:
        return list(obj.events.all())


class CallFilter(FilterSchema):
    state: State | None = None
    direction: Direction | None = None
    account_id: int | None = None
    agent_id: int | None = None
    queue_id: int | None = None
    incident_id: int | None = None


class AttachIncidentIn(Schema):
    incident: int = Field(description="The incident's id")


# --- ACD: route requests and transfers -------------------------------------------------


class RouteRequestIn(BaseModel):
    """Where does this call go? Asked by a PBX or SIP proxy when a call reaches a queue."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", str_strip_whitespace=True)

    call_id: str = Field(alias="callId", min_length=1, max_length=250)
    from_number: str = Field("", alias="from", max_length=100)
    to_number: str = Field("", alias="to", max_length=100)
    queue: str = Field(min_length=1, max_length=120, description="Queue name")
    source: Literal["cti", "sip"] = Field(
        "cti", description="cti: the Generic CTI events follow; sip: a SIP route point"
    )


class RouteOut(Schema):
    call: int = Field(description="Escalade's id of the call")
    status: Literal["ringing", "waiting", "connected"]
    agent: str | None = Field(None, description="The agent's user name, when one was chosen")
    extension: str | None = Field(None, description="Where the agent logged in")
    wait: float | None = Field(
        None, description="Expected wait in seconds while no agent is free; null: unknown"
    )


class TransferIn(Schema):
    """Exactly one target: a queue, an agent (user name) or a site."""

    queue: int | None = Field(None, description="The queue's id")
    agent: str | None = Field(None, description="The agent's user name or email")
    site: int | None = Field(None, description="The site's id: its queue of the call's tier")
    consultative: bool = Field(
        False, description="Stay on the call until the target answers (else blind)"
    )
    incident: int | None = Field(None, description="The incident to carry with the call")


class TransferOut(Schema):
    id: int
    call_id: int
    state: str
    consultative: bool
    from_agent_id: int | None
    to_queue_id: int | None
    to_agent_id: int | None
    to_site_id: int | None
    incident_id: int | None
    created_at: datetime


class CallbackFromCallIn(Schema):
    number: str = Field("", max_length=40, description="Another number to call back (optional)")
    note: str = Field("", max_length=300)
