"""Reconciliation of the ledger's gateway_clearing movements with the sandbox's own records."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.gateways import gateway
from marketplace.models import SandboxObject
from marketplace.services import ledger, payment_flows
from marketplace.services.reconcile import reconcile

pytestmark = pytest.mark.usefixtures("ledger_consistent")
LIMIT = 1_000_000_00


def today_range():
    now = datetime.now(UTC)
    return now - timedelta(days=1), now + timedelta(days=1)


def test_settled_deposits_and_payouts_match(app, users):
    investor = users["investor"]
    payment_flows.deposit(db.session, gateway(), investor, 500_00, limit=LIMIT)
    payment_flows.withdraw(db.session, gateway(), investor, 200_00, limit=LIMIT)
    payment_flows.withdraw(db.session, gateway(), investor, 100_13, limit=LIMIT)  # fails: no money moves
    report = reconcile(db.session, gateway(), *today_range())
    assert report.ok and report.matched == 2
    assert report.ledger_total == report.provider_total == 300_00


def test_a_provider_record_missing_from_the_ledger_and_a_different_amount_are_reported(app, users):
    investor = users["investor"]
    payment_flows.deposit(db.session, gateway(), investor, 500_00, limit=LIMIT)
    db.session.add(
        SandboxObject(
            id="sbx_pi_stray",
            object_type="payment_intent",
            payment_id=999,
            amount=7_00,
            currency="cny",
            status="succeeded",
            settled_at=datetime.now(UTC),
        )
    )
    db.session.execute(
        sa.update(SandboxObject).where(SandboxObject.id != "sbx_pi_stray").values(amount=499_00)
    )
    db.session.commit()
    report = reconcile(db.session, gateway(), *today_range())
    reasons = {m.provider_id: (m.ledger_amount, m.provider_amount, m.reason) for m in report.mismatches}
    assert reasons["sbx_pi_stray"] == (None, 7_00, "settled at the provider, not in the ledger")
    (ours,) = [key for key in reasons if key != "sbx_pi_stray"]
    assert reasons[ours] == (500_00, 499_00, "amounts differ")


def test_ledger_clearing_movements_without_a_payment_are_reported(app, users):
    clearing = ledger.platform_account(db.session, "gateway_clearing")
    wallet = ledger.account_id(db.session, users["sme"], "wallet")
    ledger.transfer(
        db.session,
        source=clearing,
        destination=wallet,
        amount=3_00,
        kind="deposit",
        idempotency_key="manual-adjustment",
    )
    db.session.commit()
    report = reconcile(db.session, gateway(), *today_range())
    assert [(m.ledger_amount, m.reason[:42]) for m in report.mismatches] == [
        (3_00, "ledger movement without a provider payment")
    ]


def test_the_reconcile_command_prints_mismatches_and_exits_1(app, users, runner):
    payment_flows.deposit(db.session, gateway(), users["investor"], 50_00, limit=LIMIT)
    day = datetime.now(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).date().isoformat()
    ok = runner.invoke(args=["payments", "reconcile", "--date", day])
    assert ok.exit_code == 0 and "1 matched, 0 mismatched" in ok.output and "ledger 50.00" in ok.output
    db.session.add(
        SandboxObject(
            id="sbx_po_ghost",
            object_type="payout",
            payment_id=1,
            amount=9_00,
            currency="cny",
            status="paid",
            settled_at=datetime.now(UTC),
        )
    )
    db.session.commit()
    broken = runner.invoke(args=["payments", "reconcile", "--date", day])
    assert broken.exit_code == 1
    assert "MISMATCH sbx_po_ghost" in broken.output and "provider -9.00" in broken.output
    assert runner.invoke(args=["payments", "reconcile", "--date", "yesterday"]).exit_code == 2
    other_day = runner.invoke(args=["payments", "reconcile", "--date", "2001-01-01"])
    assert other_day.exit_code == 0 and "0 matched" in other_day.output


def test_sync_applies_the_providers_state_when_events_were_lost(app, users, runner):
    investor = users["investor"]
    payment_flows.deposit(db.session, gateway(), investor, 80_00, limit=LIMIT)
    sandbox = gateway()
    sandbox.auto_settle = False
    try:
        deposit = payment_flows.deposit(db.session, sandbox, investor, 50_00, limit=LIMIT).payment
        payout = payment_flows.withdraw(db.session, sandbox, investor, 30_00, limit=LIMIT).payment
    finally:
        sandbox.auto_settle = True
    assert (deposit.status, payout.status) == ("processing", "processing")
    assert ledger.balances(db.session, investor) == {"wallet": 50_00, "held": 30_00}
    for payment, status in ((deposit, "succeeded"), (payout, "failed")):
        db.session.execute(
            sa.update(SandboxObject)
            .where(SandboxObject.payment_id == payment.id)
            .values(status=status, settled_at=datetime.now(UTC))
        )
    db.session.commit()
    result = runner.invoke(args=["payments", "sync"])
    assert result.exit_code == 0, result.output
    assert f"payment {deposit.id}: provider says succeeded" in result.output
    assert f"payment {payout.id}: provider says failed" in result.output
    assert ledger.balances(db.session, investor) == {"wallet": 130_00, "held": 0}  # 80 + 50, the 30 returned
    assert "0 open payments checked" in runner.invoke(args=["payments", "sync"]).output
