"""SandboxGateway: an in-process, deterministic payment provider (the default).

It keeps its own record of every object in the `sandbox_objects` table (its side of
reconciliation) and settles at once: each deposit or payout comes back with signed,
Stripe-shaped events that the caller passes through the same webhook code path as real events.

Failure simulation (documented in docs/payments.md):
- a payout whose amount ends in .13 yuan fails (code `sandbox_account_closed`): the money returns;
- a deposit whose amount ends in .02 yuan is declined at once (code `sandbox_card_declined`),
  like a declined card.
Like Stripe, the sandbox reports a failure as a code and an English message; the code is what
the platform stores and translates (marketplace.rules.provider_messages).
With `auto_settle=False` objects stay in processing and no events are delivered; tests then
build events with `event()` and post them to the webhook endpoint themselves.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import N_, NotFound
from marketplace.models.base import utcnow
from marketplace.models.payments import SandboxObject
from marketplace.payments import signature
from marketplace.payments.base import (
    GatewayEvent,
    GatewayResult,
    PaymentDeclined,
    PaymentRequest,
    ProviderMovement,
    verified_event,
)
from marketplace.rules import provider_messages

FAILING_PAYOUT_FEN = 13  # payouts of ¥x.13 fail
DECLINED_DEPOSIT_FEN = 2  # deposits of ¥x.02 are declined
PAYOUT_FAILURE_CODE = provider_messages.SANDBOX_ACCOUNT_CLOSED
DECLINE_CODE = provider_messages.SANDBOX_DECLINED
# The provider's own words, as Stripe sends a message beside its code (kept in the audit event).
PAYOUT_FAILURE_MESSAGE = "The bank account was closed (sandbox)."
DECLINE_MESSAGE = "Your card was declined (sandbox)."
# Sandbox object status → our payment status.
_STATUS = {
    "processing": "processing",
    "succeeded": "succeeded",
    "canceled": "canceled",
    "requires_payment_method": "failed",
    "pending": "processing",
    "paid": "succeeded",
    "failed": "failed",
}


def _digest(text: str, length: int = 24) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


class SandboxGateway:
    """In-process provider; deterministic ids derived from our idempotency keys."""

    name = "sandbox"

    def __init__(self, webhook_secret: str, *, auto_settle: bool = True, clock=time.time):
        self.webhook_secret = webhook_secret
        self.auto_settle = auto_settle
        self.clock = clock

    # -- money in and out -------------------------------------------------------------------
    def create_deposit(self, session: so.Session, request: PaymentRequest) -> GatewayResult:
        """A payment intent; settles at once unless the amount is the decline amount."""
        if request.amount % 100 == DECLINED_DEPOSIT_FEN:
            raise PaymentDeclined(DECLINE_CODE, provider_message=DECLINE_MESSAGE)
        obj = self._object(session, "payment_intent", "sbx_pi_", request)
        final = "succeeded"
        return self._settle(session, obj, ("payment_intent.processing", "payment_intent.succeeded"), final)

    def create_payout(self, session: so.Session, request: PaymentRequest) -> GatewayResult:
        """A payout; settles at once, failing when the amount ends in .13 yuan."""
        obj = self._object(session, "payout", "sbx_po_", request)
        if request.amount % 100 == FAILING_PAYOUT_FEN:
            return self._settle(session, obj, ("payout.created", "payout.failed"), "failed")
        return self._settle(session, obj, ("payout.created", "payout.paid"), "paid")

    def _object(self, session, object_type: str, prefix: str, request: PaymentRequest) -> SandboxObject:
        # Same idempotency key → same object, as a real provider does.
        object_id = prefix + _digest(request.idempotency_key)
        obj = session.get(SandboxObject, object_id)
        if obj is None:
            obj = SandboxObject(
                id=object_id,
                object_type=object_type,
                payment_id=request.payment_id,
                amount=request.amount,
                currency=request.currency.lower(),
                status="processing" if object_type == "payment_intent" else "pending",
            )
            session.add(obj)
            session.flush()
        return obj

    def _settle(self, session, obj: SandboxObject, event_types: tuple[str, ...], final: str) -> GatewayResult:
        if not self.auto_settle:
            return GatewayResult(obj.id, _STATUS[obj.status])
        if obj.settled_at is None:
            obj.status, obj.settled_at = final, utcnow()
            session.flush()
        deliveries = tuple(self.signed(self.event(obj, event_type)) for event_type in event_types)
        return GatewayResult(obj.id, _STATUS["processing"], deliveries=deliveries)

    # -- events -----------------------------------------------------------------------------
    def event(self, obj: SandboxObject, event_type: str, *, event_id: str | None = None) -> dict:
        """A Stripe-shaped event about one sandbox object (deterministic id per object and type)."""
        body = {
            "id": obj.id,
            "object": obj.object_type,
            "amount": obj.amount,
            "currency": obj.currency,
            "status": event_type.rsplit(".", 1)[-1],
            "metadata": {"payment_id": str(obj.payment_id)},
        }
        if event_type == "payout.failed":
            body.update(failure_code=PAYOUT_FAILURE_CODE, failure_message=PAYOUT_FAILURE_MESSAGE)
        return {
            "id": event_id or "evt_sbx_" + _digest(f"{obj.id}:{event_type}"),
            "object": "event",
            "type": event_type,
            "created": int(self.clock()),
            "data": {"object": body},
        }

    def signed(self, event: dict, *, timestamp: int | None = None) -> tuple[bytes, str]:
        """The event's JSON body and its Stripe-Signature header under the sandbox secret."""
        payload = json.dumps(event, separators=(",", ":")).encode()
        stamp = int(self.clock()) if timestamp is None else timestamp
        return payload, signature.sign(payload, self.webhook_secret, stamp)

    def parse_event(self, payload: bytes, signature_header: str | None) -> GatewayEvent:
        """Verify and parse an event signed with the sandbox's webhook secret."""
        return verified_event(payload, signature_header, self.webhook_secret, now=self.clock())

    # -- state and records ------------------------------------------------------------------
    def fetch(self, session: so.Session, kind: str, provider_id: str) -> GatewayResult:
        """The sandbox's current state of one object."""
        obj = session.get(SandboxObject, provider_id)
        if obj is None:
            raise NotFound(N_("The payment provider has no such object."))
        return GatewayResult(obj.id, _STATUS[obj.status])

    def settled_movements(
        self, session: so.Session, start: datetime, end: datetime
    ) -> list[ProviderMovement]:
        """Succeeded payment intents (+) and paid payouts (−) settled in [start, end)."""
        rows = session.scalars(
            sa.select(SandboxObject)
            .where(
                SandboxObject.settled_at >= start,
                SandboxObject.settled_at < end,
                SandboxObject.status.in_(("succeeded", "paid")),
            )
            .order_by(SandboxObject.settled_at)
        )
        return [
            ProviderMovement(
                obj.id, obj.amount if obj.object_type == "payment_intent" else -obj.amount, obj.settled_at
            )
            for obj in rows
        ]
