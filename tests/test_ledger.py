"""The ledger service: balanced postings, idempotency, holds, the consistency check, append-only rows."""

import pytest
import sqlalchemy as sa

from marketplace.domain_errors import Conflict
from marketplace.extensions import db
from marketplace.models import AuditEvent, LedgerAccount, LedgerEntry, LedgerTransaction
from marketplace.services import ledger
from marketplace.services.ledger_check import check

pytestmark = pytest.mark.usefixtures("ledger_consistent")
INVESTOR = ("user", 101)


def fund(owner, amount, key):
    clearing = ledger.platform_account(db.session, "gateway_clearing")
    wallet = ledger.account_id(db.session, owner, "wallet")
    posted = ledger.transfer(
        db.session, source=clearing, destination=wallet, amount=amount, kind="deposit", idempotency_key=key
    )
    db.session.commit()
    return posted


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_posting_writes_balanced_entries_balances_and_an_audit_event(app):
    posted = fund(INVESTOR, 500_00, "k1")
    assert ledger.balances(db.session, INVESTOR) == {"wallet": 500_00, "held": 0}
    entries = db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.transaction_id == posted.id)).all()
    assert sorted(e.amount for e in entries) == [-500_00, 500_00]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "ledger.posted"))
    assert event.object_id == str(posted.id) and event.payload["idempotency_key"] == "k1"


def test_replaying_a_key_with_the_same_legs_posts_nothing(app):
    first = fund(INVESTOR, 100_00, "same-key")
    again = fund(INVESTOR, 100_00, "same-key")
    assert again.id == first.id and again.replayed and not first.replayed
    assert count(LedgerTransaction) == 1
    assert ledger.balances(db.session, INVESTOR)["wallet"] == 100_00


def test_the_same_key_with_other_legs_is_a_conflict(app):
    fund(INVESTOR, 100_00, "same-key")
    with pytest.raises(Conflict):
        fund(INVESTOR, 200_00, "same-key")
    db.session.rollback()
    assert ledger.balances(db.session, INVESTOR)["wallet"] == 100_00


@pytest.mark.parametrize(
    ("legs", "message"),
    [
        ([(1, 100), (2, -99)], "sum to zero"),
        ([(1, 0), (2, 0)], "non-zero"),
        ([(1, 100)], "at least two"),
        ([(1, 100), (1, -100)], "at most once"),
        ([(1, 1.5), (2, -1.5)], "whole number"),
        ([(1, True), (2, -1)], "whole number"),
        ([(1, 100), (99_999, -100)], "does not exist"),
    ],
)
def test_postings_that_break_the_rules_are_refused(app, legs, message):
    ledger.platform_account(db.session, "gateway_clearing")
    ledger.platform_account(db.session, "revenue")
    db.session.commit()
    with pytest.raises(ledger.InvalidPosting, match=message):
        ledger.post(db.session, kind="broken", legs=legs, idempotency_key="bad")
    db.session.rollback()
    assert count(LedgerTransaction) == 0


def test_a_wallet_cannot_go_below_zero(app):
    fund(INVESTOR, 10_00, "k")
    other = ledger.account_id(db.session, ("user", 202), "wallet")
    with pytest.raises(ledger.InsufficientFunds, match="10.00 available, 10.01 requested"):
        ledger.transfer(
            db.session,
            source=ledger.account_id(db.session, INVESTOR, "wallet"),
            destination=other,
            amount=10_01,
            kind="transfer",
            idempotency_key="t",
        )
    db.session.rollback()
    assert ledger.balances(db.session, INVESTOR)["wallet"] == 10_00


def test_the_database_refuses_a_negative_wallet_even_without_the_service(app):
    wallet = ledger.account_id(db.session, INVESTOR, "wallet")
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(LedgerAccount).where(LedgerAccount.id == wallet).values(balance=-1))
    db.session.rollback()


def test_platform_clearing_may_go_negative(app):
    fund(INVESTOR, 1_00, "k")
    assert ledger.balances(db.session, ("platform", 0))["gateway_clearing"] == -1_00


