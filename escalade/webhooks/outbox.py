"""Emitting events: one outbox row per subscribed endpoint, in the action's own transaction.

Because the rows are written by the transaction of the action, an event exists
if and only if the action committed: it is "sent after commit" by construction,
and nothing is sent while the transaction is open. The worker's delivery poller
sends the rows later (``escalade.webhooks.delivery``).
"""

from typing import Any

from django.db import transaction
from django.utils import timezone

from escalade.core.refcache import Reference
from escalade.webhooks.models import WebhookDelivery, WebhookEndpoint, is_event_name

# Every action emits; endpoints change rarely. A new subscription applies in every process
# within ``settings.REFERENCE_CACHE_SECONDS``.
ACTIVE_ENDPOINTS = Reference(
    "webhook endpoints",
    lambda: list(WebhookEndpoint.objects.filter(is_active=True).only("pk", "events")),
    (WebhookEndpoint,),
)


def emit(event: str, payload: dict[str, Any]) -> int:
    """Queue ``event`` for every active endpoint subscribed to it; return how many.

    Call it inside the action's ``transaction.atomic()`` block, after the writes
    the event tells about. The payload must be JSON (dates, UUIDs and decimals
    are written as strings); ids and the facts a receiver needs, not whole objects.
    """
    if not is_event_name(event):
        raise ValueError(f"Not an event name: {event!r} (expected e.g. 'incident.opened').")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("emit() must be called inside the action's transaction.atomic().")
    # Few endpoints exist; filtering their event lists here works the same on every database.
    endpoints = [endpoint for endpoint in ACTIVE_ENDPOINTS.get() if endpoint.wants(event)]
    if not endpoints:
        return 0
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint_id=endpoint.pk,
            event=event,
            payload=payload,
            created_at=now,
            next_attempt_at=now,
        )
        for endpoint in endpoints
    )
    return len(endpoints)
