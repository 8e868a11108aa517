"""Admin: every payment with its status, provider ids, failures and history; the ledger check."""

import sqlalchemy as sa
from flask import redirect, render_template, request, url_for
from flask_login import current_user

from marketplace.admin import bp
from marketplace.extensions import db
from marketplace.models import Payment, User
from marketplace.models.payments import PAYMENT_STATUSES
from marketplace.services import integrity, unit_of_work
from marketplace.wallet.labels import STATUS_LABELS

PAGE_SIZE = 50


@bp.get("/payments")
def payments():
    """Payments newest first, optionally of one status, with the ledger check's stored result."""
    status = request.args.get("status", "")
    query = (sa.select(Payment, User.email).join(User, User.id == Payment.user_id)
             .order_by(Payment.id.desc()))
    if status in PAYMENT_STATUSES:
        query = query.where(Payment.status == status)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows = db.session.execute(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    counts = dict(db.session.execute(
        sa.select(Payment.status, sa.func.count()).group_by(Payment.status)).all())
    return render_template(
        "admin/payments.html", rows=rows[:PAGE_SIZE], has_more=len(rows) > PAGE_SIZE, page=page,
        status=status if status in PAYMENT_STATUSES else "", counts=counts, status_labels=STATUS_LABELS,
        checkpoint=integrity.latest(db.session, integrity.LEDGER),
    )


@bp.post("/payments/ledger-check")
def check_ledger():
    """Check the ledger from the newest stored check (see services/ledger_check.py) and store the
    result; the full check runs from the command line."""
    unit_of_work.run(db.session, lambda: integrity.check_ledger(
        db.session, actor=current_user._get_current_object(), source="web"))
    return redirect(url_for("admin.payments"))