def test_hold_release_and_capture_move_money_between_wallet_held_and_escrow(app):
    fund(INVESTOR, 1000_00, "k")
    escrow = ledger.account_id(db.session, ("listing", 7), "escrow")
    ledger.hold(db.session, INVESTOR, 600_00, idempotency_key="bid-1-hold")
    ledger.release(db.session, INVESTOR, 100_00, idempotency_key="bid-1-release")
    ledger.capture(db.session, INVESTOR, 450_00, destination=escrow, idempotency_key="bid-1-capture")
    db.session.commit()
    assert ledger.balances(db.session, INVESTOR) == {"wallet": 500_00, "held": 50_00}
    assert ledger.balances(db.session, ("listing", 7)) == {"escrow": 450_00}
    with pytest.raises(ledger.InsufficientFunds):
        ledger.release(db.session, INVESTOR, 50_01, idempotency_key="too-much")
    db.session.rollback()
    with pytest.raises(ledger.InsufficientFunds):
        ledger.hold(db.session, INVESTOR, 500_01, idempotency_key="too-much")
    db.session.rollback()


def test_account_kinds_are_checked_against_their_owner(app):
    with pytest.raises(ledger.InvalidPosting):
        ledger.account_id(db.session, ("listing", 1), "wallet")
    with pytest.raises(ledger.InvalidPosting):
        ledger.account_id(db.session, ("user", 1), "revenue")
    assert ledger.account_id(db.session, ("fund", 1), "pool") != ledger.account_id(
        db.session, ("fund", 1), "committed"
    )


def test_get_or_create_returns_the_same_account(app):
    first = ledger.account_id(db.session, INVESTOR, "wallet")
    db.session.commit()
    assert ledger.account_id(db.session, INVESTOR, "wallet") == first
    assert count(LedgerAccount) == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET amount = amount + 1",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_transactions SET kind = 'edited'",
        "DELETE FROM ledger_transactions",
    ],
)
def test_ledger_rows_are_never_updated_or_deleted(app, statement):
    fund(INVESTOR, 5_00, "k")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text(statement))
    db.session.rollback()


def test_the_check_reports_a_tampered_balance_and_an_unbalanced_transaction(app):
    fund(INVESTOR, 5_00, "k")
    assert check(db.session).ok
    wallet = ledger.account_id(db.session, INVESTOR, "wallet")
    db.session.execute(sa.update(LedgerAccount).where(LedgerAccount.id == wallet).values(balance=6_00))
    report = check(db.session)
    assert not report.ok
    assert any("cached balance 6.00 but its entries sum to 5.00" in p for p in report.problems)
    db.session.rollback()
    # An entry written behind the service's back (appending is allowed, so only the check sees it).
    db.session.execute(
        sa.insert(LedgerTransaction).values(
            id=99, kind="forged", idempotency_key="forged", fingerprint="x", created_at=sa.func.now()
        )
    )
    db.session.execute(
        sa.insert(LedgerEntry).values(transaction_id=99, account_id=wallet, amount=1, balance_after=501)
    )
    report = check(db.session)
    assert any("transaction 99: 1 entries summing to 0.01" in p for p in report.problems)
    db.session.rollback()


def test_flask_ledger_check_prints_the_report_and_exits_1_on_problems(app, runner):
    fund(INVESTOR, 5_00, "k")
    ok = runner.invoke(args=["ledger", "check"])
    assert ok.exit_code == 0 and "ok" in ok.output and "1 transactions" in ok.output
    wallet = ledger.account_id(db.session, INVESTOR, "wallet")
    db.session.execute(sa.update(LedgerAccount).where(LedgerAccount.id == wallet).values(balance=7_00))
    db.session.commit()
    broken = runner.invoke(args=["ledger", "check"])
    assert broken.exit_code == 1 and "cached balance 7.00" in broken.output
    db.session.execute(sa.update(LedgerAccount).where(LedgerAccount.id == wallet).values(balance=5_00))
    db.session.commit()
