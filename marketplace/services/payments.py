"""Payments: validating amounts, creating deposits and withdrawals, and the status machine.

A payment's status only moves forward (created → processing → succeeded | failed | canceled);
an event that arrives late (a `processing` after `succeeded`) is recorded in the history and
changes nothing. One exception: a payout that succeeded can still fail, because a bank may
return a payout days after it was paid (Stripe then sends `payout.failed` after `payout.paid`).
Money moves at these moments, each through the ledger with a key derived from the payment, so a
redelivered event cannot move it twice:
- a deposit succeeds: `gateway_clearing` → the user's `wallet` (a fund deposit, `credited_owner`
  "fund": → the smart-city fund's `pool`; its user is the admin who made it);
- a payout is requested: `wallet` → `held`; it succeeds: `held` → `gateway_clearing`;
  it fails or is canceled: `held` → `wallet` (the money comes back);
  it fails after it succeeded: `gateway_clearing` → `wallet` (the bank sent the money back).
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import N_, Conflict, NotAllowed, ValidationFailed
from marketplace.models import FUND_ID, Payment, PaymentStatusChange, User, WebhookEvent
from marketplace.money import MoneyError, format_yuan, parse_yuan
from marketplace.pagination import FIRST_PAGE, Page, PageRequest, paginate, paginate_rows
from marketplace.payments.base import GatewayEvent
from marketplace.rules import provider_messages
from marketplace.rules.accounts import WALLET_ROLES
from marketplace.services import audit, ledger

FINAL_STATUSES = ("succeeded", "failed", "canceled")
_RANK = {"created": 0, "processing": 1, "succeeded": 2, "failed": 2, "canceled": 2}
# marketplace.money's reasons, as translatable sentences for the people who typed the amount.
_AMOUNT_MESSAGES = {
    "amount is required": N_("Enter an amount."),
    "amount may have at most 2 decimal places": N_("The amount may have at most 2 decimal places."),
    "amount must not be negative": N_("The amount must be greater than zero."),
    "amount must be greater than zero": N_("The amount must be greater than zero."),
    "amount is too large": N_("The amount is too large."),
}
_AMOUNT_FORMAT = N_('Enter the amount in yuan, such as "12500.00".')


def parse_amount(raw: object, *, limit: int, field: str = "amount") -> int:
    """Fen from a yuan string: positive, at most 2 decimals, not above the per-transaction limit."""
    try:
        fen = parse_yuan(raw, allow_zero=False)
    except MoneyError as error:
        message = _AMOUNT_MESSAGES.get(str(error), _AMOUNT_FORMAT)
        raise ValidationFailed(message, fields={field: [message]}) from None
    if fen > limit:
        raise ValidationFailed(
            N_("The amount may not exceed %(limit)s yuan per transaction."),
            fields={field: [N_("The amount is above the per-transaction limit.")]},
            limit=format_yuan(limit),
        )
    return fen


FUND_DEPOSITORS = ("admin",)
FUND_OWNER = ("fund", FUND_ID)


def _require_wallet_owner(user: User, kind: str, credited_owner: str | None) -> None:
    if credited_owner == "fund":
        if kind != "deposit" or user.role not in FUND_DEPOSITORS:
            raise NotAllowed(N_("Only an administrator deposits the fund's capital."))
    elif user.role not in WALLET_ROLES:
        raise NotAllowed(N_("Only SMEs and investors have a wallet."))


def payment_key(user: User, client_key: str | None) -> str:
    """Our unique key for a payment: the client's key scoped to the user, or a fresh one."""
    return f"user:{user.id}:{client_key}" if client_key else f"auto:{uuid.uuid4().hex}"


