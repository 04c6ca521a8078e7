"""Sending queued deliveries: the worker's ``webhooks`` poller.

Each batch goes in three steps so that no lock is held while a receiver is slow:

1. claim (one short transaction): lock the due rows, count the attempt and push
   ``next_attempt_at`` to the end of a lease; a worker that dies mid-batch
   leaves rows that become due again when the lease ends;
2. send, outside any transaction: one signed POST per row;
3. record each result (one statement per row): delivered, or due again after
   the back-off, or failed after the last attempt. The write only applies if
   the row is still the attempt this worker claimed, so a worker whose lease
   ran out cannot overwrite a newer attempt.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, QuerySet

from escalade.core.worker import Poller, claim
from escalade.webhooks.models import DeliveryStatus, WebhookDelivery
from escalade.webhooks.signing import SIGNATURE_HEADER, sign

logger = logging.getLogger("escalade.webhooks")

TIMEOUT_SECONDS = 10
USER_AGENT = "Escalade-Webhooks/1"
# Wait after the 1st, 2nd… failed attempt; after the last one the delivery has failed.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A claim outlives the slowest batch: every send may use its whole timeout.
LEASE_MARGIN = timedelta(minutes=2)
# What is kept of a receiver's answer: enough to diagnose, never a flood.
MAX_ERROR_CHARS = 1000
MAX_RESPONSE_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery taken by this worker, with what sending it needs."""

    id: int
    attempt: int  # the attempt number after the claim; also the fence of the result write
    url: str
    secret: str
    event: str
    event_id: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None
    error: str = ""

    @property
    def delivered(self) -> bool:
        return not self.error and self.status_code is not None and 200 <= self.status_code < 300


Sender = Callable[[Claimed], Outcome]


def backoff_after(attempt: int) -> timedelta | None:
    """The wait after failed attempt number ``attempt`` (1-based), or None: give up."""
    return BACKOFF[attempt - 1] if 1 <= attempt <= len(BACKOFF) else None


def due(now: datetime) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
    )


def encode_body(delivery: WebhookDelivery) -> bytes:
    return json.dumps(
        delivery.envelope(), cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    ).encode()


def claim_due(now: datetime, limit: int) -> list[Claimed]:
    """Take up to ``limit`` due deliveries for this worker (step 1)."""
    with transaction.atomic():
        rows = claim(
            due(now).select_related("endpoint").order_by("next_attempt_at", "id"),
            limit,
        )
        if not rows:
            return []
        lease_until = now + LEASE_MARGIN + len(rows) * timedelta(seconds=TIMEOUT_SECONDS)
        WebhookDelivery.objects.filter(pk__in=[row.pk for row in rows]).update(
            attempts=F("attempts") + 1, next_attempt_at=lease_until
        )
    return [
        Claimed(
            id=row.pk,
            attempt=row.attempts + 1,
            url=row.endpoint.url,
            secret=row.endpoint.secret,
            event=row.event,
            event_id=str(row.event_id),
            body=encode_body(row),
        )
        for row in rows
    ]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 2xx: following it would drop or resend the body."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _short(text: str) -> str:
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def post(item: Claimed) -> Outcome:
    """POST the signed body to the endpoint; any failure becomes an ``Outcome`` (step 2)."""
    request = urllib.request.Request(
        item.url,
        data=item.body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Escalade-Event": item.event,
            "X-Escalade-Delivery": item.event_id,
            SIGNATURE_HEADER: sign(item.secret, item.body),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(MAX_RESPONSE_BYTES)
            return Outcome(status_code=response.status)
    except urllib.error.HTTPError as exc:
        try:
            answer = exc.read(MAX_ERROR_CHARS).decode(errors="replace").strip()
        except (OSError, http.client.HTTPException):
            answer = ""
        detail = f"HTTP {exc.code} {exc.reason}" + (f": {answer}" if answer else "")
        return Outcome(status_code=exc.code, error=_short(detail))
    except urllib.error.URLError as exc:
        return Outcome(status_code=None, error=_short(f"Could not connect: {exc.reason}"))
    except (OSError, http.client.HTTPException, ValueError) as exc:
        # Timeouts while reading, connections reset, malformed answers.
        return Outcome(status_code=None, error=_short(f"{type(exc).__name__}: {exc}"))


def record_outcome(item: Claimed, outcome: Outcome, at: datetime) -> bool:
    """Write the result of one attempt (step 3); False when the claim was lost meanwhile."""
    mine = WebhookDelivery.objects.filter(
        pk=item.id, status=DeliveryStatus.PENDING, attempts=item.attempt
    )
    if outcome.delivered:
        return bool(
            mine.update(
                status=DeliveryStatus.DELIVERED,
                delivered_at=at,
                last_status_code=outcome.status_code,
                last_error="",
            )
        )
    wait = backoff_after(item.attempt)
    if wait is None:
        logger.warning(
            "Webhook delivery %s (%s) failed for good after %d attempts: %s",
            item.id,
            item.event,
            item.attempt,
            outcome.error,
        )
        return bool(
            mine.update(
                status=DeliveryStatus.FAILED,
                last_status_code=outcome.status_code,
                last_error=outcome.error,
            )
        )
    logger.info(
        "Webhook delivery %s (%s) attempt %d failed, next in %s: %s",
        item.id,
        item.event,
        item.attempt,
        wait,
        outcome.error,
    )
    return bool(
        mine.update(
            next_attempt_at=at + wait,
            last_status_code=outcome.status_code,
            last_error=outcome.error,
        )
    )


class DeliveryPoller(Poller):
    name = "webhooks"
    interval_seconds = 2.0
    batch_size = 10

    def __init__(self, send: Sender = post) -> None:
        self.send = send

    def run_once(self, now: datetime) -> int:
        # A plain read first: on SQLite the claim's IMMEDIATE transaction takes the
        # write lock, which an idle worker should not do every two seconds.
        if not due(now).exists():
            return 0
        claimed = claim_due(now, self.batch_size)
        started = time.monotonic()
        for item in claimed:
            try:
                outcome = self.send(item)
            except Exception as exc:
                logger.exception("Sending webhook delivery %s crashed.", item.id)
                outcome = Outcome(status_code=None, error=_short(f"{type(exc).__name__}: {exc}"))
            # Results are dated on the caller's clock (tests move it) plus the real time spent.
            at = now + timedelta(seconds=time.monotonic() - started)
            try:
                if not record_outcome(item, outcome, at):
                    logger.warning(
                        "Webhook delivery %s changed while being sent; its result was dropped.",
                        item.id,
                    )
            except Exception:
                # The lease ends and the delivery is tried again; the others go on.
                logger.exception("Recording webhook delivery %s failed.", item.id)
        return len(claimed)
