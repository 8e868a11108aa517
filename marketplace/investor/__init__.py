"""The investor's area: wallet, listings, bids, portfolio."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from marketplace.extensions import db, login_manager
from marketplace.investor.dates import market_today
from marketplace.rules.appropriateness import RISK_CLASS_NAMES
from marketplace.services.dashboards import investor_steps, wallet_figures

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
    """The investor's home page: the wallet, the questionnaire, open listings and active bids."""
    user = current_user._get_current_object()
    return render_template(
        "investor/dashboard.html",
        wallet=wallet_figures(db.session, user),
        steps=investor_steps(db.session, user, today=market_today()),
        RISK_CLASS_NAMES=RISK_CLASS_NAMES,
    )


from marketplace.investor import autoinvest, bids, listings, routes  # noqa: E402,F401
