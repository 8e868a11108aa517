"""The double-entry ledger: the only way money moves (docs/payments.md, "The ledger").

`post` writes one balanced transaction: it takes the audit chain's lock, then locks the touched
accounts (PostgreSQL `SELECT ... FOR UPDATE` in ascending id order, so two postings never wait
on each other in a cycle; SQLite runs one writer at a time because every transaction begins
IMMEDIATE), answers a replayed idempotency key with the first posting, refuses to overdraw a
wallet-type account, and writes the entries, the cached balances and the audit event in the
caller's database transaction. On PostgreSQL (psycopg 3) the statements go through the driver
in two pipelined round trips (marketplace.services.ledger_postgresql); elsewhere through
SQLAlchemy Core. Nothing here commits: callers run postings inside a unit of work
(`marketplace.services.unit_of_work`), which also retries deadlocks and serialization failures.
Amounts are integer fen; a positive entry adds money to an account, a negative one takes it away."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import N_, Conflict, InvalidState, ValidationFailed
from marketplace.models.base import utcnow
from marketplace.models.ledger import (
    CURRENCY,
    NON_NEGATIVE_KINDS,
    PLATFORM_OWNER_ID,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
)
from marketplace.money import format_yuan
from marketplace.services import audit, ledger_postgresql

Owner = tuple[str, int]
# Which kinds of account each type of owner may hold (docs/payments.md, "Account kinds and owners").
OWNER_KINDS = {
    "user": ("wallet", "held"),
    "listing": ("escrow",),
    "loan": ("receivable",),
    "loan_part": ("receivable",),
    "fund": ("pool", "committed"),
    "platform": ("revenue", "gateway_clearing"),
}
# Core tables for the hot path: plain INSERT/UPDATE statements, no ORM unit of work.
_ACCOUNTS = LedgerAccount.__table__
_TRANSACTIONS = LedgerTransaction.__table__
_ENTRIES = LedgerEntry.__table__
_KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_.]{0,39}$")


class InsufficientFunds(InvalidState):
    """A wallet-type account would go below zero."""

    code = "insufficient_funds"


class InvalidPosting(ValidationFailed):
    """The legs of a transaction break a ledger rule (unbalanced, zero, unknown account...)."""

    code = "invalid_posting"


@dataclass(frozen=True)
class Posted:
    """A posted (or replayed) transaction: its id and whether this call wrote it."""

    id: int
    kind: str
    idempotency_key: str
    replayed: bool


def owner_of(owner) -> Owner:
    """("user", id) for a User; an (owner_type, owner_id) pair is returned unchanged."""
    if isinstance(owner, tuple):
        return owner
    return ("user", owner.id)


def platform_account(session: so.Session, kind: str) -> int:
    """Id of the platform's account of this kind (`revenue`, `gateway_clearing`)."""
    return account_id(session, ("platform", PLATFORM_OWNER_ID), kind)


def account_id(session: so.Session, owner, kind: str) -> int:
    """Id of the owner's account of `kind`, created on first use (safe against racing creators)."""
    owner_type, owner_id = owner_of(owner)
    if kind not in OWNER_KINDS.get(owner_type, ()):
        raise InvalidPosting(N_("An owner of this type cannot hold this kind of account."))
    query = sa.select(LedgerAccount.id).where(
        LedgerAccount.owner_type == owner_type,
        LedgerAccount.owner_id == owner_id,
        LedgerAccount.kind == kind,
    )
    found = session.scalar(query)
    if found is not None:
        return found
    try:
        with session.begin_nested():  # a racing creator's row makes only this savepoint fail
            session.execute(
                sa.insert(LedgerAccount).values(
                    owner_type=owner_type,
                    owner_id=owner_id,
                    kind=kind,
                    currency=CURRENCY,
                    balance=0,
                    version=0,
                    created_at=utcnow(),
                )
            )
    except sa.exc.IntegrityError:
        pass
    return session.scalar(query)


def account_ids(session: so.Session, owner_type: str, owner_ids: Iterable[int], kind: str) -> dict[int, int]:
    """Ids of many owners' accounts of one kind, keyed by owner id; the missing ones are opened
    in one statement (a listing's thousands of bidders or loan parts, without a round trip each)."""
    if kind not in OWNER_KINDS.get(owner_type, ()):
        raise InvalidPosting(N_("An owner of this type cannot hold this kind of account."))
    wanted = sorted(set(owner_ids))
    query = sa.select(LedgerAccount.owner_id, LedgerAccount.id).where(
        LedgerAccount.owner_type == owner_type, LedgerAccount.owner_id.in_(wanted), LedgerAccount.kind == kind
    )
    found = dict(session.execute(query).all())
    missing = [owner_id for owner_id in wanted if owner_id not in found]
    if missing:
        now = utcnow()
        session.execute(
            sa.insert(LedgerAccount),
            [
                {"owner_type": owner_type, "owner_id": owner_id, "kind": kind, "currency": CURRENCY}
                | {"balance": 0, "version": 0, "created_at": now}
                for owner_id in missing
            ],
        )
        found = dict(session.execute(query).all())
    return found


