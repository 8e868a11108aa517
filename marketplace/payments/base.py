"""The PaymentGateway protocol, the values it exchanges, and the errors it raises.

Both gateways speak Stripe's event vocabulary (PaymentIntents for money in, Payouts for money
out), so one event parser and one webhook path serve the sandbox and Stripe alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import sqlalchemy.orm as so

from marketplace.domain_errors import N_, Conflict, DomainError
from marketplace.payments import signature
from marketplace.rules import provider_messages

# Provider event type → our payment status (None: acknowledged, stored, otherwise ignored).
EVENT_STATUSES = {
    "payment_intent.processing": "processing",
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
    "payment_intent.canceled": "canceled",
    "payout.created": "processing",
    "payout.paid": "succeeded",
    "payout.failed": "failed",
    "payout.canceled": "canceled",
}
OBJECT_KINDS = {"payment_intent": "deposit", "payout": "payout"}


class PaymentDeclined(DomainError):
    """The provider refused the payment (a declined card, a closed account); nothing moved.

    `failure_code` is the provider's code, stored with the payment; the message people read is
    the sentence marketplace.rules.provider_messages gives for it, never `provider_message`.
    """

    code = "payment_declined"
    http_status = 402

    def __init__(self, failure_code: str, *, provider_message: str | None = None):
        message, params = provider_messages.decline(failure_code)
        super().__init__(message, **params)
        self.failure_code = failure_code
        self.provider_message = provider_message


class ProviderUnavailable(DomainError):
    """The provider could not be reached or kept failing after retries; nothing was charged."""

    code = "provider_unavailable"
    http_status = 503


class ProviderRejected(DomainError):
    """The provider refused our request itself (credentials, parameters): an operator must look."""

    code = "provider_rejected"
    http_status = 502


class ProviderConflict(Conflict):
    """The provider saw our idempotency key before with other parameters."""

    code = "provider_idempotency_conflict"


class InvalidSignature(DomainError):
    """A webhook whose signature is missing, wrong or stale."""

    code = "invalid_signature"
    http_status = 400


@dataclass(frozen=True)
class PaymentRequest:
    """What a gateway needs to move money for one of our payments."""

    payment_id: int
    kind: str  # deposit | payout
    amount: int  # fen
    currency: str
    idempotency_key: str  # sent to the provider as Idempotency-Key
    description: str = ""
    payment_method: str | None = None


@dataclass(frozen=True)
class GatewayResult:
    """The provider's answer; `deliveries` are signed events to pass through the webhook path now."""

    provider_id: str
    status: str  # our vocabulary: created | processing | succeeded | failed | canceled
    failure_message: str | None = None  # the provider's own words (audit only)
    client_secret: str | None = None
    deliveries: tuple[tuple[bytes, str], ...] = field(default=(), repr=False)
    failure_code: str | None = None  # stored and shown (marketplace.rules.provider_messages)


@dataclass(frozen=True)
class GatewayEvent:
    """A verified provider event, reduced to what the payment state machine needs."""

    id: str
    type: str
    kind: str | None  # deposit | payout | None for objects we do not handle
    provider_id: str | None
    payment_id: int | None
    amount: int | None
    currency: str | None
    status: str | None
    failure_message: str | None  # the provider's own words (audit only)
    payload: dict
    failure_code: str | None = None  # stored and shown (marketplace.rules.provider_messages)


@dataclass(frozen=True)
class ProviderMovement:
    """Money the provider settled: + into our balance (deposits), − out of it (payouts)."""

    provider_id: str
    amount: int
    settled_at: datetime


class PaymentGateway(Protocol):
    """Money in and out through a payment provider."""

    name: str

    def create_deposit(self, session: so.Session, request: PaymentRequest) -> GatewayResult:
        """Ask the provider to collect money from the payer (top-up, repayment)."""

    def create_payout(self, session: so.Session, request: PaymentRequest) -> GatewayResult:
        """Ask the provider to send money out (withdrawal, disbursement)."""

    def parse_event(self, payload: bytes, signature_header: str | None) -> GatewayEvent:
        """Verify a webhook's signature and parse it; raises InvalidSignature."""

    def fetch(self, session: so.Session, kind: str, provider_id: str) -> GatewayResult:
        """The provider's current state of one object."""

    def settled_movements(
        self, session: so.Session, start: datetime, end: datetime
    ) -> list[ProviderMovement]:
        """What the provider's own records say settled in [start, end) (for reconciliation)."""


def verified_event(
    payload: bytes, header: str | None, secret: str, *, now: float | None = None
) -> GatewayEvent:
    """Check a Stripe-Signature header and parse the Stripe-shaped event it signs."""
    try:
        signature.verify(payload, header, secret, now=now)
    except signature.SignatureError as error:
        raise InvalidSignature(
            N_("The webhook signature is not valid: %(reason)s."), reason=str(error)
        ) from None
    try:
        data = json.loads(payload)
        return parse_event_data(data)
    except (ValueError, TypeError, KeyError, AttributeError):
        raise InvalidSignature(N_("The webhook body is not a valid event.")) from None


def parse_event_data(data: dict) -> GatewayEvent:
    """A GatewayEvent from a Stripe-shaped event dict (raises ValueError/KeyError when malformed)."""
    if not isinstance(data, dict) or not all(isinstance(data.get(name), str) for name in ("id", "type")):
        raise ValueError("not an event")
    obj = data.get("data", {}).get("object") or {}
    object_type = obj.get("object")
    metadata = obj.get("metadata") or {}
    payment_id = metadata.get("payment_id")
    amount = obj.get("amount")
    error = obj.get("last_payment_error") or {}
    failure = error.get("message") or obj.get("failure_message")
    return GatewayEvent(
        id=data["id"][:100],
        type=data["type"][:100],
        kind=OBJECT_KINDS.get(object_type),
        provider_id=obj.get("id") if isinstance(obj.get("id"), str) else None,
        payment_id=int(payment_id) if isinstance(payment_id, str) and payment_id.isdigit() else None,
        amount=amount if isinstance(amount, int) and not isinstance(amount, bool) else None,
        currency=obj.get("currency") if isinstance(obj.get("currency"), str) else None,
        status=EVENT_STATUSES.get(data["type"]) if object_type in OBJECT_KINDS else None,
        failure_message=str(failure)[:500] if failure else None,
        payload=data,
        failure_code=provider_messages.failure_code(
            error.get("decline_code"), error.get("code"), obj.get("failure_code"), described=bool(failure)
        ),
    )
