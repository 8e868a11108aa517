"""Regulator endpoints: audit chain verification (disclosure figures come later)."""

import marshmallow as ma
from flask_smorest import Blueprint

from marketplace.api.security import api_user, guard_api_blueprint
from marketplace.extensions import db
from marketplace.services import integrity, unit_of_work

URL_PREFIX = "/regulator"
blp = Blueprint("api_regulator", __name__, description="Regulators (read-only)")
guard_api_blueprint(blp, "regulator")


class ChainReportSchema(ma.Schema):
    ok = ma.fields.Bool()
    events = ma.fields.Int()
    first_broken_seq = ma.fields.Int(allow_none=True)
    reason = ma.fields.Str(allow_none=True)


@blp.get("/audit/verify")
@blp.response(200, ChainReportSchema)
def verify_audit_chain():
    """Verify the audit hash chain from its newest checkpoint, store the result and report the
    first broken event; `events` counts the whole chain verified, not only the new events."""
    report = unit_of_work.run(
        db.session, lambda: integrity.verify_audit_chain(db.session, actor=api_user(), source="api")
    )
    return report.to_dict()
