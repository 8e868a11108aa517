"""The investor's bids on the web: the bid form on a listing's page, "my bids" with lower and cancel."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.domain_errors import N_, DomainError, NotAllowed, NotFound
from marketplace.extensions import db
from marketplace.i18n import lazy_labels
from marketplace.investor import bp
from marketplace.investor.dates import market_today
from marketplace.investor.forms import ActionForm, BidForm, LowerBidForm
from marketplace.investor.listings import detail_page_context
from marketplace.models import Bid
from marketplace.pagination import page_request
from marketplace.services import bids, questionnaires, unit_of_work
from marketplace.web import run_button, translate_error

BID_STATUS_LABELS = lazy_labels(
    {
        "active": N_("Active"),
        "cancelled": N_("Cancelled"),
        "accepted": N_("Accepted"),
        "partly_accepted": N_("Partly accepted"),
        "released": N_("Released"),
    }
)
BID_SOURCE_LABELS = lazy_labels({"manual": N_("Manual"), "auto": N_("Automatic")})


@bp.context_processor
def _bid_labels() -> dict:
    return {"BID_STATUS_LABELS": BID_STATUS_LABELS, "BID_SOURCE_LABELS": BID_SOURCE_LABELS}


def _user():
    return current_user._get_current_object()


def run_refusable(form, action) -> tuple[object | None, int]:
    """Run a form's action as one unit of work; a refusal (a closed listing, a grade one's risk
    class forbids, too little money) is shown on the form with its own status, 404 raised."""
    if not form.validate_on_submit():
        return None, (422 if request.method == "POST" else 200)
    try:
        return unit_of_work.run(db.session, action), 200
    except DomainError as error:
        if error.http_status == 404:
            raise
        message, fields = translate_error(error)
        shown = False
        for name, messages in fields.items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = list(field.errors) + messages
                shown = True
        if not shown:
            flash(message, "danger")
        return None, error.http_status


def listing_page(listing_id: int, form: BidForm | None = None, status: int = 200):
    """The listing's page; investors get the bid form and their questionnaire's standing."""
    context = detail_page_context(listing_id)
    if _user().role == bids.BIDDING_ROLE:
        context["bid_form"] = form or BidForm()
        context["questionnaire"] = questionnaires.valid_result(db.session, _user(), today=market_today())
    return render_template("investor/listing.html", **context), status


@bp.get("/listings/<int:listing_id>")
def listing_detail(listing_id: int):
    """One listing: the enterprise in brief, grade and reasons, funding, the bid-rate histogram
    (and, for investors, the bid form)."""
    return listing_page(listing_id)


@bp.post("/listings/<int:listing_id>/bids")
def place_bid(listing_id: int):
    """Bid from the listing's page: amount in yuan, minimum rate in basis points."""
    form = BidForm()
    placed, status = run_refusable(
        form,
        lambda: bids.place_bid(
            db.session,
            _user(),
            listing_id,
            amount_fen=form.amount.data,
            min_rate_bps=form.min_rate_bps.data,
            today=market_today(),
        ),
    )
    if placed is not None:
        flash(_("Your bid is placed; its amount is held until the listing closes."), "success")
        return redirect(url_for("investor.listing_detail", listing_id=listing_id))
    return listing_page(listing_id, form, status)


def bids_page(lower_form: LowerBidForm | None = None, lower_id: int | None = None, status: int = 200):
    """The investor's bids, newest first, with lower and cancel on the active ones."""
    found = bids.investor_bids(db.session, _user(), page=page_request(request.args))
    return (
        render_template(
            "investor/bids.html",
            bids=found,
            lower_form=lower_form or LowerBidForm(formdata=None),
            lower_id=lower_id,
            action=ActionForm(),
        ),
        status,
    )


@bp.get("/bids")
def my_bids():
    """My bids: manual and automatic, their status and what the auction accepted."""
    return bids_page()


@bp.post("/bids/<int:bid_id>/lower")
def lower_bid(bid_id: int):
    """Lower an active bid's amount; the difference goes back to the wallet."""
    form = LowerBidForm()
    lowered, status = run_refusable(
        form, lambda: bids.lower_bid(db.session, _user(), bid_id, amount_fen=form.amount.data)
    )
    if lowered is not None:
        flash(_("Bid #%(id)s lowered.", id=bid_id), "success")
        return redirect(url_for("investor.my_bids"))
    return bids_page(form, bid_id, status)


def _own_bid(bid_id: int) -> Bid:
    bid = db.session.get(Bid, bid_id)
    if bid is None:
        raise NotFound(N_("No such bid."))
    if bid.investor_id != _user().id:
        raise NotAllowed(N_("This bid is not yours."))
    return bid


@bp.get("/bids/<int:bid_id>/cancel")
def cancel_confirm(bid_id: int):
    """Ask before cancelling a bid (works without JavaScript)."""
    return render_template("investor/cancel_confirm.html", bid=_own_bid(bid_id), action=ActionForm())


@bp.post("/bids/<int:bid_id>/cancel")
def cancel_bid(bid_id: int):
    """Cancel an active bid, only from its confirmation page; the money goes back to the wallet."""
    if request.form.get("confirmed") != "yes":
        _own_bid(bid_id)
        return redirect(url_for("investor.cancel_confirm", bid_id=bid_id))
    if run_button(ActionForm(), lambda: bids.cancel_bid(db.session, _user(), bid_id)) is not None:
        flash(_("Bid #%(id)s cancelled; its money is back in your wallet.", id=bid_id), "success")
    return redirect(url_for("investor.my_bids"))
