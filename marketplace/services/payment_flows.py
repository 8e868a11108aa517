"""Deposits and withdrawals end to end: the one place that talks to a provider between commits.

Each step is its own unit of work, on purpose: the payment row (and for a withdrawal, the hold
on its money) is committed before the provider is asked, so a crash or a provider error never
leaves money moved without a record; the provider's answer is committed next; events the
sandbox delivers at once then go through the same webhook path as real ones (`receive_webhook`).
These functions therefore end their own transactions, unlike every other service, and are what
views, API handlers and commands call for payments (outside any open unit of work).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models import Payment, User
from marketplace.models.base import as_utc, utcnow
from marketplace.payments.base import (
    GatewayResult,
    PaymentDeclined,
    PaymentGateway,
    PaymentRequest,
    ProviderRejected,
    ProviderUnavailable,
)
from marketplace.rules import provider_messages
from marketplace.services import payments
from marketplace.services.unit_of_work import end_read, run

# Stored as the failure of a deposit `recover_stuck_payments` stops (its sentence is translated
# where shown). STUCK_MESSAGE is the name it had when the sentence itself was stored.
STUCK_CODE = STUCK_MESSAGE = provider_messages.PAYMENT_INTERRUPTED
STUCK_SOURCE = "stuck payment recovery"
# Stripe keeps an idempotency key for at least 24 hours; within that a repeated request answers
# with the object the first one made, so a stuck payout can be asked again without paying twice.
PROVIDER_KEY_WINDOW = timedelta(hours=23)


@dataclass(frozen=True)
class Outcome:
    """A payment after the request, and the client secret a browser needs to confirm a card."""

    payment: Payment
    created: bool
    client_secret: str | None = None


def deposit(
    session: so.Session,
    gateway: PaymentGateway,
    user: User,
    amount: int,
    *,
    limit: int,
    idempotency_key: str | None = None,
    payment_method: str | None = None,
) -> Outcome:
    """Ask the provider for money into the user's wallet (credited when the provider confirms)."""
    return _run(session, gateway, user, "deposit", amount, limit, idempotency_key, payment_method)


def fund_deposit(
    session: so.Session,
    gateway: PaymentGateway,
    admin: User,
    amount: int,
    *,
    limit: int,
    idempotency_key: str | None = None,
) -> Outcome:
    """Ask the provider for the fund's capital: the same deposit path, credited to the fund's pool
    (when the provider confirms) instead of a wallet; `admin` is the payment's user and actor."""
    return _run(
        session, gateway, admin, "deposit", amount, limit, idempotency_key, None, credited_owner="fund"
    )


def withdraw(
    session: so.Session,
    gateway: PaymentGateway,
    user: User,
    amount: int,
    *,
    limit: int,
    idempotency_key: str | None = None,
) -> Outcome:
    """Hold `amount` of the user's available money and ask the provider to pay it out."""
    return _run(session, gateway, user, "payout", amount, limit, idempotency_key, None)


def _run(
    session, gateway, user, kind, amount, limit, client_key, payment_method, credited_owner=None
) -> Outcome:
    key = payments.payment_key(user, client_key)
    payment, created = run(
        session,
        lambda: payments.create_payment(
            session,
            user,
            kind,
            amount,
            idempotency_key=key,
            provider=gateway.name,
            limit=limit,
            credited_owner=credited_owner,
        ),
    )
    if payment.provider_id or payment.is_final:
        return Outcome(payment, created)  # a replay: the provider has answered already
    request = _request_for(payment, payment_method)
    payment_id = payment.id
    try:
        result = run(session, lambda: _submit(session, gateway, request))
    except (PaymentDeclined, ProviderRejected) as error:
        # Refused outright: nothing was charged, a payout's money comes back at once.
        _settle(session, payment_id, "failed", source="provider refused", **_refusal(error))
        raise
    # On ProviderUnavailable it is unknown whether the provider acted: the payment stays open (a
    # payout stays held) until a retry with the same key, an event or `flask payments sync`.
    for payload, header in result.deliveries if result else ():
        receive_webhook(session, gateway, payload, header)
    return Outcome(
        session.get(Payment, payment_id, populate_existing=True),
        created,
        result.client_secret if result else None,
    )


