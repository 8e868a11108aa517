"""The Stripe-Signature webhook scheme: the sandbox signs with it, and every event is verified by it.

Header: `t=<unix time>,v1=<hex>[,v1=<hex>...]` where each v1 is HMAC-SHA256 over
`"<t>.<raw body>"` keyed with the endpoint's secret (Stripe docs, "Verify webhook signatures").
Verification is the Stripe SDK's own (`stripe.WebhookSignature.verify_header`: any one v1
matching is enough while a secret is being rolled, compared in constant time). The time window
is checked here, in both directions and against the gateway's clock, because the SDK only
refuses old events and only against the system clock.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

import stripe

DEFAULT_TOLERANCE = 300  # seconds, Stripe's default
# What a well-formed header is made of: printable ASCII only (a header arrives decoded as
# Latin-1, and the SDK's constant-time comparison refuses non-ASCII text with a TypeError), and
# a timestamp of ASCII digits (str.isdigit() also accepts '²', which int() refuses).
_HEADER_TEXT = re.compile(r"[\x20-\x7e]{1,4096}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class SignatureError(ValueError):
    """The signature header is missing, malformed, stale or does not match."""


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header value for `payload` (the sandbox's events, and tests)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    payload: bytes,
    header: str | None,
    secret: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> int:
    """Check the header against the payload; return its timestamp or raise SignatureError."""
    if not secret:
        raise SignatureError("no webhook secret is configured")
    if not header:
        raise SignatureError("missing Stripe-Signature header")
    if not _HEADER_TEXT.fullmatch(header) or not _TIMESTAMP.fullmatch(_first_item(header, "t") or ""):
        raise SignatureError("malformed Stripe-Signature header")
    try:
        # tolerance=None: the SDK checks the signature only; the window is checked below.
        stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=None)
    except stripe.SignatureVerificationError as error:
        raise SignatureError(str(error)) from None
    except UnicodeDecodeError:  # the SDK signs the body as text
        raise SignatureError("the body is not UTF-8 text") from None
    timestamp = _timestamp(header)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance window")
    return timestamp


def _first_item(header: str, name: str) -> str | None:
    """The value of the first `name=` item of the header, as the SDK reads it."""
    for item in header.split(","):
        key, _, value = item.partition("=")
        if key == name:
            return value.split("=")[0]
    return None


def _timestamp(header: str) -> int:
    # The first `t=` item, already checked to be ASCII digits (the SDK has verified the signature over it).
    value = _first_item(header, "t")
    if value is None or not _TIMESTAMP.fullmatch(value):
        raise SignatureError("malformed Stripe-Signature header")
    return int(value)