def create_payment(
    session: so.Session,
    user: User,
    kind: str,
    amount: int,
    *,
    idempotency_key: str,
    provider: str,
    limit: int,
    credited_owner: str | None = None,
) -> tuple[Payment, bool]:
    """A new deposit or payout (a payout holds its money at once); returns (payment, created).

    The same key with the same kind and amount returns the existing payment; with anything else
    it raises Conflict. A payout of more than the available balance raises InsufficientFunds.
    `credited_owner` "fund": a deposit into the fund's pool (admins only).
    """
    _require_wallet_owner(user, kind, credited_owner)
    if not 0 < amount <= limit:
        message = N_("The amount is out of range.")
        raise ValidationFailed(message, fields={"amount": [message]})
    existing = _by_key(session, idempotency_key)
    if existing is None:
        try:
            with session.begin_nested():  # a concurrent request with the same key loses only this
                payment = Payment(
                    user_id=user.id,
                    kind=kind,
                    amount=amount,
                    currency="CNY",
                    status="created",
                    provider=provider,
                    idempotency_key=idempotency_key,
                    credited_owner=credited_owner,
                )
                session.add(payment)
                session.flush()
        except sa.exc.IntegrityError:
            existing = _by_key(session, idempotency_key)
    if existing is not None:
        details = (existing.user_id, existing.kind, existing.amount, existing.credited_owner)
        if details != (user.id, kind, amount, credited_owner):
            raise Conflict(N_("This request was already made with different details."))
        return existing, False
    if kind == "payout":
        ledger.hold(
            session,
            user,
            amount,
            kind="withdrawal",
            idempotency_key=f"payment:{payment.id}:hold",
            reference=("payment", payment.id),
            actor=user,
        )
    _history(session, payment, "created", source="request")
    audit.record(
        session,
        actor=user,
        action=f"payment.{kind}_requested",
        object_type="payment",
        object_id=payment.id,
        payload={"amount": format_yuan(amount), "provider": provider}
        | ({"credited_owner": credited_owner} if credited_owner else {}),
    )
    return payment, True


def _by_key(session: so.Session, key: str) -> Payment | None:
    return session.scalar(
        sa.select(Payment).where(Payment.idempotency_key == key).execution_options(populate_existing=True)
    )


def _history(session, payment: Payment, status: str, *, source: str, applied: bool = True, note=None):
    session.add(
        PaymentStatusChange(
            payment_id=payment.id,
            status=status,
            source=source[:100],
            applied=applied,
            note=note[:500] if note else None,
        )
    )


