"""Stateful property test: any sequence of money operations keeps the ledger consistent.

Deposits, withdrawals (paid out or failed), holds, releases, captures, declined deposits and
replays run against the real services and database; after every step the ledger check holds,
every balance matches a simple model, and no money is created or destroyed: what the users and
the escrow hold equals what came in minus what was paid out, mirrored by the clearing account.
"""

import itertools
import uuid

import pytest
import sqlalchemy as sa
from flask import current_app
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from marketplace.extensions import db
from marketplace.gateways import gateway
from marketplace.models import SandboxObject, User
from marketplace.payments.base import PaymentDeclined
from marketplace.services import ledger, payment_flows, unit_of_work
from marketplace.services.ledger_check import check

LIMIT = 1_000_000_00
_examples = itertools.count()
amounts = st.builds(lambda yuan, fen: yuan * 100 + fen, st.integers(0, 3000), st.sampled_from([1, 50, 99]))


class LedgerMachine(RuleBasedStateMachine):
    """One example: two fresh users and one listing escrow, driven through the services."""

    def __init__(self):
        super().__init__()
        number = next(_examples)
        self.users = []
        for role in ("investor", "sme"):
            user = User(
                email=f"sm{number}-{role}@example.com", name=role, role=role, password_hash="x", locale="en"
            )
            db.session.add(user)
            db.session.flush()
            self.users.append(user)
        db.session.commit()
        self.user_ids = [user.id for user in self.users]
        self.escrow_owner = ("listing", 10_000 + number)
        self.escrow = ledger.account_id(db.session, self.escrow_owner, "escrow")
        db.session.commit()
        self.expected = {uid: {"wallet": 0, "held": 0} for uid in self.user_ids}
        self.escrowed = 0
        self.money_in = self.money_out = 0
        self.holds: list[list[int]] = []  # [user index, amount still held]
        self.paid_payouts: list[tuple[int, str, int]] = []  # (user index, provider id, amount)
        self.clearing_start = ledger.balances(db.session, ("platform", 0))["gateway_clearing"]

    def user(self, index):
        return db.session.get(User, self.user_ids[index])

    @rule(who=st.integers(0, 1), amount=amounts)
    def deposit(self, who, amount):
        outcome = payment_flows.deposit(db.session, gateway(), self.user(who), amount, limit=LIMIT)
        assert outcome.payment.status == "succeeded"
        self.expected[self.user_ids[who]]["wallet"] += amount
        self.money_in += amount

    @rule(who=st.integers(0, 1), yuan=st.integers(1, 500))
    def declined_deposit(self, who, yuan):
        with pytest.raises(PaymentDeclined):
            payment_flows.deposit(db.session, gateway(), self.user(who), yuan * 100 + 2, limit=LIMIT)

    @rule(who=st.integers(0, 1), amount=amounts, replays=st.integers(1, 2))
    def replayed_deposit(self, who, amount, replays):
        key = uuid.uuid4().hex
        for _ in range(replays + 1):
            payment_flows.deposit(
                db.session, gateway(), self.user(who), amount, limit=LIMIT, idempotency_key=key
            )
        self.expected[self.user_ids[who]]["wallet"] += amount
        self.money_in += amount

    @rule(who=st.integers(0, 1), yuan=st.integers(0, 3000), fail=st.booleans())
    def withdraw(self, who, yuan, fail):
        amount = yuan * 100 + (13 if fail else 50)  # ¥x.13 payouts fail in the sandbox
        balances = self.expected[self.user_ids[who]]
        if amount > balances["wallet"]:
            with pytest.raises(ledger.InsufficientFunds):
                payment_flows.withdraw(db.session, gateway(), self.user(who), amount, limit=LIMIT)
            return
        outcome = payment_flows.withdraw(db.session, gateway(), self.user(who), amount, limit=LIMIT)
        assert outcome.payment.status == ("failed" if fail else "succeeded")
        if not fail:
            balances["wallet"] -= amount
            self.money_out += amount
            self.paid_payouts.append((who, outcome.payment.provider_id, amount))

    @precondition(lambda self: self.paid_payouts)
    @rule(data=st.data(), redeliveries=st.integers(0, 1))
    def bank_returns_a_paid_payout(self, data, redeliveries):
        who, provider_id, amount = self.paid_payouts.pop(
            data.draw(st.integers(0, len(self.paid_payouts) - 1))
        )
        sandbox = gateway()
        obj = db.session.get(SandboxObject, provider_id)
        for attempt in range(redeliveries + 1):  # the news again under a new event id moves nothing
            payload, header = sandbox.signed(
                sandbox.event(obj, "payout.failed", event_id=f"evt_{attempt}_{obj.id}")
            )
            assert payment_flows.receive_webhook(db.session, sandbox, payload, header) == (
                "applied" if attempt == 0 else "stale"
            )
        self.expected[self.user_ids[who]]["wallet"] += amount
        self.money_out -= amount

    @rule(who=st.integers(0, 1), amount=amounts)
    def hold(self, who, amount):
        balances = self.expected[self.user_ids[who]]
        owner = ("user", self.user_ids[who])
        work = lambda: ledger.hold(db.session, owner, amount, idempotency_key=uuid.uuid4().hex)  # noqa: E731
        if amount > balances["wallet"]:
            with pytest.raises(ledger.InsufficientFunds):
                unit_of_work.run(db.session, work)
            return
        unit_of_work.run(db.session, work)
        balances["wallet"] -= amount
        balances["held"] += amount
        self.holds.append([who, amount])

    @precondition(lambda self: self.holds)
    @rule(data=st.data())
    def release(self, data):
        index = data.draw(st.integers(0, len(self.holds) - 1))
        who, held = self.holds[index]
        amount = data.draw(st.integers(1, held))
        unit_of_work.run(
            db.session,
            lambda: ledger.release(
                db.session, ("user", self.user_ids[who]), amount, idempotency_key=uuid.uuid4().hex
            ),
        )
        self._unhold(index, amount)
        self.expected[self.user_ids[who]]["wallet"] += amount

    @precondition(lambda self: self.holds)
    @rule(data=st.data())
    def capture(self, data):
        index = data.draw(st.integers(0, len(self.holds) - 1))
        who, held = self.holds[index]
        amount = data.draw(st.integers(1, held))
        unit_of_work.run(
            db.session,
            lambda: ledger.capture(
                db.session,
                ("user", self.user_ids[who]),
                amount,
                destination=self.escrow,
                idempotency_key=uuid.uuid4().hex,
            ),
        )
        self._unhold(index, amount)
        self.escrowed += amount

    def _unhold(self, index, amount):
        who = self.holds[index][0]
        self.expected[self.user_ids[who]]["held"] -= amount
        self.holds[index][1] -= amount
        if not self.holds[index][1]:
            self.holds.pop(index)

    @invariant()
    def ledger_is_consistent_and_conserves_money(self):
        db.session.rollback()
        report = check(db.session)
        assert report.ok, report.problems
        actual = {uid: ledger.balances(db.session, ("user", uid)) for uid in self.user_ids}
        assert actual == self.expected
        assert ledger.balances(db.session, self.escrow_owner)["escrow"] == self.escrowed
        held_by_users = sum(b["wallet"] + b["held"] for b in actual.values())
        assert held_by_users + self.escrowed == self.money_in - self.money_out
        clearing = ledger.balances(db.session, ("platform", 0))["gateway_clearing"]
        assert clearing - self.clearing_start == self.money_out - self.money_in

    def teardown(self):
        db.session.rollback()


def test_any_sequence_of_money_operations_keeps_the_ledger_consistent(app):
    assert current_app.extensions["payment_gateway"].name == "sandbox"
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(max_examples=20, stateful_step_count=15, deadline=None, database=None),
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) > 0
