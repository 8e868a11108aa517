"""PostgreSQL's way of posting a ledger transaction: two pipelined round trips of prepared statements.

Every posting appends to the single hash-chained audit log, so postings run one at a time
under the chain's lock from the first statement until COMMIT; the time inside that lock is
what bounds the ledger's throughput. On PostgreSQL the posting therefore talks to the driver
(psycopg) directly: server-side prepared statements, no SQL compilation per call, and the
statements of each step sent together in one pipeline (libpq pipeline mode) instead of one
round trip each:

1. `lock`: take the chain lock, lock the accounts (`FOR UPDATE` in ascending id order), then
   read the newest audit link, look the idempotency key up and draw the transaction's id;
2. the caller answers a replay or checks the balances (pure rules in marketplace.services.ledger);
3. `write`: the transaction, its entries, the new balances and the audit event.

Everything runs in the caller's database transaction; COMMIT is the caller's. Driver errors
are raised as SQLAlchemy's, so `unit_of_work.run` retries deadlocks and serialization failures
whichever path raised them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

import psycopg
import sqlalchemy as sa
from psycopg.types.json import Json

from marketplace.services import audit

_LOCK_CHAIN = "SELECT pg_advisory_xact_lock(%s)"
_LOCK_ACCOUNTS = (
    "SELECT id, kind, balance, currency FROM ledger_accounts WHERE id = ANY(%s) ORDER BY id FOR UPDATE"
)
# Read after the chain lock is granted, in a statement of its own: under READ COMMITTED each
# statement sees what was committed before it began, so the previous holder's link is visible.
# The transaction's id is drawn here because the audit event names the transaction and its
# hash covers the name; a posting that is then refused leaves a gap in the ids, as any
# rolled-back insert does.
_READ_UNDER_LOCK = (
    "SELECT head.seq, head.hash, posted.id, posted.fingerprint,"
    " nextval('ledger_transactions_id_seq')"
    " FROM (SELECT 1) AS one"
    " LEFT JOIN (SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1) AS head ON true"
    " LEFT JOIN ledger_transactions AS posted ON posted.idempotency_key = %s"
)
# How the first step is named in an error (its three statements are sent together).
_LOCK_STEP = "\n".join((_LOCK_CHAIN, _LOCK_ACCOUNTS, _READ_UNDER_LOCK))
# One statement writes the transaction, its entries, the new balances and the audit event. The
# entries' foreign key is checked at the end of the statement, when the transaction row exists.
_WRITE = """
WITH posted AS (
    INSERT INTO ledger_transactions
        (id, kind, idempotency_key, fingerprint, reference_type, reference_id, memo, created_at)
    VALUES (%(id)s, %(kind)s, %(idempotency_key)s, %(fingerprint)s, %(reference_type)s,
            %(reference_id)s, %(memo)s, %(created_at)s)
), entries AS (
    INSERT INTO ledger_entries (transaction_id, account_id, amount, balance_after)
    SELECT %(id)s, leg.account_id, leg.amount, leg.balance_after
    FROM unnest(%(accounts)s::integer[], %(amounts)s::bigint[], %(balances)s::bigint[])
        AS leg(account_id, amount, balance_after)
), balances AS (
    UPDATE ledger_accounts AS account SET balance = leg.balance, version = account.version + 1
    FROM unnest(%(accounts)s::integer[], %(balances)s::bigint[]) AS leg(id, balance)
    WHERE account.id = leg.id
)
INSERT INTO audit_events
    (seq, occurred_at, actor_id, actor, action, object_type, object_id, payload, prev_hash, hash)
VALUES (%(seq)s, %(occurred_at)s, %(actor_id)s, %(actor)s, %(action)s, %(object_type)s,
        %(object_id)s, %(payload)s, %(prev_hash)s, %(hash)s)
"""


def applies_to(connection: sa.Connection) -> bool:
    """True on PostgreSQL through psycopg 3 (other drivers take the SQLAlchemy Core path)."""
    return connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg"


class Locked(NamedTuple):
    """What `lock` read while taking the locks."""

    existing: tuple[int, str] | None  # (id, fingerprint) of a transaction posted with the key
    accounts: dict[int, tuple[str, int, str]]  # id → (kind, balance, currency), locked
    chain_head: tuple[int, str] | None  # (seq, hash) of the newest audit event
    transaction_id: int


def lock(connection: sa.Connection, account_ids: list[int], idempotency_key: str) -> Locked:
    """Take the chain lock and the accounts' row locks; read what the posting decides on."""
    driver = _driver(connection)
    with _as_sqlalchemy_errors(connection, _LOCK_STEP), driver.pipeline():
        # Taken again by a transaction that already holds it: advisory locks nest, no wait.
        driver.execute(_LOCK_CHAIN, (audit.CHAIN_LOCK_KEY,), prepare=True)
        accounts = driver.execute(_LOCK_ACCOUNTS, (account_ids,), prepare=True)
        read = driver.execute(_READ_UNDER_LOCK, (idempotency_key,), prepare=True)
    head_seq, head_hash, posted_id, posted_fingerprint, transaction_id = read.fetchone()
    return Locked(
        existing=None if posted_id is None else (posted_id, posted_fingerprint),
        accounts={row[0]: row[1:] for row in accounts.fetchall()},
        chain_head=None if head_seq is None else (head_seq, head_hash),
        transaction_id=transaction_id,
    )


def write(
    connection: sa.Connection,
    locked: Locked,
    transaction: dict,
    balances_after: dict[int, int],
    amounts: dict[int, int],
    audit_link: dict,
) -> None:
    """Insert the transaction, its entries and the audit event; store the new balances."""
    accounts = list(amounts)
    with _as_sqlalchemy_errors(connection, _WRITE):
        _driver(connection).execute(
            _WRITE,
            {
                **transaction,
                **audit_link,
                "id": locked.transaction_id,
                "accounts": accounts,
                "amounts": [amounts[a] for a in accounts],
                "balances": [balances_after[a] for a in accounts],
                "payload": Json(audit_link["payload"]),
            },
            prepare=True,
        )


def _driver(connection: sa.Connection) -> psycopg.Connection:
    return connection.connection.driver_connection


@contextmanager
def _as_sqlalchemy_errors(connection: sa.Connection, statement: str) -> Iterator[None]:
    """Re-raise psycopg's errors as SQLAlchemy's DBAPIError family (what callers catch).

    A lost connection is invalidated, as SQLAlchemy does for its own statements, so that the
    pool replaces it instead of handing it out again.
    """
    try:
        yield
    except psycopg.Error as error:
        lost = connection.dialect.is_disconnect(error, _driver(connection), None)
        if lost:
            connection.invalidate(error)
        raise sa.exc.DBAPIError.instance(
            statement, None, error, psycopg.Error, connection_invalidated=lost, dialect=connection.dialect
        ) from error
