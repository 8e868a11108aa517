"""Concurrency on PostgreSQL with real threads, each with its own app context and session."""

import threading
import uuid

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.gateways import gateway
from marketplace.models import LedgerAccount, LedgerTransaction, Payment, User
from marketplace.services import ledger, payment_flows, unit_of_work

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("ledger_consistent")]
LIMIT = 1_000_000_00


def in_threads(app, count, work):
    """Run work(index) in `count` threads at once; return the exceptions they raised."""
    barrier = threading.Barrier(count)
    failures = []

    def run(index):
        with app.app_context():
            barrier.wait()
            try:
                work(index)
            except BaseException as error:  # collected and asserted on by the test
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    db.session.rollback()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_1000_concurrent_withdrawals_of_10_yuan_from_1000_yuan_pay_exactly_100(app, users):
    investor = users["investor"]
    payment_flows.deposit(db.session, gateway(), investor, 1000_00, limit=LIMIT)
    outcomes = {"paid": 0, "insufficient": 0}
    lock = threading.Lock()
    investor_id = investor.id  # read here: the threads must not touch this session's objects

    def withdraw_50_times(_):
        user = db.session.get(User, investor_id)
        for _ in range(50):
            try:
                outcome = payment_flows.withdraw(db.session, gateway(), user, 10_00, limit=LIMIT)
                assert outcome.payment.status == "succeeded"
                result = "paid"
            except ledger.InsufficientFunds as error:
                assert "Insufficient funds" in str(error)
                result = "insufficient"
            with lock:
                outcomes[result] += 1

    assert in_threads(app, 20, withdraw_50_times) == []
    assert outcomes == {"paid": 100, "insufficient": 900}
    assert ledger.balances(db.session, investor) == {"wallet": 0, "held": 0}
    paid = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Payment)
        .where(Payment.kind == "payout", Payment.status == "succeeded")
    )
    assert paid == 100


def test_opposite_transfers_between_two_accounts_never_deadlock(app):
    clearing = ledger.platform_account(db.session, "gateway_clearing")
    a = ledger.account_id(db.session, ("user", 1), "wallet")
    b = ledger.account_id(db.session, ("user", 2), "wallet")
    for account in (a, b):
        ledger.transfer(
            db.session,
            source=clearing,
            destination=account,
            amount=10_000_00,
            kind="deposit",
            idempotency_key=f"open-{account}",
        )
    db.session.commit()

    def shuttle(index):
        source, destination = (a, b) if index % 2 else (b, a)
        for _ in range(40):
            unit_of_work.run(
                db.session,
                lambda: ledger.transfer(
                    db.session,
                    source=source,
                    destination=destination,
                    amount=1_00,
                    kind="transfer",
                    idempotency_key=uuid.uuid4().hex,
                ),
            )

    assert in_threads(app, 12, shuttle) == []
    balances = db.session.scalars(sa.select(LedgerAccount.balance).where(LedgerAccount.id.in_([a, b]))).all()
    assert sorted(balances) == [10_000_00, 10_000_00]  # 6 threads each way, 40 × ¥1 each
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)) == 2 + 12 * 40


def test_transactions_posting_several_times_in_opposite_orders_never_deadlock(app):
    clearing = ledger.platform_account(db.session, "gateway_clearing")
    wallets = [ledger.account_id(db.session, ("user", n), "wallet") for n in (11, 12, 13)]
    for wallet in wallets:
        ledger.transfer(
            db.session,
            source=clearing,
            destination=wallet,
            amount=1_000_00,
            kind="deposit",
            idempotency_key=f"open-{wallet}",
        )
    db.session.commit()

    def rotate(index):
        order = wallets if index % 2 else wallets[::-1]
        for _ in range(15):

            def work():
                for source, destination in zip(order, order[1:], strict=False):
                    ledger.transfer(
                        db.session,
                        source=source,
                        destination=destination,
                        amount=1_00,
                        kind="transfer",
                        idempotency_key=uuid.uuid4().hex,
                    )

            unit_of_work.run(db.session, work, attempts=1)  # no retry: a deadlock would fail the test

    assert in_threads(app, 8, rotate) == []
    assert sum(ledger.balances(db.session, ("user", n))["wallet"] for n in (11, 12, 13)) == 3_000_00


