"""The fund manager's area: review queue, decisions, fund policy."""

from flask import Blueprint, render_template
from flask_login import current_user

from marketplace.extensions import db
from marketplace.services.dashboards import fund_manager_figures
from marketplace.web import guard_blueprint

bp = Blueprint("fund", __name__)
guard_blueprint(bp, "fund_manager")


@bp.get("/")
def dashboard():
    """The fund manager's home page: the review work waiting."""
    figures = fund_manager_figures(db.session, current_user._get_current_object())
    return render_template("fund/dashboard.html", figures=figures)


from marketplace.credit import register_report_card  # noqa: E402
from marketplace.fund import routes  # noqa: E402,F401

register_report_card(bp)
