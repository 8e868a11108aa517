"""Regulator endpoints: audit chain verification (disclosure figures come later)."""

import marshmallow as ma
from flask_smorest import Blueprint

from marketplace.api.security import guard_api_blueprint
from marketplace.extensions import db
from marketplace.services import audit

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
    """Recompute the audit hash chain and report the first broken event."""
    return audit.verify_chain(db.session).to_dict()