def test_one_key_posted_from_ten_threads_is_one_transaction(app):
    clearing = ledger.platform_account(db.session, "gateway_clearing")
    wallet = ledger.account_id(db.session, ("user", 5), "wallet")
    db.session.commit()
    posted = []

    def post(_):
        posted.append(
            unit_of_work.run(
                db.session,
                lambda: ledger.transfer(
                    db.session,
                    source=clearing,
                    destination=wallet,
                    amount=5_00,
                    kind="deposit",
                    idempotency_key="the-one-key",
                ),
            )
        )

    assert in_threads(app, 10, post) == []
    assert len({p.id for p in posted}) == 1 and sum(not p.replayed for p in posted) == 1
    assert ledger.balances(db.session, ("user", 5))["wallet"] == 5_00


def test_racing_account_creation_opens_one_account(app):
    ids = []

    def open_account(_):
        ids.append(unit_of_work.run(db.session, lambda: ledger.account_id(db.session, ("user", 9), "held")))

    assert in_threads(app, 10, open_account) == []
    assert len(set(ids)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerAccount)) == 1


def test_ten_identical_withdrawals_at_once_pay_out_once(app, users):
    payment_flows.deposit(db.session, gateway(), users["investor"], 100_00, limit=LIMIT)
    investor_id = users["investor"].id
    payment_ids = []

    def withdraw(_):
        user = db.session.get(User, investor_id)
        outcome = payment_flows.withdraw(
            db.session, gateway(), user, 40_00, limit=LIMIT, idempotency_key="double-click"
        )
        payment_ids.append(outcome.payment.id)

    assert in_threads(app, 10, withdraw) == []
    assert len(set(payment_ids)) == 1
    assert ledger.balances(db.session, ("user", investor_id)) == {"wallet": 60_00, "held": 0}
    assert db.session.scalar(sa.select(Payment.status).where(Payment.id == payment_ids[0])) == "succeeded"


def test_a_database_error_on_the_postgresql_path_is_raised_as_sqlalchemys_and_writes_nothing(app):
    clearing = ledger.platform_account(db.session, "gateway_clearing")
    wallet = ledger.account_id(db.session, ("user", 21), "wallet")
    db.session.commit()
    blocker = db.engine.connect()  # another transaction holds the wallet's row lock
    blocker.execute(sa.text("SELECT id FROM ledger_accounts WHERE id = :id FOR UPDATE"), {"id": wallet})
    try:
        db.session.execute(sa.text("SET LOCAL lock_timeout = '100ms'"))
        with pytest.raises(sa.exc.OperationalError) as raised:
            ledger.transfer(
                db.session,
                source=clearing,
                destination=wallet,
                amount=1_00,
                kind="deposit",
                idempotency_key="blocked-once",
            )
        assert raised.value.orig.sqlstate == "55P03"  # lock_not_available: not retried by the unit of work
        assert not unit_of_work.is_retryable(raised.value)
        db.session.rollback()
    finally:
        blocker.rollback()
        blocker.close()
    keyed = (
        sa.select(sa.func.count())
        .select_from(LedgerTransaction)
        .where(LedgerTransaction.idempotency_key == "blocked-once")
    )
    assert db.session.scalar(keyed) == 0
    posted = unit_of_work.run(
        db.session,
        lambda: ledger.transfer(
            db.session,
            source=clearing,
            destination=wallet,
            amount=1_00,
            kind="deposit",
            idempotency_key="blocked-once",
        ),
    )
    assert not posted.replayed and db.session.scalar(keyed) == 1
    assert ledger.balances(db.session, ("user", 21))["wallet"] == 1_00


def test_a_lost_connection_on_the_postgresql_path_is_invalidated_and_the_next_posting_gets_a_new_one(app):
    clearing = ledger.platform_account(db.session, "gateway_clearing")
    wallet = ledger.account_id(db.session, ("user", 22), "wallet")
    db.session.commit()
    backend = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
    with db.engine.connect() as other:  # the server ends this session's connection
        other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    with pytest.raises(sa.exc.DBAPIError) as raised:
        ledger.transfer(
            db.session,
            source=clearing,
            destination=wallet,
            amount=1_00,
            kind="deposit",
            idempotency_key="after-a-lost-connection",
        )
    assert raised.value.connection_invalidated
    db.session.rollback()
    posted = unit_of_work.run(
        db.session,
        lambda: ledger.transfer(
            db.session,
            source=clearing,
            destination=wallet,
            amount=1_00,
            kind="deposit",
            idempotency_key="after-a-lost-connection",
        ),
    )
    assert not posted.replayed and ledger.balances(db.session, ("user", 22))["wallet"] == 1_00
    assert db.session.scalar(sa.text("SELECT pg_backend_pid()")) != backend
