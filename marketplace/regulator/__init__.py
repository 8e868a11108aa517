"""The regulator's read-only area: audit trail, disclosure, compliance."""

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from marketplace.extensions import db
from marketplace.models import AuditEvent
from marketplace.pagination import page_request, paginate
from marketplace.services import audit
from marketplace.web import guard_blueprint

bp = Blueprint("regulator", __name__)
guard_blueprint(bp, "regulator")


@bp.get("/")
def dashboard():
    """The regulator's home page: the audit chain's state at a glance."""
    report = audit.verify_chain(db.session)
    return render_template("regulator/dashboard.html", report=report)


@bp.get("/audit")
def audit_log():
    """The audit log, newest first, with the chain verification result."""
    events = paginate(db.session, sa.select(AuditEvent).order_by(AuditEvent.seq.desc()),
                      page_request(request.args))
    report = audit.verify_chain(db.session)
    return render_template("regulator/audit.html", events=events, report=report)


from marketplace.credit import register_report_card  # noqa: E402
from marketplace.regulator import applications  # noqa: E402,F401

register_report_card(bp)
