"""Loan pages: the SME's loans, an investor's loans and portfolio, every loan for fund managers and
regulators (what each may read is the service's rule: services/loans.py)."""

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.extensions import db
from marketplace.pagination import page_request
from marketplace.services import loans, portfolio
from marketplace.wallet.labels import STATUS_LABELS as PAYMENT_STATUS_LABELS
from marketplace.web import guard_blueprint

bp = Blueprint("loans", __name__)
guard_blueprint(bp, *loans.LOAN_READERS)

LOAN_STATUS_LABELS = {
    "current": _l("Current"),
    "late": _l("Late"),
    "defaulted": _l("Defaulted"),
    "repaid": _l("Repaid"),
    "written_off": _l("Written off"),
}
HOLDER_LABELS = {"fund": _l("Smart-city fund"), "investor": _l("Investor")}


def _labels() -> dict:
    return {
        "loan_status_labels": LOAN_STATUS_LABELS,
        "payment_status_labels": PAYMENT_STATUS_LABELS,
        "holder_labels": HOLDER_LABELS,
    }


@bp.get("/")
def loan_list():
    """The loans the signed-in user may read, newest first."""
    user = current_user._get_current_object()
    page = loans.loans_for(db.session, user, page_request(request.args))
    return render_template("loans/list.html", page=page, **_labels())


@bp.get("/<int:loan_id>")
def loan_detail(loan_id: int):
    """One loan: its terms, when it was disbursed, its payout and its parts."""
    detail = loans.readable_loan(db.session, current_user._get_current_object(), loan_id)
    return render_template("loans/detail.html", detail=detail, **_labels())


@bp.get("/portfolio")
def portfolio_page():
    """The investor's parts and totals."""
    if current_user.role != "investor":
        abort(403)
    found = portfolio.portfolio(
        db.session, current_user._get_current_object(), zone=current_app.config["BABEL_DEFAULT_TIMEZONE"]
    )
    return render_template("loans/portfolio.html", portfolio=found, **_labels())


@bp.app_template_global()
def loan_for_application(application_id: int) -> int | None:
    """The id of the loan an application became, if its listing funded (for a link to it)."""
    return loans.loan_id_for_application(db.session, application_id)
