"""Admin: the open listings with their closing time and bids, and closing one now (asked again on
a page of its own, no JavaScript needed), as `flask listings close-due` closes a due one."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.admin import bp
from marketplace.domain_errors import DomainError
from marketplace.extensions import db
from marketplace.gateways import gateway
from marketplace.models import Listing
from marketplace.models.base import utcnow
from marketplace.pagination import page_request
from marketplace.services import clearing, loans
from marketplace.sme.forms import ActionForm
from marketplace.web import raise_access_error, translate_error


@bp.get("/listings")
def listings():
    """Open listings, the first to close first, with their bid totals."""
    page = clearing.open_listings(db.session, page_request(request.args))
    return render_template("admin/listings.html", page=page)


@bp.get("/listings/<int:listing_id>/close")
def close_listing_confirm(listing_id: int):
    """Ask before closing a listing ahead of its time."""
    listing = db.get_or_404(Listing, listing_id)
    return render_template("admin/listing_close.html", listing=listing, action=ActionForm())


@bp.post("/listings/<int:listing_id>/close")
def close_listing(listing_id: int):
    """Close the listing now (after the confirmation page) and start its loan's payout."""
    if request.form.get("confirmed") != "yes":
        return redirect(url_for("admin.close_listing_confirm", listing_id=listing_id))
    if not ActionForm().validate_on_submit():
        flash(_("The form expired; please try again."), "danger")
        return redirect(url_for("admin.close_listing_confirm", listing_id=listing_id))
    admin = current_user._get_current_object()
    try:
        outcome = loans.close_and_pay_out(db.session, gateway(), admin, listing_id, now=utcnow(), early=True)
    except DomainError as error:
        raise_access_error(error)
        flash(translate_error(error)[0], "danger")
        return redirect(url_for("admin.listings"))
    flash(_closed_message(outcome), "success" if outcome and outcome.closed.status == "funded" else "info")
    return redirect(url_for("admin.listings"))


def _closed_message(outcome) -> str:
    if outcome is None:
        return _("The listing is closed already.")
    closed = outcome.closed
    if closed.status == "failed":
        return _(
            "Listing #%(id)s closed below its minimum fill; every bid was released.", id=closed.listing_id
        )
    message = _("Listing #%(id)s is funded: loan #%(loan)s.", id=closed.listing_id, loan=closed.loan_id)
    if outcome.payout is not None and outcome.payout.left_in_wallet:
        message += " " + _("The payout to the SME's bank did not go through; the money stays in its wallet.")
    return message
