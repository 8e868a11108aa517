"""Payments at the provider, their status history, webhook events and API idempotency records."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models.base import Base, UTCDateTime, enum_check, utcnow

PAYMENT_KINDS = ("deposit", "payout")
# created: our row exists, the provider has not answered yet; terminal: succeeded, failed, canceled.
PAYMENT_STATUSES = ("created", "processing", "succeeded", "failed", "canceled")
PROVIDERS = ("sandbox", "stripe")
# Whose ledger a deposit credits when it is not its user's wallet: the smart-city fund's pool
# (an admin deposits the fund's capital; the admin is the payment's user and the audit actor).
CREDITED_OWNERS = ("fund",)


class Payment(Base):
    """Money in (deposit) or out (payout) through the payment provider, for one user."""

    __tablename__ = "payments"
    __table_args__ = (
        enum_check("kind", PAYMENT_KINDS),
        enum_check("status", PAYMENT_STATUSES),
        enum_check("provider", PROVIDERS),
        enum_check("credited_owner", CREDITED_OWNERS),  # NULL (the user's wallet) passes
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.UniqueConstraint("provider", "provider_id", name="uq_payments_provider_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(10))
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    currency: so.Mapped[str] = so.mapped_column(sa.String(3), default="CNY")
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default="created", index=True)
    provider: so.Mapped[str] = so.mapped_column(sa.String(10))
    provider_id: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(300), unique=True)
    failure_message: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    # None: the money is the user's (their wallet); "fund": a deposit into the fund's pool.
    credited_owner: so.Mapped[str | None] = so.mapped_column(sa.String(10), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    history: so.Mapped[list[PaymentStatusChange]] = so.relationship(
        back_populates="payment", order_by="PaymentStatusChange.id"
    )

    @property
    def is_final(self) -> bool:
        return self.status in ("succeeded", "failed", "canceled")


class PaymentStatusChange(Base):
    """One step of a payment's history, including events that arrived too late to matter."""

    __tablename__ = "payment_status_changes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    payment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("payments.id"), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(12))
    applied: so.Mapped[bool] = so.mapped_column(sa.Boolean, default=True)
    source: so.Mapped[str] = so.mapped_column(sa.String(100))
    note: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    occurred_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    payment: so.Mapped[Payment] = so.relationship(back_populates="history")


class WebhookEvent(Base):
    """A provider event, stored once by its id so that redelivery is acknowledged and ignored."""

    __tablename__ = "webhook_events"
    __table_args__ = (sa.UniqueConstraint("provider", "event_id", name="uq_webhook_events_provider_event"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    provider: so.Mapped[str] = so.mapped_column(sa.String(10))
    event_id: so.Mapped[str] = so.mapped_column(sa.String(100))
    event_type: so.Mapped[str] = so.mapped_column(sa.String(100))
    payment_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("payments.id"), index=True)
    outcome: so.Mapped[str] = so.mapped_column(sa.String(40))
    payload: so.Mapped[dict] = so.mapped_column(sa.JSON)
    received_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)


class SandboxObject(Base):
    """The sandbox provider's own record of a payment intent or payout (its side of reconciling)."""

    __tablename__ = "sandbox_objects"
    __table_args__ = (enum_check("object_type", ("payment_intent", "payout")),)

    id: so.Mapped[str] = so.mapped_column(sa.String(100), primary_key=True)
    object_type: so.Mapped[str] = so.mapped_column(sa.String(20))
    payment_id: so.Mapped[int] = so.mapped_column(sa.Integer, index=True)
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    currency: so.Mapped[str] = so.mapped_column(sa.String(3))
    status: so.Mapped[str] = so.mapped_column(sa.String(20))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    settled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime(), index=True)


class IdempotentRequest(Base):
    """The first response to an API request sent with an Idempotency-Key, replayed on retries
    (marketplace/api/idempotency.py; docs/payments.md, "After a crash")."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "key", name="uq_idempotent_requests_user_key"),
        enum_check("state", ("in_progress", "done")),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    key: so.Mapped[str] = so.mapped_column(sa.String(255))
    fingerprint: so.Mapped[str] = so.mapped_column(sa.String(64))
    state: so.Mapped[str] = so.mapped_column(sa.String(12), default="in_progress")
    response_status: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    response_body: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    # While in progress, the reservation belongs to the request running it until this moment; a
    # retry after it may take the reservation over (the process may have died). NULL: no lease
    # (rows written before leases existed), taken over like an expired one. The value is also the
    # holder's token: a request whose lease was taken over can no longer store or drop the row.
    leased_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
