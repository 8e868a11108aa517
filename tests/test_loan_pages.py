"""Pages after a listing closes: the admin's open listings and "close now", loan pages, the
portfolio, notifications and the bell."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Listing, Loan, Notification, Payment
from marketplace.models.base import as_utc
from marketplace.services import clearing
from marketplace.services.unit_of_work import run
from tests.helpers import login, make_user
from tests.market_helpers import listing_bid_in_full
from tests.test_list_queries import counted_statements


@pytest.fixture
def bid_listing(app, client, users):
    """An open ¥300,000 listing (fund 20 %) bid in full: alice ¥140,000 at 10 %, bob ¥100,000 at 12 %."""
    return listing_bid_in_full(client, users)


@pytest.fixture
def loan(bid_listing):
    listing, alice, bob = bid_listing
    closed = run(
        db.session,
        lambda: clearing.close_listing(db.session, None, listing.id, now=as_utc(listing.closes_at)),
    )
    return db.session.get(Loan, closed.loan_id), alice, bob


def signed_in(app, email):
    web = app.test_client()
    login(web, email)
    return web


def test_the_admin_sees_open_listings_with_their_bids_and_closes_one_after_confirming(
    admin_client, bid_listing
):
    listing, _, _ = bid_listing
    page = admin_client.get("/admin/listings").get_data(as_text=True)
    assert "¥240,000.00" in page and "¥300,000.00" in page  # bid total and amount
    assert f"/admin/listings/{listing.id}/close" in page

    confirm = admin_client.get(f"/admin/listings/{listing.id}/close")
    assert confirm.status_code == 200 and 'name="confirmed" value="yes"' in confirm.get_data(as_text=True)
    unconfirmed = admin_client.post(f"/admin/listings/{listing.id}/close", data={})
    assert unconfirmed.status_code == 302 and unconfirmed.location.endswith(
        f"/admin/listings/{listing.id}/close"
    )
    assert db.session.get(Listing, listing.id).status == "open"

    done = admin_client.post(
        f"/admin/listings/{listing.id}/close", data={"confirmed": "yes"}, follow_redirects=True
    )

    text = done.get_data(as_text=True)
    loan = db.session.scalar(sa.select(Loan))
    assert f"Listing #{listing.id} is funded: loan #{loan.id}." in text
    assert "No listing is open." in text
    assert db.session.scalar(sa.select(Payment.status).where(Payment.kind == "payout")) == "succeeded"
    again = admin_client.post(
        f"/admin/listings/{listing.id}/close", data={"confirmed": "yes"}, follow_redirects=True
    )
    assert "The listing is closed already." in again.get_data(as_text=True)
    assert admin_client.get("/admin/listings/999999/close").status_code == 404


def test_only_administrators_reach_the_listings_page(app, users, bid_listing):
    listing, _, _ = bid_listing
    web = signed_in(app, "fund_manager@example.com")
    assert web.get("/admin/listings").status_code == 403
    assert web.post(f"/admin/listings/{listing.id}/close", data={"confirmed": "yes"}).status_code == 403
    assert db.session.get(Listing, listing.id).status == "open"


def test_the_sme_reads_its_loan_from_its_application_and_dashboard(app, sme_client, loan):
    loan, _, _ = loan
    listing = db.session.get(Listing, loan.listing_id)
    application_page = sme_client.get(f"/sme/applications/{listing.application_id}").get_data(as_text=True)
    assert f"/loans/{loan.id}" in application_page
    assert "/loans/" in sme_client.get("/sme/").get_data(as_text=True)

    page = sme_client.get(f"/loans/{loan.id}").get_data(as_text=True)
    assert "¥300,000.00" in page and "12.00% a year" in page
    assert "Not started yet: the money is in the wallet." in page
    listing_page = sme_client.get("/loans/").get_data(as_text=True)
    assert f"Loan #{loan.id}" in listing_page


def test_other_people_cannot_read_the_loan_page(app, users, loan):
    loan, _, _ = loan
    make_user("sme", "other-sme@example.com")
    make_user("investor", "carol@example.com")
    for email in ("other-sme@example.com", "carol@example.com"):
        assert signed_in(app, email).get(f"/loans/{loan.id}").status_code == 403
    assert signed_in(app, "admin@example.com").get(f"/loans/{loan.id}").status_code == 403
    assert app.test_client().get(f"/loans/{loan.id}").status_code == 302  # to sign in


def test_fund_managers_and_regulators_list_every_loan(app, users, loan):
    loan, alice, _ = loan
    for email in ("fund_manager@example.com", "regulator@example.com"):
        web = signed_in(app, email)
        assert f"Loan #{loan.id}" in web.get("/loans/").get_data(as_text=True)
        detail = web.get(f"/loans/{loan.id}").get_data(as_text=True)
        assert f"#{alice.id}" in detail  # holders shown to those who may see them


def test_the_investor_portfolio_page(app, users, loan):
    loan, _, _ = loan
    web = signed_in(app, "alice@example.com")
    page = web.get("/loans/portfolio").get_data(as_text=True)
    assert "¥140,000.00" in page and f"Loan #{loan.id}" in page
    assert "Not yet: nothing has been received." in page
    assert signed_in(app, "sme@example.com").get("/loans/portfolio").status_code == 403


def test_the_bell_counts_unread_notifications_in_one_statement(app, client, users, loan):
    web = signed_in(app, "alice@example.com")
    page = web.get("/investor/").get_data(as_text=True)
    assert "Notifications: 1 unread" in page
    assert "notification-bell" not in client.get("/").get_data(as_text=True)  # visitors: no bell
    db.session.rollback()
    with counted_statements() as statements:
        web.get("/wallet/")
    bell = [s for s in statements if "notifications" in s.lower()]
    assert len(bell) == 1


def test_the_notifications_page_marks_one_read(app, users, loan):
    loan, alice, bob = loan
    web = signed_in(app, "alice@example.com")
    page = web.get("/notifications/").get_data(as_text=True)
    assert f"on listing #{loan.listing_id} was accepted: ¥140,000 at 12.00% a year." in page
    mine = db.session.scalar(sa.select(Notification.id).where(Notification.user_id == alice.id))
    done = web.post(f"/notifications/{mine}/read", follow_redirects=True)
    assert done.status_code == 200 and "Notifications: 1 unread" not in done.get_data(as_text=True)
    assert db.session.get(Notification, mine).read_at is not None

    bobs = db.session.scalar(sa.select(Notification.id).where(Notification.user_id == bob.id))
    assert web.post(f"/notifications/{bobs}/read").status_code == 403
    assert db.session.get(Notification, bobs).read_at is None
    assert web.post("/notifications/999999/read").status_code == 404


def test_pages_read_in_chinese(app, users, loan):
    loan, _, _ = loan
    users["sme"].locale = "zh_CN"
    db.session.commit()
    web = signed_in(app, "sme@example.com")
    page = web.get(f"/loans/{loan.id}").get_data(as_text=True)
    assert "Payout to the bank" not in page and "Outstanding principal" not in page


def test_notification_lists_load_in_a_constant_number_of_statements(app, users):
    from marketplace.services import notifications
    from tests.app_helpers import ApiUser
    from tests.test_list_queries import statements_for

    investor_id, email = users["investor"].id, users["investor"].email
    web = signed_in(app, email)
    api = ApiUser(app.test_client(), email)
    found = {}
    for rows in (3, 12):
        run(
            db.session,
            lambda rows=rows: notifications.notify(
                db.session,
                [
                    (investor_id, "bid_released", {"bid": n, "listing": 1, "released": 5_000})
                    for n in range(rows)
                ],
            ),
        )
        found[rows] = (
            statements_for(web, "/notifications/"),
            statements_for(api.client, "/api/v1/notifications", headers=api.headers),
        )
        db.session.execute(sa.delete(Notification))
        db.session.commit()
    assert found[3] == found[12]
