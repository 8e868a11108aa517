"""The double-entry ledger: accounts, transactions and their entries (amounts in fen)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models.base import Base, UTCDateTime, enum_check, utcnow

# The kinds of account each owner may hold (docs/payments.md, "Account kinds and owners").
ACCOUNT_KINDS = (
    "wallet",  # investor or SME: available money
    "held",  # investor or SME: reserved by bids and pending withdrawals
    "escrow",  # listing: captured bids until disbursement
    "receivable",  # loan part: principal owed to its holder
    "pool",  # fund: uncommitted money
    "committed",  # fund: money promised to listings
    "revenue",  # platform: fees earned
    "gateway_clearing",  # platform: money in flight at the payment provider
)
# Wallet-type accounts hold real money of one owner and can never be overdrawn.
NON_NEGATIVE_KINDS = ("wallet", "held", "pool")
# Polymorphic owners: later features (listings, loans, the fund) own accounts by type and id.
OWNER_TYPES = ("user", "listing", "loan", "loan_part", "fund", "platform")
PLATFORM_OWNER_ID = 0
CURRENCY = "CNY"


class LedgerAccount(Base):
    """One account of one owner; `balance` caches the sum of its entries."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        sa.UniqueConstraint("owner_type", "owner_id", "kind", name="uq_ledger_accounts_owner_kind"),
        enum_check("kind", ACCOUNT_KINDS),
        enum_check("owner_type", OWNER_TYPES),
        sa.CheckConstraint(f"currency = '{CURRENCY}'", name="currency_cny"),
        sa.CheckConstraint(
            "kind NOT IN ({}) OR balance >= 0".format(", ".join(f"'{k}'" for k in NON_NEGATIVE_KINDS)),
            name="wallet_type_not_negative",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    owner_type: so.Mapped[str] = so.mapped_column(sa.String(20))
    owner_id: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    currency: so.Mapped[str] = so.mapped_column(sa.String(3), default=CURRENCY)
    balance: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    version: so.Mapped[int] = so.mapped_column(sa.Integer, default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<LedgerAccount {self.id} {self.owner_type}:{self.owner_id} {self.kind}>"


class LedgerTransaction(Base):
    """A balanced set of entries posted at once; never updated or deleted (append-only)."""

    __tablename__ = "ledger_transactions"
    __table_args__ = (sa.Index("ix_ledger_transactions_reference", "reference_type", "reference_id"),)

    id: so.Mapped[int] = so.mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    # SHA-256 of the legs, kind and reference: a replay must match it exactly.
    fingerprint: so.Mapped[str] = so.mapped_column(sa.String(64))
    reference_type: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    reference_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    memo: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, index=True)

    entries: so.Mapped[list[LedgerEntry]] = so.relationship(
        back_populates="transaction", order_by="LedgerEntry.id", viewonly=True
    )


class LedgerEntry(Base):
    """One signed amount on one account; `balance_after` is the account's balance after it."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.CheckConstraint("amount <> 0", name="amount_not_zero"),
        sa.UniqueConstraint("transaction_id", "account_id", name="uq_ledger_entries_transaction_account"),
        sa.Index("ix_ledger_entries_account_id_id", "account_id", "id"),
    )

    id: so.Mapped[int] = so.mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    transaction_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("ledger_transactions.id"))
    account_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("ledger_accounts.id"))
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    balance_after: so.Mapped[int] = so.mapped_column(sa.BigInteger)

    transaction: so.Mapped[LedgerTransaction] = so.relationship(back_populates="entries")