def _validated_legs(kind: str, legs: Iterable[tuple[int, int]], key: str) -> list[tuple[int, int]]:
    if not isinstance(kind, str) or not _KIND_PATTERN.match(kind):
        raise InvalidPosting(N_("A transaction needs a kind of lower-case letters and underscores."))
    if not isinstance(key, str) or not 1 <= len(key) <= 200:
        raise InvalidPosting(N_("A transaction needs an idempotency key of 1 to 200 characters."))
    legs = sorted((int(account), amount) for account, amount in legs)
    if len(legs) < 2:
        raise InvalidPosting(N_("A transaction needs at least two entries."))
    if len({account for account, _ in legs}) != len(legs):
        raise InvalidPosting(N_("A transaction touches each account at most once."))
    for _, amount in legs:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
            raise InvalidPosting(N_("Every entry needs a non-zero whole number of fen."))
    if sum(amount for _, amount in legs) != 0:
        raise InvalidPosting(N_("The entries of a transaction must sum to zero."))
    return legs


def _fingerprint(kind: str, legs: list[tuple[int, int]], reference) -> str:
    body = json.dumps({"kind": kind, "legs": legs, "reference": list(reference or ())}, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def _lock_accounts(connection: sa.Connection, ids: list[int]) -> dict[int, tuple[str, int, str]]:
    """Current kind, balance and currency of each account, locked until the transaction ends."""
    query = (
        sa.select(LedgerAccount.id, LedgerAccount.kind, LedgerAccount.balance, LedgerAccount.currency)
        .where(LedgerAccount.id.in_(ids))
        .order_by(LedgerAccount.id)  # one global lock order: no deadlock between two postings
        .with_for_update()  # SQLite ignores it; its BEGIN IMMEDIATE already holds the write lock
    )
    return {row.id: (row.kind, row.balance, row.currency) for row in connection.execute(query)}


def balances_after(accounts: dict[int, tuple[str, int, str]], legs: list[tuple[int, int]]) -> dict[int, int]:
    """Each account's balance after the legs; refuses unknown or non-CNY accounts and overdrafts.

    `accounts` maps id → (kind, balance, currency) as locked; a pure rule, no database.
    """
    if len(accounts) != len(legs):
        raise InvalidPosting(N_("A transaction names an account that does not exist."))
    if any(currency != CURRENCY for _, _, currency in accounts.values()):
        raise InvalidPosting(N_("Every account of a transaction must be in CNY."))
    after = {}
    for account, amount in legs:
        account_kind, balance, _ = accounts[account]
        after[account] = balance + amount
        if after[account] < 0 and account_kind in NON_NEGATIVE_KINDS:
            raise InsufficientFunds(
                N_("Insufficient funds: %(available)s available, %(requested)s requested."),
                fields={"amount": [N_("Insufficient funds.")]},
                available=format_yuan(balance),
                requested=format_yuan(-amount),
            )
    return after


def post(
    session: so.Session,
    *,
    kind: str,
    legs: Sequence[tuple[int, int]],
    idempotency_key: str,
    reference: tuple[str, object] | None = None,
    memo: str | None = None,
    actor=None,
) -> Posted:
    """Post one balanced transaction in the caller's database transaction (not committed here).

    Replaying a key with the same legs returns the first transaction and writes nothing; the
    same key with other legs raises Conflict. Raises InsufficientFunds before writing anything
    if a wallet-type account would go below zero.
    """
    legs = _validated_legs(kind, legs, idempotency_key)
    reference = (reference[0], str(reference[1])) if reference else None
    fingerprint = _fingerprint(kind, legs, reference)
    transaction = {
        "kind": kind,
        "idempotency_key": idempotency_key,
        "fingerprint": fingerprint,
        "reference_type": reference[0] if reference else None,
        "reference_id": reference[1] if reference else None,
        "memo": memo,
        "created_at": utcnow(),
    }
    audit_event = {
        "actor": actor,
        "action": "ledger.posted",
        "object_type": "ledger_transaction",
        "payload": {
            "kind": kind,
            "idempotency_key": idempotency_key,
            "legs": [list(leg) for leg in legs],
            "reference": list(reference) if reference else None,
        },
    }
    # Lock order everywhere: the audit chain's lock, then the accounts in ascending id. Every
    # posting appends to the single audit chain, so postings are serialised by that lock in any
    # case; taking it first means that a transaction posting several times (an auction
    # clearing) never holds an account lock while it waits for the chain lock. Under that lock
    # the key look-up cannot race another posting of the same key.
    connection = session.connection()
    on_postgresql = ledger_postgresql.applies_to(connection)
    account_ids = [account for account, _ in legs]
    if on_postgresql:
        locked = ledger_postgresql.lock(connection, account_ids, idempotency_key)
        audit.note_chain_locked(session)
        existing, accounts = locked.existing, locked.accounts
    else:
        audit.lock_chain(session)
        existing = _posted_with_key(connection, idempotency_key)
        accounts = _lock_accounts(connection, account_ids)
    if existing is not None:  # a replay answers with the first posting, whatever the balances now
        if existing[1] != fingerprint:
            raise _key_conflict(idempotency_key)
        return Posted(existing[0], kind, idempotency_key, replayed=True)
    after = balances_after(accounts, legs)
    if on_postgresql:
        transaction_id = locked.transaction_id
        link = audit.next_link(locked.chain_head, object_id=transaction_id, **audit_event)
        ledger_postgresql.write(connection, locked, transaction, after, dict(legs), link)
    else:
        transaction_id = _write_with_core(session, connection, transaction, legs, after, audit_event)
    return Posted(transaction_id, kind, idempotency_key, replayed=False)


def _write_with_core(
    session: so.Session,
    connection: sa.Connection,
    transaction: dict,
    legs: list[tuple[int, int]],
    after: dict[int, int],
    audit_event: dict,
) -> int:
    transaction_id = connection.execute(
        sa.insert(_TRANSACTIONS).values(**transaction).returning(_TRANSACTIONS.c.id)
    ).scalar_one()
    # One statement each for all the entries and all the balances: fewer round trips.
    connection.execute(
        sa.insert(_ENTRIES).values(
            [
                {
                    "transaction_id": transaction_id,
                    "account_id": account,
                    "amount": amount,
                    "balance_after": after[account],
                }
                for account, amount in legs
            ]
        )
    )
    connection.execute(
        sa.update(_ACCOUNTS)
        .where(_ACCOUNTS.c.id.in_(list(after)))
        .values(balance=sa.case(after, value=_ACCOUNTS.c.id), version=_ACCOUNTS.c.version + 1)
    )
    audit.record(session, object_id=transaction_id, **audit_event)
    return transaction_id


def _posted_with_key(connection: sa.Connection, key: str):
    return connection.execute(
        sa.select(LedgerTransaction.id, LedgerTransaction.fingerprint).where(
            LedgerTransaction.idempotency_key == key
        )
    ).first()


def _key_conflict(key: str) -> Conflict:
    return Conflict(N_("The idempotency key %(key)s was already used for a different transaction."), key=key)


def transfer(
    session: so.Session,
    *,
    source: int,
    destination: int,
    amount: int,
    kind: str,
    idempotency_key: str,
    reference=None,
    actor=None,
    memo=None,
) -> Posted:
    """Move `amount` fen (> 0) from one account to another."""
    _require_positive(amount)
    return post(
        session,
        kind=kind,
        legs=[(source, -amount), (destination, amount)],
        idempotency_key=idempotency_key,
        reference=reference,
        actor=actor,
        memo=memo,
    )


def hold(
    session: so.Session,
    owner,
    amount: int,
    *,
    idempotency_key: str,
    reference=None,
    actor=None,
    kind: str = "hold",
) -> Posted:
    """Reserve money: the owner's `wallet` → `held` (a bid, a pending withdrawal)."""
    return transfer(
        session,
        source=account_id(session, owner, "wallet"),
        destination=account_id(session, owner, "held"),
        amount=amount,
        kind=kind,
        idempotency_key=idempotency_key,
        reference=reference,
        actor=actor,
    )


def release(
    session: so.Session,
    owner,
    amount: int,
    *,
    idempotency_key: str,
    reference=None,
    actor=None,
    kind: str = "release",
) -> Posted:
    """Give reserved money back: the owner's `held` → `wallet`."""
    return transfer(
        session,
        source=account_id(session, owner, "held"),
        destination=account_id(session, owner, "wallet"),
        amount=amount,
        kind=kind,
        idempotency_key=idempotency_key,
        reference=reference,
        actor=actor,
    )


def capture(
    session: so.Session,
    owner,
    amount: int,
    *,
    destination: int,
    idempotency_key: str,
    reference=None,
    actor=None,
    kind: str = "capture",
) -> Posted:
    """Spend reserved money: the owner's `held` → `destination` (a listing's escrow, a payout)."""
    return transfer(
        session,
        source=account_id(session, owner, "held"),
        destination=destination,
        amount=amount,
        kind=kind,
        idempotency_key=idempotency_key,
        reference=reference,
        actor=actor,
    )


def _require_positive(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidPosting(N_("The amount must be a positive whole number of fen."))


def balances(session: so.Session, owner) -> dict[str, int]:
    """Balance of each of the owner's accounts by kind (accounts not yet opened read 0)."""
    owner_type, owner_id = owner_of(owner)
    rows = session.execute(
        sa.select(LedgerAccount.kind, LedgerAccount.balance).where(
            LedgerAccount.owner_type == owner_type, LedgerAccount.owner_id == owner_id
        )
    )
    found = {kind: balance for kind, balance in rows}
    return {kind: found.get(kind, 0) for kind in OWNER_KINDS[owner_type]}
