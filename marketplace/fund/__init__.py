"""The fund manager's area: review queue, decisions, fund policy."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from marketplace.extensions import db, login_manager
from marketplace.services.dashboards import fund_manager_figures

bp = Blueprint("fund", __name__)
# Regulators read the fund's figures and policy (the policy page shows them no form).
READ_ONLY_ENDPOINTS = {"fund.fund_overview": ("regulator",), "fund.fund_policy": ("regulator",)}


@bp.before_request
def _require_role():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role != "fund_manager" and current_user.role not in READ_ONLY_ENDPOINTS.get(
        request.endpoint, ()
    ):
        abort(403)
    return None


@bp.get("/")
def dashboard():
    """The fund manager's home page: the review work waiting."""
    figures = fund_manager_figures(db.session, current_user._get_current_object())
    return render_template("fund/dashboard.html", figures=figures)


from marketplace.credit import register_report_card  # noqa: E402
from marketplace.fund import fund_pages, routes  # noqa: E402,F401

register_report_card(bp)
