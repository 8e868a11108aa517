"""Real threads against PostgreSQL: fifty investors bid and cancel while the listing closes."""

from __future__ import annotations

import random
import threading

import pytest
import sqlalchemy as sa

from marketplace.domain_errors import DomainError
from marketplace.extensions import db
from marketplace.models import Bid, LedgerAccount, Listing, Loan, LoanPart, User
from marketplace.models.base import utcnow
from marketplace.services import bids, clearing
from marketplace.services.unit_of_work import run
from tests.market_helpers import TODAY, YUAN, open_listing, ready_investor

pytestmark = pytest.mark.postgres

INVESTORS = 50
DEPOSIT = 20_000 * YUAN


def snapshot_problems() -> list[str]:
    """In one consistent snapshot: every investor's held money equals their active bids."""
    connection = db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    held = dict(
        connection.execute(
            sa.select(LedgerAccount.owner_id, LedgerAccount.balance).where(
                LedgerAccount.owner_type == "user", LedgerAccount.kind == "held"
            )
        ).all()
    )
    active = dict(
        connection.execute(
            sa.select(Bid.investor_id, sa.func.sum(Bid.amount_fen))
            .where(Bid.status == "active")
            .group_by(Bid.investor_id)
        ).all()
    )
    negative = connection.scalar(
        sa.select(sa.func.count())
        .select_from(LedgerAccount)
        .where(LedgerAccount.kind.in_(("wallet", "held")), LedgerAccount.balance < 0)
    )
    db.session.rollback()
    problems = [
        f"investor {i}: held {held.get(i, 0)} != active {active.get(i, 0)}"
        for i in set(held) | set(active)
        if held.get(i, 0) != active.get(i, 0)
    ]
    return problems + ([f"{negative} negative balances"] if negative else [])


def test_bids_cancellations_and_two_closers_at_once_keep_the_money_straight(app, client, users):
    listing = open_listing(client, users, share_bps=1000, amount="1000000.00")  # P = ¥900,000
    investor_ids = [
        ready_investor(client, f"investor{n}@example.com", "20000.00")[0].id for n in range(INVESTORS)
    ]
    admin_id, listing_id = users["admin"].id, listing.id
    db.session.commit()
    start = threading.Barrier(INVESTORS + 3)
    done = threading.Event()
    # The closers start once a few bids are in, so that closing races the bids still coming.
    first_bids, bids_in = threading.Event(), []
    closings, problems, errors = [], [], []

    def bidder(number: int, investor_id: int):
        chance = random.Random(number)  # noqa: S311 - a reproducible test schedule
        with app.app_context():
            start.wait()  # before any connection is taken: the pool has fewer than the threads
            investor = db.session.get(User, investor_id)
            placed = []
            for _ in range(3):
                try:
                    amount = chance.randint(1, 100) * 50 * YUAN
                    rate = chance.randint(800, 1500)
                    bid = run(
                        db.session,
                        lambda amount=amount, rate=rate: bids.place_bid(
                            db.session,
                            investor,
                            listing_id,
                            amount_fen=amount,
                            min_rate_bps=rate,
                            today=TODAY,
                        ),
                    )
                    placed.append(bid.id)
                    bids_in.append(bid.id)
                    if len(bids_in) >= 10:
                        first_bids.set()
                    if number % 5 == 0 and placed:
                        run(db.session, lambda: bids.cancel_bid(db.session, investor, placed.pop(0)))
                except DomainError as error:  # the listing closed under us, or the wallet ran dry
                    db.session.rollback()
                    errors.append(type(error).__name__)
            db.session.remove()

    def closer():
        with app.app_context():
            start.wait()
            first_bids.wait(timeout=60)
            admin = db.session.get(User, admin_id)
            try:
                closings.append(
                    run(
                        db.session,
                        lambda: clearing.close_listing(
                            db.session, admin, listing_id, now=utcnow(), early=True
                        ),
                    )
                )
            except DomainError as error:
                db.session.rollback()
                closings.append(type(error).__name__)
            db.session.remove()

    def checker():
        with app.app_context():
            start.wait()
            while not done.is_set():
                problems.extend(snapshot_problems())
            db.session.remove()

    threads = [threading.Thread(target=bidder, args=(n, i)) for n, i in enumerate(investor_ids)]
    threads += [threading.Thread(target=closer) for _ in range(2)]
    watcher = threading.Thread(target=checker)
    for thread in [*threads, watcher]:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    watcher.join(timeout=60)

    assert problems == []
    assert snapshot_problems() == []
    closed = [c for c in closings if isinstance(c, clearing.ClosedListing)]
    assert len(closed) == 1, closings  # the other waited, then found it closed already
    assert closings.count("InvalidState") == 1
    assert set(errors) <= {"InvalidState", "InsufficientFunds"}
    listing = db.session.get(Listing, listing_id)
    assert listing.status in ("funded", "failed")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid)) > 0  # bids raced the closing
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid).where(Bid.status == "active")) == 0
    loans = db.session.scalars(sa.select(Loan)).all()
    assert len(loans) == (1 if listing.status == "funded" else 0)
    for loan in loans:
        assert loan.amount_fen <= listing.amount_fen
        parts = db.session.scalar(
            sa.select(sa.func.sum(LoanPart.principal_fen)).where(LoanPart.loan_id == loan.id)
        )
        assert parts == loan.amount_fen
    # Nothing lost or created: each investor's money is in the wallet or in accepted loan parts.
    for investor_id in investor_ids:
        balances = dict(
            db.session.execute(
                sa.select(LedgerAccount.kind, LedgerAccount.balance).where(
                    LedgerAccount.owner_type == "user", LedgerAccount.owner_id == investor_id
                )
            ).all()
        )
        lent = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(LoanPart.principal_fen), 0)).where(
                LoanPart.investor_id == investor_id
            )
        )
        assert balances["wallet"] + balances["held"] + lent == DEPOSIT
