"""The investor's area: wallet, listings, bids, portfolio."""

from flask import Blueprint, render_template

from marketplace.web import guard_blueprint

bp = Blueprint("investor", __name__)
guard_blueprint(bp, "investor")


@bp.get("/")
def dashboard():
    """The investor's home page."""
    return render_template("investor/dashboard.html")
