"""Real threads against PostgreSQL: two `flask listings close-due` runs at once close each listing
once and pay each loan out once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.cli.listings import close_due
from marketplace.extensions import db
from marketplace.models import AuditEvent, Listing, Loan, Payment
from marketplace.models.base import as_utc
from marketplace.services import bids
from marketplace.services.unit_of_work import run
from tests.app_helpers import ready_sme
from tests.market_helpers import TODAY, YUAN, open_listing, ready_investor

pytestmark = pytest.mark.postgres

LISTINGS = 3
RUNNERS = 2


def test_two_runs_at_once_close_each_listing_once_and_pay_each_loan_once(app, client, users):
    sme = ready_sme(client)
    listings = [
        open_listing(client, users, sme=sme, share_bps=1000, amount="300000.00") for _ in range(LISTINGS)
    ]
    investors = [ready_investor(client, f"investor{n}@example.com", "500000.00")[0] for n in range(2)]
    for number, listing in enumerate(listings):
        for investor in investors:
            if number == LISTINGS - 1 and investor is investors[1]:
                continue  # the last listing gets ¥135,000 of ¥270,000: it fails
            run(
                db.session,
                lambda investor=investor, listing=listing: bids.place_bid(
                    db.session,
                    investor,
                    listing.id,
                    amount_fen=135_000 * YUAN,
                    min_rate_bps=1000,
                    today=TODAY,
                ),
            )
    now = max(as_utc(listing.closes_at) for listing in listings) + timedelta(minutes=1)
    db.session.commit()
    start = threading.Barrier(RUNNERS)
    reports, failures = [], []

    def runner():
        with app.app_context():
            start.wait()
            try:
                reports.append(close_due(now))
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                failures.append(repr(error))
            db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(RUNNERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == [] and len(reports) == RUNNERS
    closed_here = Counter(outcome.closed.listing_id for report in reports for outcome in report.closed)
    assert closed_here == Counter({listing.id: 1 for listing in listings})
    statuses = Counter(db.session.scalars(sa.select(Listing.status)))
    assert statuses == Counter({"funded": LISTINGS - 1, "failed": 1})
    events = db.session.scalars(
        sa.select(AuditEvent.object_id).where(AuditEvent.action == "listing.closed")
    ).all()
    assert sorted(events) == sorted(str(listing.id) for listing in listings) or sorted(events) == sorted(
        listing.id for listing in listings
    )
    loans = db.session.scalars(sa.select(Loan.id)).all()
    payouts = db.session.execute(
        sa.select(Payment.idempotency_key, Payment.status).where(Payment.kind == "payout")
    ).all()
    assert len(loans) == LISTINGS - 1 and len(payouts) == len(loans)
    assert {status for _, status in payouts} == {"succeeded"}
    assert {key.rsplit(":", 1)[1] for key, _ in payouts} == {f"loan-{loan_id}-payout" for loan_id in loans}
