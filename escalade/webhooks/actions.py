"""Writes of webhook endpoints and deliveries: one transaction and one audit entry each."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.core.audit import record
from escalade.core.records import do_create_record
from escalade.webhooks.models import (
    TRANSITIONS,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    generate_secret,
)


def do_create_endpoint(*, actor: Any, data: dict[str, Any]) -> WebhookEndpoint:
    """A new endpoint with a fresh secret; the audit entry records the data, never the secret."""
    return do_create_record(actor=actor, model=WebhookEndpoint, data=data)


def do_rotate_secret(*, actor: Any, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Replace the signing secret (a leaked one, a lost one); the receiver needs the new one."""
    with transaction.atomic():
        endpoint.secret = generate_secret()
        endpoint.save(update_fields=["secret"])
        record(
            actor=actor,
            action="rotate_secret",
            obj=endpoint,
            summary=f"New signing secret for webhook endpoint {endpoint}",
        )
    return endpoint


def do_retry_delivery(*, actor: Any, delivery: WebhookDelivery) -> WebhookDelivery:
    """Queue a failed delivery again, now, with a fresh series of attempts."""
    with transaction.atomic():
        # Locked and re-read: the worker may be writing this row at the same moment.
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if DeliveryStatus.PENDING not in TRANSITIONS[delivery.status]:
            raise ValidationError(
                _("Only a failed delivery can be retried; this one is %(status)s."),
                params={"status": str(delivery.get_status_display()).lower()},
            )
        previous = delivery.status
        delivery.status = DeliveryStatus.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
        record(
            actor=actor,
            action="retry_delivery",
            obj=delivery,
            summary=f"Re-queued webhook delivery {delivery.event_id} ({delivery.event})",
            changes={"status": [previous, delivery.status]},
        )
    return delivery
