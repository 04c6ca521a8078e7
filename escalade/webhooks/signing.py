"""Signing webhook bodies, and checking them on the receiving side. Standard library only.

Each request carries ``X-Escalade-Signature: t=<unix time>,v1=<hex>`` where
``<hex>`` is HMAC-SHA256, keyed by the endpoint's secret (the whole string,
``whsec_…``, as UTF-8), of ``f"{t}.{raw body}"``. A receiver:

1. reads the raw request body as bytes, before any JSON parsing;
2. splits the header on ``,`` into ``key=value`` pairs and takes ``t`` and
   every ``v1`` (there may be several while a secret is being replaced);
3. computes the HMAC of ``f"{t}.".encode() + body`` with its secret and
   compares it with each ``v1`` in constant time (``hmac.compare_digest``);
4. refuses a ``t`` more than a few minutes away from its own clock, so a
   captured request cannot be replayed later;
5. uses the ``X-Escalade-Delivery`` header (the event's id, also ``id`` in the
   body) to ignore a delivery it has already processed: a delivery whose
   answer got lost is sent again.

Python receivers may copy this file and call ``verify_signature``.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Escalade-Signature"
SCHEME = "v1"


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The value of the signature header for this body."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},{SCHEME}={compute_signature(secret, t, body)}"


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes | str,
    tolerance: int = 300,
    now: float | None = None,
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret``, within ``tolerance`` seconds of now."""
    if not header:
        return False
    raw = body.encode() if isinstance(body, str) else body
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == SCHEME:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = compute_signature(secret, timestamp, raw)
    # Every candidate is compared, in constant time, so timing says nothing about which failed.
    matches = [hmac.compare_digest(expected, candidate) for candidate in candidates]
    return any(matches)
