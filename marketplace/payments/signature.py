"""The Stripe-Signature webhook scheme, used by the sandbox and for Stripe alike.

Header: `t=<unix time>,v1=<hex>[,v1=<hex>...]` where each v1 is HMAC-SHA256 over
`"<t>.<raw body>"` keyed with the endpoint's secret. Several v1 values appear while a secret is
being rolled; one matching is enough. Events older (or newer) than the tolerance are refused so
that a captured request cannot be replayed later. (Stripe docs, "Verify webhook signatures".)
"""

from __future__ import annotations

import hashlib
import hmac
import time

DEFAULT_TOLERANCE = 300  # seconds, Stripe's default


class SignatureError(ValueError):
    """The signature header is missing, malformed, stale or does not match."""


def compute(payload: bytes, secret: str, timestamp: int) -> str:
    """Hex HMAC-SHA256 of `timestamp.payload` under `secret`."""
    signed = str(timestamp).encode() + b"." + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header value for `payload`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={compute(payload, secret, timestamp)}"


def verify(payload: bytes, header: str | None, secret: str, *, tolerance: int = DEFAULT_TOLERANCE,
           now: float | None = None) -> int:
    """Check the header against the payload; return its timestamp or raise SignatureError."""
    if not secret:
        raise SignatureError("no webhook secret is configured")
    if not header:
        raise SignatureError("missing Stripe-Signature header")
    timestamp, candidates = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("malformed Stripe-Signature header")
    expected = compute(payload, secret, timestamp)
    # compare_digest with every candidate: the time taken does not depend on where they differ.
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise SignatureError("signature does not match the payload")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance window")
    return timestamp
