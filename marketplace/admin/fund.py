"""Admin: the smart-city fund's capital, deposited through the payment gateway into its pool."""

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from marketplace.admin import bp
from marketplace.domain_errors import DomainError, ValidationFailed
from marketplace.extensions import db
from marketplace.forms_base import CheckedForm
from marketplace.gateways import gateway
from marketplace.i18n import money, stored_message
from marketplace.pagination import page_request
from marketplace.services import fund, ledger, payment_flows, payments
from marketplace.wallet.labels import STATUS_LABELS
from marketplace.web import apply_error_to_form, translate_error


def _amount_rule(form, field):
    try:
        field.fen = payments.parse_amount(field.data, limit=fund.MAX_DEPOSIT_FEN)
    except ValidationFailed as error:
        raise ValidationError(translate_error(error)[1]["amount"][0]) from None


class FundDepositForm(CheckedForm):
    """An amount in yuan and a one-time key: submitting the same form twice deposits once."""

    amount = StringField(_l("Amount (yuan)"), validators=[DataRequired(), Length(max=32), _amount_rule])
    idempotency_key = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])
    submit = SubmitField(_l("Deposit into the fund"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted() or not self.idempotency_key.data:
            self.idempotency_key.data = uuid.uuid4().hex


def _page(form=None, status=200):
    return render_template(
        "admin/fund.html",
        form=form or FundDepositForm(),
        balances=ledger.balances(db.session, fund.FUND),
        deposits=payments.fund_deposits(db.session, page_request(request.args)),
        status_labels=STATUS_LABELS,
        limit=fund.MAX_DEPOSIT_FEN,
    ), status


@bp.get("/fund")
def fund_page():
    """The fund's pool and committed money, the deposit form and the fund's recent deposits."""
    return _page()


@bp.post("/fund")
def fund_deposit():
    """Deposit fund capital through the gateway (the sandbox settles at once)."""
    form = FundDepositForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        outcome = payment_flows.fund_deposit(
            db.session,
            gateway(),
            current_user._get_current_object(),
            form.amount.fen,
            limit=fund.MAX_DEPOSIT_FEN,
            idempotency_key=f"web-fund-{form.idempotency_key.data}",
        )
    except DomainError as error:
        apply_error_to_form(form, error)
        form.idempotency_key.data = uuid.uuid4().hex  # nothing moved: a corrected request is a new one
        return _page(form, status=error.http_status)
    payment = outcome.payment
    if not outcome.created:
        flash(_("This form was already submitted; it was processed once."), "info")
    else:
        message = _("Deposit of %(amount)s into the fund: %(status)s.") % {
            "amount": money(payment.amount),
            "status": STATUS_LABELS[payment.status],
        }
        if payment.status == "failed" and payment.failure_message:
            message += " " + stored_message(payment.failure_message)
        flash(message, "success" if payment.status != "failed" else "warning")
    return redirect(url_for("admin.fund_page"))
