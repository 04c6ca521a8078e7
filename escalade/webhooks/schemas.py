"""API shapes of webhook endpoints and deliveries."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from ninja import Field, FilterLookup, FilterSchema, Schema

from escalade.webhooks.models import DeliveryStatus

EVENTS_HELP = 'Event names such as "incident.opened", or ["*"] for every event.'


class EndpointOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    is_active: bool
    created_at: datetime


class EndpointWithSecret(EndpointOut):
    secret: str = Field(
        description="Signs every request (X-Escalade-Signature). Shown once: keep it now."
    )


class EndpointIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    url: str = Field(max_length=500, description="The receiver's http:// or https:// address")
    # Emptiness and names are checked by the model: one message, for POST, PATCH and admin.
    events: list[str] = Field(description=EVENTS_HELP)
    is_active: bool = True


class EndpointPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    url: str | None = Field(None, max_length=500)
    events: list[str] | None = Field(None, description=EVENTS_HELP)
    is_active: bool | None = None


class EndpointFilter(FilterSchema):
    is_active: bool | None = None
    name: Annotated[str | None, FilterLookup("name__icontains", expression_connector="AND")] = None


class DeliveryOut(Schema):
    id: int
    endpoint_id: int
    event: str
    event_id: UUID
    payload: dict[str, Any]
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None


class DeliveryFilter(FilterSchema):
    endpoint_id: int | None = None
    status: DeliveryStatus | None = None
    event: str | None = None
