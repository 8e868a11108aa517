"""The regulator's read-only area: audit trail, disclosure, compliance."""

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from marketplace.extensions import db
from marketplace.i18n import lazy_labels, translated
from marketplace.models import AuditEvent
from marketplace.pagination import page_request, paginate
from marketplace.rules.audit_actions import ACTION_NAMES, OBJECT_NAMES
from marketplace.services import integrity, unit_of_work
from marketplace.services.dashboards import applications_by_status
from marketplace.web import guard_blueprint, safe_next

bp = Blueprint("regulator", __name__)
guard_blueprint(bp, "regulator")


@bp.get("/")
def dashboard():
    """The regulator's home page: the audit chain's last verification and the applications by status."""
    return render_template(
        "regulator/dashboard.html",
        checkpoint=integrity.latest(db.session, integrity.AUDIT_CHAIN),
        counts=applications_by_status(db.session),
    )


@bp.get("/audit")
def audit_log():
    """The audit log, newest first, with the chain's last verification."""
    events = paginate(
        db.session, sa.select(AuditEvent).order_by(AuditEvent.seq.desc()), page_request(request.args)
    )
    return render_template(
        "regulator/audit.html",
        events=events,
        checkpoint=integrity.latest(db.session, integrity.AUDIT_CHAIN),
        actions=translated(lazy_labels(ACTION_NAMES)),
        objects=translated(lazy_labels(OBJECT_NAMES)),
    )


@bp.post("/audit/verify")
def verify_audit_chain():
    """Verify the chain from its newest checkpoint, store the result and show it (a POST with
    CSRF: running the check records its result, although regulators otherwise only read)."""
    unit_of_work.run(
        db.session,
        lambda: integrity.verify_audit_chain(
            db.session, actor=current_user._get_current_object(), source="web"
        ),
    )
    return redirect(safe_next(request.form.get("next")) or url_for("regulator.dashboard"))


from marketplace.credit import register_report_card  # noqa: E402
from marketplace.regulator import applications  # noqa: E402,F401

register_report_card(bp)