def lock_payment(session: so.Session, payment_id: int) -> Payment | None:
    """The payment, re-read and locked for update (status changes are serialised per payment)."""
    return session.scalar(
        sa.select(Payment)
        .where(Payment.id == payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def apply_status(
    session: so.Session,
    payment: Payment,
    status: str,
    *,
    source: str,
    provider_id: str | None = None,
    note: str | None = None,
    provider_message: str | None = None,
    from_provider_event: bool = False,
) -> bool:
    """Move a locked payment forward to `status`, moving its money; False if it was too late.

    `note` is a failure code (marketplace.rules.provider_messages): a failed or canceled payment
    stores it as its failure, and pages translate it. `provider_message`, the provider's own
    words, goes only into the audit event. Only the provider's own event can fail a payout that
    succeeded (returned by the bank): a failure the platform infers, such as a refused request,
    never undoes a payout that was paid.
    """
    if provider_id and not payment.provider_id:
        payment.provider_id = provider_id
    if not _moves_forward(payment, status, from_provider_event):
        if status != payment.status:
            _history(
                session,
                payment,
                status,
                source=source,
                applied=False,
                note=provider_messages.LATE_EVENT,
            )
        return False
    previous, payment.status = payment.status, status
    if status in ("failed", "canceled"):
        payment.failure_message = (note or payment.failure_message or "")[:500] or None
    _move_money(session, payment, previous)
    _history(session, payment, status, source=source, note=note)
    payload = {"from": previous, "to": status, "source": source}
    if note:
        payload["failure_code"] = note
    if provider_message:
        payload["provider_message"] = provider_message[:500]
    audit.record(
        session,
        actor=None,
        action="payment.status",
        object_type="payment",
        object_id=payment.id,
        payload=payload,
    )
    return True


def _moves_forward(payment: Payment, status: str, from_provider_event: bool) -> bool:
    returned_by_bank = payment.kind == "payout" and payment.status == "succeeded" and status == "failed"
    if returned_by_bank and from_provider_event:  # see the module's docstring
        return True
    return _RANK[status] > _RANK[payment.status]


def _move_money(session: so.Session, payment: Payment, previous: str) -> None:
    owner, reference = ("user", payment.user_id), ("payment", payment.id)
    if payment.kind == "deposit" and payment.status == "succeeded":
        credited = (FUND_OWNER, "pool") if payment.credited_owner == "fund" else (owner, "wallet")
        ledger.transfer(
            session,
            source=ledger.platform_account(session, "gateway_clearing"),
            destination=ledger.account_id(session, *credited),
            amount=payment.amount,
            kind="deposit",
            idempotency_key=f"payment:{payment.id}:credit",
            reference=reference,
        )
    elif payment.kind == "payout" and payment.status == "succeeded":
        ledger.capture(
            session,
            owner,
            payment.amount,
            kind="payout_settled",
            destination=ledger.platform_account(session, "gateway_clearing"),
            idempotency_key=f"payment:{payment.id}:paid_out",
            reference=reference,
        )
    elif payment.kind == "payout" and payment.status == "failed" and previous == "succeeded":
        ledger.transfer(
            session,
            source=ledger.platform_account(session, "gateway_clearing"),
            destination=ledger.account_id(session, owner, "wallet"),
            amount=payment.amount,
            kind="payout_returned",
            idempotency_key=f"payment:{payment.id}:returned_by_bank",
            reference=reference,
        )
    elif payment.kind == "payout" and payment.status in ("failed", "canceled"):
        ledger.release(
            session,
            owner,
            payment.amount,
            kind="withdrawal_returned",
            idempotency_key=f"payment:{payment.id}:returned",
            reference=reference,
        )


def handle_event(session: so.Session, provider: str, event: GatewayEvent) -> str:
    """Apply a verified provider event once; returns the outcome stored with the event."""
    if session.scalar(
        sa.select(WebhookEvent.id).where(WebhookEvent.provider == provider, WebhookEvent.event_id == event.id)
    ):
        return "duplicate"
    record = WebhookEvent(
        provider=provider, event_id=event.id, event_type=event.type, outcome="received", payload=event.payload
    )
    try:
        with session.begin_nested():  # a concurrent delivery of the same event loses only this
            session.add(record)
            session.flush()
    except sa.exc.IntegrityError:
        return "duplicate"
    record.outcome = _apply_event(session, provider, event, record)
    return record.outcome


def _apply_event(session: so.Session, provider: str, event: GatewayEvent, record: WebhookEvent) -> str:
    if event.status is None:
        return "ignored"
    payment = _payment_for(session, provider, event)
    if payment is None:
        return "unknown_payment"
    record.payment_id = payment.id
    if (
        event.kind != payment.kind
        or event.amount != payment.amount
        or (event.currency or "").upper() != payment.currency
        or (payment.provider_id and event.provider_id != payment.provider_id)
    ):
        _history(
            session,
            payment,
            event.status,
            source=f"event {event.id}",
            applied=False,
            note=provider_messages.EVENT_MISMATCH,
        )
        return "mismatch"
    applied = apply_status(
        session,
        payment,
        event.status,
        source=f"event {event.id}",
        provider_id=event.provider_id,
        note=event.failure_code,
        provider_message=event.failure_message,
        from_provider_event=True,
    )
    return "applied" if applied else "stale"


def _payment_for(session: so.Session, provider: str, event: GatewayEvent) -> Payment | None:
    payment_id = event.payment_id
    if payment_id is None and event.provider_id:
        payment_id = session.scalar(
            sa.select(Payment.id).where(
                Payment.provider == provider, Payment.provider_id == event.provider_id
            )
        )
    payment = lock_payment(session, payment_id) if payment_id else None
    return payment if payment is not None and payment.provider == provider else None


def user_payments(session: so.Session, user: User, page: PageRequest = FIRST_PAGE) -> Page:
    """One page of the user's payments, newest first (the wallet's, not deposits into the fund)."""
    query = (
        sa.select(Payment)
        .where(Payment.user_id == user.id, Payment.credited_owner.is_(None))
        .order_by(Payment.id.desc())
    )
    return paginate(session, query, page)


def fund_deposits(session: so.Session, page: PageRequest = FIRST_PAGE) -> Page:
    """One page of the deposits into the fund's pool, newest first, as (payment, depositor's email)."""
    query = (
        sa.select(Payment, User.email)
        .join(User, User.id == Payment.user_id)
        .where(Payment.credited_owner == "fund")
        .order_by(Payment.id.desc())
    )
    return paginate_rows(session, query, page, tuple)