def _refusal(error: PaymentDeclined | ProviderRejected) -> dict[str, str | None]:
    """The failure code to store for a refused request, and the provider's words for the audit."""
    if isinstance(error, PaymentDeclined):
        return {"note": error.failure_code, "provider_message": error.provider_message}
    return {"note": provider_messages.PROVIDER_REJECTED, "provider_message": None}


def _request_for(payment: Payment, payment_method: str | None = None) -> PaymentRequest:
    """What the provider is asked for `payment`: the same idempotency key every time."""
    return PaymentRequest(
        payment_id=payment.id,
        kind=payment.kind,
        amount=payment.amount,
        currency=payment.currency,
        idempotency_key=provider_key(payment),
        payment_method=payment_method,
        description=f"Sanhaojie {'deposit' if payment.kind == 'deposit' else 'withdrawal'} #{payment.id}",
    )


def provider_key(payment: Payment) -> str:
    """The Idempotency-Key sent to the provider: stable for the payment across retries."""
    digest = hashlib.sha256(payment.idempotency_key.encode()).hexdigest()[:32]
    return f"sanhaojie-{payment.kind}-{payment.id}-{digest}"


def _submit(session: so.Session, gateway: PaymentGateway, request: PaymentRequest) -> GatewayResult | None:
    # Locked first: of two identical requests racing (a double click), one asks the provider.
    payment = payments.lock_payment(session, request.payment_id)
    if payment.provider_id or payment.is_final:
        return None
    create = gateway.create_deposit if request.kind == "deposit" else gateway.create_payout
    result = create(session, request)
    payments.apply_status(
        session,
        payment,
        result.status,
        source="provider response",
        provider_id=result.provider_id,
        note=result.failure_code,
        provider_message=result.failure_message,
    )
    return result


def _settle(
    session,
    payment_id: int,
    status: str,
    *,
    source: str,
    note: str | None = None,
    provider_message: str | None = None,
) -> None:
    def work():
        payment = payments.lock_payment(session, payment_id)
        payments.apply_status(
            session, payment, status, source=source, note=note, provider_message=provider_message
        )

    run(session, work)


def receive_webhook(
    session: so.Session, gateway: PaymentGateway, payload: bytes, signature_header: str | None
) -> str:
    """Verify, store once and apply one provider event (the webhook endpoint's whole job)."""
    event = gateway.parse_event(payload, signature_header)
    return run(session, lambda: payments.handle_event(session, gateway.name, event))


def sync_open_payments(session: so.Session, gateway: PaymentGateway) -> list[tuple[int, str]]:
    """Ask the provider for the state of every open payment it knows of and apply it.

    For events that never arrived: returns (payment id, provider status) for each one asked.
    """
    open_payments = session.execute(
        sa.select(Payment.id, Payment.kind, Payment.provider_id)
        .where(
            Payment.status.in_(("created", "processing")),
            Payment.provider == gateway.name,
            Payment.provider_id.is_not(None),
        )
        .order_by(Payment.id)
    ).all()
    end_read(session)
    synced = []
    for payment_id, kind, provider_id in open_payments:
        state = gateway.fetch(session, kind, provider_id)
        _settle(
            session,
            payment_id,
            state.status,
            source="provider sync",
            note=state.failure_code,
            provider_message=state.failure_message,
        )
        synced.append((payment_id, state.status))
    return synced


@dataclass(frozen=True)
class StuckPayment:
    """A payment `recover_stuck_payments` dealt with, and how.

    `outcome`: "failed" (a deposit: nothing was held or charged), "resumed" (a payout asked of
    the provider again with its own key; `status` is the answer), "left" (the provider could not
    be reached; the next run asks again) or "manual" (older than the provider keeps its keys:
    only a person checking the provider's dashboard can tell whether it paid). `returned` is the
    held money given back to the wallet (fen).
    """

    id: int
    kind: str
    user_id: int
    amount: int
    created_at: datetime
    outcome: str
    status: str
    returned: int


