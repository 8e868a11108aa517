"""Wallet views: they parse the form, call the payment flows or statement service, render."""

from __future__ import annotations

from datetime import date

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.domain_errors import N_, DomainError, ValidationFailed
from marketplace.extensions import db
from marketplace.gateways import gateway
from marketplace.i18n import money, stored_message
from marketplace.pagination import page_request
from marketplace.services import ledger, payment_flows, payments, wallet_statements
from marketplace.wallet import bp
from marketplace.wallet.forms import DepositForm, StatementFilterForm, WithdrawForm
from marketplace.wallet.labels import KIND_LABELS, STATUS_LABELS
from marketplace.web import apply_error_to_form


def _user():
    return current_user._get_current_object()


def _page(deposit_form=None, withdraw_form=None, status=200):
    balances = ledger.balances(db.session, _user())
    return render_template(
        "wallet/index.html",
        balances=balances,
        deposit_form=deposit_form or DepositForm(prefix="deposit"),
        withdraw_form=withdraw_form or WithdrawForm(prefix="withdraw"),
        recent=payments.user_payments(db.session, _user(), page_request(request.args)),
        status_labels=STATUS_LABELS,
        limit=current_app.config["MAX_TRANSACTION_FEN"],
    ), status


@bp.get("/")
def index():
    """Balance, the deposit and withdrawal forms and the latest payments."""
    return _page()


def _submit(form, slot: str, flow, done_message):
    """A redirect once the flow ran; otherwise the form is shown again with its errors."""
    if not form.validate_on_submit():
        return _page(**{slot: form}, status=422)
    try:
        outcome = flow(
            db.session,
            gateway(),
            _user(),
            form.amount.fen,
            limit=current_app.config["MAX_TRANSACTION_FEN"],
            idempotency_key=f"web-{form.idempotency_key.data}",
        )
    except DomainError as error:
        apply_error_to_form(form, error)
        form.renew_key()  # the refused request moved nothing: a corrected one is a new request
        return _page(**{slot: form}, status=error.http_status)
    if not outcome.created:
        flash(_("This form was already submitted; it was processed once."), "info")
    else:
        payment = outcome.payment
        message = done_message % {"amount": money(payment.amount), "status": STATUS_LABELS[payment.status]}
        if payment.status == "failed" and payment.failure_message:
            message += " " + stored_message(payment.failure_message)  # why, not only that it failed
        flash(message, "success" if payment.status != "failed" else "warning")
    return redirect(url_for("wallet.index"))


@bp.post("/deposit")
def deposit():
    """Deposit money (the sandbox settles at once)."""
    form = DepositForm(prefix="deposit")
    return _submit(form, "deposit_form", payment_flows.deposit, _("Deposit of %(amount)s: %(status)s."))


@bp.post("/withdraw")
def withdraw():
    """Withdraw available money; it is held until the payout settles."""
    form = WithdrawForm(prefix="withdraw")
    return _submit(form, "withdraw_form", payment_flows.withdraw, _("Withdrawal of %(amount)s: %(status)s."))


def _filtered_range(form: StatementFilterForm) -> tuple[date | None, date | None]:
    start = wallet_statements.parse_day(form.start.data, "start")
    end = wallet_statements.parse_day(form.end.data, "end")
    return start, end


@bp.get("/statement")
def statement():
    """Movements of the available balance with the running balance, filtered by dates."""
    form = StatementFilterForm(request.args)
    lines, error = None, None
    try:
        if not form.validate():
            raise ValidationFailed(N_("Enter a date as YYYY-MM-DD."))
        since, until = wallet_statements.day_bounds(
            *_filtered_range(form), current_app.config["BABEL_DEFAULT_TIMEZONE"]
        )
        lines = wallet_statements.statement_page(
            db.session, _user(), page_request(request.args), since=since, until=until
        )
    except DomainError as failure:
        error = failure.render(_)[0]
    return render_template(
        "wallet/statement.html",
        form=form,
        lines=lines,
        error=error,
        kind_labels=KIND_LABELS,
        balances=ledger.balances(db.session, _user()),
    ), 422 if error else 200


@bp.get("/statement.csv")
def statement_csv():
    """The filtered statement as CSV (UTF-8 with BOM so that spreadsheet programs read Chinese)."""
    form = StatementFilterForm(request.args)
    if not form.validate():
        return _("Enter a date as YYYY-MM-DD."), 422
    timezone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    try:
        since, until = wallet_statements.day_bounds(*_filtered_range(form), timezone)
    except ValidationFailed as error:
        return error.render(_)[0], 422
    lines = wallet_statements.statement(db.session, _user(), since=since, until=until, newest_first=False)
    headers = [_("Time"), _("Type"), _("Amount (yuan)"), _("Balance after (yuan)"), _("Transaction")]
    labels = {kind: str(label) for kind, label in KIND_LABELS.items()}
    body = "\ufeff" + wallet_statements.to_csv(lines, headers, labels, timezone)
    name = f"statement-{form.start.data or 'all'}-{form.end.data or 'today'}.csv"
    return Response(
        body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
