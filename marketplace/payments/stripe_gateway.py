"""StripeGateway: PaymentIntents for money in, Payouts for money out (official `stripe` SDK).

Every POST carries an Idempotency-Key derived from our payment, so a retry after a timeout
can never charge twice. The SDK uses the `requests` HTTP client (tests mock it with
`responses`) and retries connection errors, 409 and 5xx itself; rate limits (429) are retried
here with the same key. Errors become domain errors: a card error is a declined payment with
the provider's code (its `decline_code`, else its `code`; people read our sentence for it,
marketplace.rules.provider_messages), an idempotency error a conflict, anything transient
"provider unavailable, nothing charged".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import sqlalchemy.orm as so
import stripe

from marketplace.domain_errors import N_
from marketplace.models.base import as_utc
from marketplace.payments.base import (
    GatewayEvent,
    GatewayResult,
    PaymentDeclined,
    PaymentRequest,
    ProviderConflict,
    ProviderMovement,
    ProviderRejected,
    ProviderUnavailable,
    verified_event,
)
from marketplace.rules import provider_messages

log = logging.getLogger(__name__)
T = TypeVar("T")
CURRENCY = "cny"  # fen are Stripe's minor units of CNY
_INTENT_STATUS = {
    "succeeded": "succeeded",
    "processing": "processing",
    "canceled": "canceled",
    "requires_payment_method": "created",
    "requires_confirmation": "created",
    "requires_action": "created",
    "requires_capture": "processing",
}
_UNAVAILABLE = N_("The payment provider is unavailable; nothing was charged. Please try again later.")
_PAYOUT_STATUS = {
    "pending": "processing",
    "in_transit": "processing",
    "paid": "succeeded",
    "failed": "failed",
    "canceled": "canceled",
}
# Balance transaction types that move our payments' money; the source names the charge or payout.
# `payout_failure` and `payout_cancel` bring a payout's money back to the balance (+).
_PAYMENT_MOVEMENTS = ("charge", "payment", "payout", "payout_failure", "payout_cancel")


class StripeGateway:
    """Stripe through the official SDK; amounts in fen, currency cny."""

    name = "stripe"

    def __init__(
        self,
        api_key: str,
        webhook_secret: str,
        *,
        max_network_retries: int = 2,
        rate_limit_retries: int = 2,
        retry_delay: float = 0.5,
        api_base: str | None = None,
    ):
        self.webhook_secret = webhook_secret
        self.rate_limit_retries = rate_limit_retries
        self.retry_delay = retry_delay
        self.client = stripe.StripeClient(
            api_key,
            http_client=stripe.RequestsClient(timeout=30),
            max_network_retries=max_network_retries,
            base_addresses={"api": api_base} if api_base else None,
        )

    def _call(self, operation: Callable[[], T]) -> T:
        """Run one SDK call, retrying rate limits, and translate Stripe's errors."""
        for attempt in range(self.rate_limit_retries + 1):
            try:
                return operation()
            except stripe.RateLimitError:
                if attempt == self.rate_limit_retries:
                    log.warning("stripe rate limit persisted after %s retries", attempt)
                    raise ProviderUnavailable(_UNAVAILABLE) from None
                time.sleep(self.retry_delay * 2**attempt)
            except stripe.CardError as error:
                detail = getattr(error, "error", None)
                code = provider_messages.failure_code(
                    getattr(detail, "decline_code", None), error.code, described=True
                )
                raise PaymentDeclined(code, provider_message=error.user_message) from None
            except stripe.StripeError as error:
                raise _translate(error) from None
        raise AssertionError("unreachable")

    def create_deposit(self, session: so.Session, request: PaymentRequest) -> GatewayResult:
        """A PaymentIntent; confirmed at once when a payment method is given."""
        params = {
            "amount": request.amount,
            "currency": CURRENCY,
            "description": request.description,
            "metadata": {"payment_id": str(request.payment_id)},
        }
        if request.payment_method:
            params.update(
                payment_method=request.payment_method,
                confirm=True,
                automatic_payment_methods={"enabled": True, "allow_redirects": "never"},
            )
        intent = self._call(
            lambda: self.client.v1.payment_intents.create(
                params, {"idempotency_key": request.idempotency_key}
            )
        )
        return _intent_result(intent)

    def create_payout(self, session: so.Session, request: PaymentRequest) -> GatewayResult:
        """A Payout from the platform's Stripe balance."""
        payout = self._call(
            lambda: self.client.v1.payouts.create(
                {
                    "amount": request.amount,
                    "currency": CURRENCY,
                    "description": request.description,
                    "metadata": {"payment_id": str(request.payment_id)},
                },
                {"idempotency_key": request.idempotency_key},
            )
        )
        return _payout_result(payout)

    def parse_event(self, payload: bytes, signature_header: str | None) -> GatewayEvent:
        """Verify the Stripe-Signature header with our endpoint secret and parse the event."""
        return verified_event(payload, signature_header, self.webhook_secret)

    def fetch(self, session: so.Session, kind: str, provider_id: str) -> GatewayResult:
        """Stripe's current state of a PaymentIntent or Payout."""
        if kind == "deposit":
            return _intent_result(self._call(lambda: self.client.v1.payment_intents.retrieve(provider_id)))
        return _payout_result(self._call(lambda: self.client.v1.payouts.retrieve(provider_id)))

    def settled_movements(
        self, session: so.Session, start: datetime, end: datetime
    ) -> list[ProviderMovement]:
        """Charges (+), payouts (−) and returned payouts (+): Stripe balance transactions in [start, end)."""
        params = {
            "created": {"gte": int(as_utc(start).timestamp()), "lt": int(as_utc(end).timestamp())},
            "limit": 100,
            "expand": ["data.source"],
        }
        listing = self._call(lambda: self.client.v1.balance_transactions.list(params))
        movements = []
        for entry in listing.auto_paging_iter():
            item = entry.to_dict()
            source = item.get("source")
            if source is None or item.get("type") not in _PAYMENT_MOVEMENTS:
                continue  # fees, adjustments, transfers: not payments of ours
            if isinstance(source, str):
                provider_id = source
            else:  # an expanded charge names its PaymentIntent, which is what we record
                provider_id = source.get("payment_intent") or source.get("id")
            movements.append(
                ProviderMovement(
                    provider_id, int(item["amount"]), datetime.fromtimestamp(item["created"], UTC)
                )
            )
        return movements


