"""Webhook endpoints (who wants which events) and deliveries (the outbox, one row per send)."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import datetime
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SECRET_PREFIX = "whsec_"
ALL_EVENTS = "*"
# "incident.opened", "call.ended"…: lower-case words joined by dots or underscores.
EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


def generate_secret() -> str:
    """32 random bytes, URL-safe: the HMAC key shared with the receiver."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def is_event_name(name: object) -> bool:
    return isinstance(name, str) and len(name) <= 100 and bool(EVENT_NAME.match(name))


def _family(name: str) -> str:
    """ "incident.*" names the family "incident"; other names stand for themselves."""
    return name[:-2] if name.endswith(".*") else name


def validate_webhook_url(value: str) -> None:
    if urlsplit(value).scheme.lower() not in {"http", "https"}:
        raise ValidationError(_("Use an http:// or https:// address."), code="scheme")


NO_EVENTS = _('Give at least one event name, or ["*"] for all events.')


def validate_events(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(NO_EVENTS, code="empty")
    bad = [
        str(name)
        for name in value
        if name != ALL_EVENTS
        and not is_event_name(_family(name) if isinstance(name, str) else name)
    ]
    if bad:
        raise ValidationError(
            _("Not an event name: %(names)s (expected e.g. incident.opened, incident.*, or *)."),
            params={"names": ", ".join(bad)},
            code="name",
        )


class WebhookEndpoint(models.Model):
    """A receiver of events: an URL, the events it subscribes to and its signing secret."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("URL"), max_length=500, validators=[validate_webhook_url])
    secret = models.CharField(_("secret"), max_length=100, default=generate_secret, editable=False)
    events = models.JSONField(
        _("events"), default=list, validators=[validate_events], error_messages={"blank": NO_EVENTS}
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        # "incident.*" subscribes to every incident event.
        return (
            ALL_EVENTS in self.events
            or event in self.events
            or any(name.endswith(".*") and event.startswith(name[:-1]) for name in self.events)
        )


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


# Where each status may go. The worker moves pending on; an administrator re-queues a failure.
TRANSITIONS: dict[str, frozenset[str]] = {
    DeliveryStatus.PENDING: frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.FAILED}),
    DeliveryStatus.FAILED: frozenset({DeliveryStatus.PENDING}),
    DeliveryStatus.DELIVERED: frozenset(),
}


class WebhookDelivery(models.Model):
    """One event for one endpoint: written with the action, sent and retried by the worker."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=100)
    # The receiver's idempotency key: the same on every attempt of this delivery.
    event_id = models.UUIDField(_("event ID"), default=uuid.uuid4, unique=True, editable=False)
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # When a pending delivery is due; while a worker sends it, the end of that worker's lease.
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhooks_due_idx"),
        ]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"

    def envelope(self) -> dict[str, object]:
        """The JSON body sent: the event's identity around the action's payload."""
        created: datetime = self.created_at
        return {
            "id": str(self.event_id),
            "event": self.event,
            "created_at": created.isoformat(),
            "data": self.payload,
        }
