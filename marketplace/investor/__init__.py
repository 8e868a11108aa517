"""The investor's area: wallet, listings, bids, portfolio."""

from flask import Blueprint, render_template
from flask_login import current_user

from marketplace.extensions import db
from marketplace.services.dashboards import wallet_figures
from marketplace.web import guard_blueprint

bp = Blueprint("investor", __name__)
guard_blueprint(bp, "investor")


@bp.get("/")
def dashboard():
    """The investor's home page: the wallet at a glance."""
    return render_template(
        "investor/dashboard.html", wallet=wallet_figures(db.session, current_user._get_current_object())
    )


from marketplace.investor import routes  # noqa: E402,F401