def _translate(error: stripe.StripeError) -> Exception:
    detail = getattr(error, "error", None)
    if isinstance(error, stripe.IdempotencyError) or getattr(detail, "type", None) == "idempotency_error":
        return ProviderConflict(N_("The payment provider saw this request before with other details."))
    if isinstance(error, stripe.APIConnectionError | stripe.APIError):
        log.warning("stripe unavailable: %s", error)
        return ProviderUnavailable(_UNAVAILABLE)
    log.error("stripe refused the request: %r", error)
    return ProviderRejected(N_("The payment provider refused the request; nothing was charged."))


def _intent_result(intent) -> GatewayResult:
    intent = intent.to_dict()
    error = intent.get("last_payment_error") or {}
    return GatewayResult(
        intent["id"],
        _INTENT_STATUS.get(intent["status"], "processing"),
        failure_message=error.get("message"),
        client_secret=intent.get("client_secret"),
        failure_code=provider_messages.failure_code(
            error.get("decline_code"), error.get("code"), described=bool(error)
        ),
    )


def _payout_result(payout) -> GatewayResult:
    payout = payout.to_dict()
    return GatewayResult(
        payout["id"],
        _PAYOUT_STATUS.get(payout["status"], "processing"),
        failure_message=payout.get("failure_message"),
        failure_code=provider_messages.failure_code(
            payout.get("failure_code"), described=bool(payout.get("failure_message"))
        ),
    )
