"""The investor's area: wallet, listings, bids, portfolio."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from marketplace.extensions import db, login_manager
from marketplace.services.dashboards import wallet_figures

bp = Blueprint("investor", __name__)
# Fund managers and regulators read every listing on the investor's pages (without the bid form);
# the borrowing SME reads its own listing there (the service refuses anyone else's).
READ_ONLY_ENDPOINTS = {
    "investor.listings_page": ("fund_manager", "regulator"),
    "investor.listing_detail": ("fund_manager", "regulator", "sme"),
    "investor.application_listing": ("fund_manager", "regulator", "sme"),
}


@bp.before_request
def _require_role():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role != "investor" and current_user.role not in READ_ONLY_ENDPOINTS.get(
        request.endpoint, ()
    ):
        abort(403)
    return None


@bp.get("/")
def dashboard():
    """The investor's home page: the wallet at a glance."""
    return render_template(
        "investor/dashboard.html", wallet=wallet_figures(db.session, current_user._get_current_object())
    )


from marketplace.investor import bids, listings, routes  # noqa: E402,F401