def recover_stuck_payments(
    session: so.Session,
    gateway: PaymentGateway,
    *,
    older_than: timedelta,
    key_window: timedelta = PROVIDER_KEY_WINDOW,
    now: datetime | None = None,
) -> list[StuckPayment]:
    """Finish payments left `created` without a provider id for longer than `older_than`.

    Such a payment was committed, and a payout's money held, but the provider's answer never
    was: the process died or the database went away in between (docs/payments.md, "After a
    crash"). `sync_open_payments` cannot see it (it asks only about ids it knows). A deposit is
    failed: its payer never received the provider's confirmation, so nothing was charged. A payout
    may have been made by the provider before the crash, so its hold is never simply returned:
    it is asked of the provider again with the same idempotency key, which answers with the payout
    it made or makes it now; a refusal fails it and returns the hold through the ledger. A payout
    older than the provider keeps idempotency keys (`key_window`) is left for a person to check.
    A younger payment is left alone: its request may be talking to the provider right now. Each
    one is re-read under its lock, so one the provider answered meanwhile is skipped.
    """
    now = now or utcnow()
    cutoff = now - older_than
    candidates = session.scalars(
        sa.select(Payment.id)
        .where(
            Payment.status == "created",
            Payment.provider_id.is_(None),
            Payment.provider == gateway.name,
            Payment.created_at < cutoff,
        )
        .order_by(Payment.id)
    ).all()
    end_read(session)
    recovered = []
    for payment_id in candidates:
        outcome = _recover(session, gateway, payment_id, cutoff=cutoff, manual_before=now - key_window)
        if outcome is not None:
            recovered.append(outcome)
    return recovered


def _recover(session, gateway, payment_id: int, *, cutoff: datetime, manual_before: datetime):
    def stuck(payment: Payment) -> bool:
        return (
            payment is not None
            and payment.status == "created"
            and not payment.provider_id
            and (as_utc(payment.created_at) < cutoff)
        )

    def fail_deposit():
        payment = payments.lock_payment(session, payment_id)
        if not stuck(payment):
            return None
        payments.apply_status(session, payment, "failed", source=STUCK_SOURCE, note=STUCK_CODE)
        return _stuck_payment(payment, "failed", returned=0)

    first = session.get(Payment, payment_id)
    if first is None or not stuck(first):
        end_read(session)
        return None
    if first.kind == "deposit":
        end_read(session)
        return run(session, fail_deposit)
    if as_utc(first.created_at) < manual_before:
        found = _stuck_payment(first, "manual", returned=0)
        end_read(session)
        return found
    request = _request_for(first)
    end_read(session)
    try:
        result = run(session, lambda: _submit(session, gateway, request))
    except (PaymentDeclined, ProviderRejected) as error:
        _settle(session, payment_id, "failed", source=STUCK_SOURCE, **_refusal(error))
        payment = session.get(Payment, payment_id, populate_existing=True)
        return _stuck_payment(payment, "resumed", returned=payment.amount)
    except ProviderUnavailable:
        payment = session.get(Payment, payment_id, populate_existing=True)
        return _stuck_payment(payment, "left", returned=0)
    for payload, header in result.deliveries if result else ():
        receive_webhook(session, gateway, payload, header)
    payment = session.get(Payment, payment_id, populate_existing=True)
    returned = payment.amount if payment.status == "failed" else 0
    return _stuck_payment(payment, "resumed", returned=returned)


def _stuck_payment(payment: Payment, outcome: str, *, returned: int) -> StuckPayment:
    return StuckPayment(
        id=payment.id,
        kind=payment.kind,
        user_id=payment.user_id,
        amount=payment.amount,
        created_at=payment.created_at,
        outcome=outcome,
        status=payment.status,
        returned=returned,
    )
