"""Admin: every payment with its status, provider ids, failures and history; the ledger check.

A failure reads as the translated sentence for its code with the code beside it; the provider's
own words are in the payment's audit events (`payment.status`, `provider_message`)."""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import redirect, render_template, request, url_for
from flask_login import current_user

from marketplace.admin import bp
from marketplace.extensions import db
from marketplace.models import Payment, User
from marketplace.models.payments import PAYMENT_STATUSES
from marketplace.pagination import page_request, paginate_rows
from marketplace.rules.provider_messages import stored_code
from marketplace.services import integrity, unit_of_work
from marketplace.wallet.labels import STATUS_LABELS, source_label


@bp.get("/payments")
def payments():
    """Payments newest first, optionally of one status, with the ledger check's stored result."""
    status = request.args.get("status", "")
    query = (
        sa.select(Payment, User.email)
        .join(User, User.id == Payment.user_id)
        .options(so.selectinload(Payment.history))
        .order_by(Payment.id.desc())
    )
    if status in PAYMENT_STATUSES:
        query = query.where(Payment.status == status)
    rows = paginate_rows(db.session, query, page_request(request.args), tuple)
    counts = dict(
        db.session.execute(sa.select(Payment.status, sa.func.count()).group_by(Payment.status)).all()
    )
    return render_template(
        "admin/payments.html",
        rows=rows,
        status=status if status in PAYMENT_STATUSES else "",
        counts=counts,
        status_labels=STATUS_LABELS,
        source_label=source_label,
        failure_code=stored_code,  # beside the translated sentence, for matching the provider's dashboard
        checkpoint=integrity.latest(db.session, integrity.LEDGER),
    )


@bp.post("/payments/ledger-check")
def check_ledger():
    """Check the ledger from the newest stored check (see services/ledger_check.py) and store the
    result; the full check runs from the command line."""
    unit_of_work.run(
        db.session,
        lambda: integrity.check_ledger(db.session, actor=current_user._get_current_object(), source="web"),
    )
    return redirect(url_for("admin.payments"))
