"""The fund manager's review pages: the queue, an application's file, decisions, documents."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField, RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from marketplace.application_pages import (
    STATUS_LABELS,
    detail_context,
    queue_filters,
    register_document_download,
    render_queue,
)
from marketplace.extensions import db
from marketplace.forms_base import CheckedForm
from marketplace.fund import bp
from marketplace.i18n import money, when
from marketplace.models import Listing
from marketplace.rules import limits
from marketplace.services import applications, listings, reviews
from marketplace.web import run_form


class DecisionForm(CheckedForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("approve", _l("Approve")),
            SelectChoice("reject", _l("Reject")),
            SelectChoice("request_info", _l("Request information")),
        ],
        validators=[DataRequired()],
    )
    max_rate_bps = IntegerField(
        _l("Maximum rate (basis points, %(min)s-%(max)s)", min=limits.MIN_RATE_BPS, max=limits.MAX_RATE_BPS),
        validators=[Optional()],
    )
    listing_days = IntegerField(
        _l("Listing days (%(min)s-%(max)s)", min=limits.MIN_LISTING_DAYS, max=limits.MAX_LISTING_DAYS),
        validators=[Optional()],
    )
    fund_share_bps = IntegerField(
        _l(
            "Fund share (basis points, %(min)s-%(max)s)",
            min=limits.MIN_FUND_SHARE_BPS,
            max=limits.MAX_FUND_SHARE_BPS,
        ),
        validators=[Optional()],
    )
    note = TextAreaField(
        _l("Note (reason or question; shown to the SME)"),
        validators=[Length(max=limits.MAX_DECISION_NOTE_CHARS)],
    )
    submit = SubmitField(_l("Record decision"))


@bp.get("/applications")
def queue():
    """Applications awaiting review (or any status), filtered and sorted."""
    # Named as in the fund manager's navigation.
    return render_queue(
        queue_filters(request.args), "fund.queue", "fund.application_detail", _("Review queue")
    )


@bp.route("/applications/<int:application_id>", methods=["GET", "POST"])
def application_detail(application_id: int):
    """An application's file and the decision form."""
    user = current_user._get_current_object()
    application = applications.readable_application(db.session, user, application_id)
    form = DecisionForm()
    fields = ("max_rate_bps", "listing_days", "fund_share_bps")
    terms = {name: getattr(form, name).data for name in fields} if form.decision.data == "approve" else {}
    decided, status = run_form(
        form,
        lambda: reviews.decide(
            db.session,
            user,
            application_id,
            decision=form.decision.data,
            note=form.note.data,
            four_eyes_threshold_fen=current_app.config["FOUR_EYES_THRESHOLD_FEN"],
            **terms,
        ),
    )
    if decided is not None:
        flash(_("Decision recorded: %(status)s.", status=STATUS_LABELS[decided.status]), "success")
        listing = listings.listing_for_application(db.session, application_id)
        if listing is not None:  # the final approval opened it in the same transaction
            flash(
                _(
                    "Listing #%(id)s is open for bids until %(closes)s; the fund committed %(amount)s.",
                    id=listing.id,
                    closes=when(listing.closes_at),
                    amount=money(listing.fund_committed_fen),
                ),
                "info",
            )
        return redirect(url_for("fund.application_detail", application_id=application_id))
    # A refused POST shows what was typed, with its errors; a first view starts from agreed terms.
    if request.method == "GET":
        if application.status == "awaiting_second_approval":
            # The second manager confirms the first approver's terms (four eyes), shown as agreed.
            for name in fields:
                getattr(form, name).data = getattr(application, name)
        elif application.assessment is not None and form.max_rate_bps.data is None:
            # Start from the rate the credit model suggests for the grade; the manager may lower it.
            form.max_rate_bps.data = application.assessment.max_rate_bps
    application = applications.readable_application(db.session, user, application_id)
    if application.status == "awaiting_second_approval":
        # The second manager confirms the agreed terms with one button, or rejects / asks.
        form.decision.choices = [choice for choice in form.decision.choices if choice.value != "approve"]
    threshold = current_app.config["FOUR_EYES_THRESHOLD_FEN"]
    return render_template(
        "fund/application.html",
        form=form,
        download_endpoint="fund.document_download",
        four_eyes_threshold_fen=threshold,
        fund_money_fen=_fund_money(application.amount_fen, form.fund_share_bps.data),
        agreed_fund_money_fen=_fund_money(application.amount_fen, application.fund_share_bps),
        **detail_context(application),
    ), status


def _fund_money(amount_fen: int, share_bps) -> int | None:
    # Only for a share the rules allow: a refused form may carry any number the user typed.
    valid = isinstance(share_bps, int) and limits.MIN_FUND_SHARE_BPS <= share_bps <= limits.MAX_FUND_SHARE_BPS
    return reviews.fund_money_fen(amount_fen, share_bps) if valid else None


@bp.app_template_global()
def listing_of_application(application_id: int) -> Listing | None:
    """The listing an approved application became, if any (the application pages link to it)."""
    return listings.listing_for_application(db.session, application_id)


register_document_download(bp)
