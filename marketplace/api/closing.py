"""POST /listings/{id}/close: an administrator closes a listing now (as `flask listings close-due`
does for a due one: cleared, settled, and a funded loan's payout to the SME started)."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from marketplace.api.idempotency import idempotent
from marketplace.api.schemas import yuan_doc
from marketplace.api.security import api_user, guard_api_blueprint
from marketplace.domain_errors import N_, InvalidState
from marketplace.extensions import db
from marketplace.gateways import gateway
from marketplace.models import Listing
from marketplace.models.base import utcnow
from marketplace.money import format_yuan
from marketplace.services import loans

URL_PREFIX = "/listings"
blp = Blueprint("api_listing_close", __name__, description="Closing listings (administrators)")
guard_api_blueprint(blp, "admin")


class PayoutResultSchema(ma.Schema):
    loan_id = ma.fields.Int()
    status = ma.fields.Str(
        metadata={
            "description": "the payment's status, or not_started; failed/not_started: the "
            "money stays in the SME's wallet"
        }
    )
    payment_id = ma.fields.Int(allow_none=True)
    reason = ma.fields.Str(allow_none=True)


class ClosedListingSchema(ma.Schema):
    id = ma.fields.Int()
    application_id = ma.fields.Int()
    status = ma.fields.Str()
    amount = ma.fields.Function(lambda row: format_yuan(row["listing"].amount_fen), metadata=yuan_doc())
    max_rate_bps = ma.fields.Int()
    fund_share_bps = ma.fields.Int()
    min_fill = ma.fields.Function(lambda row: format_yuan(row["listing"].min_fill_fen), metadata=yuan_doc())
    opens_at = ma.fields.AwareDateTime()
    closes_at = ma.fields.AwareDateTime()
    closed_at = ma.fields.AwareDateTime()
    grade = ma.fields.Str(allow_none=True)
    clearing_rate_bps = ma.fields.Int(allow_none=True)
    loan_id = ma.fields.Int(allow_none=True)
    payout = ma.fields.Nested(PayoutResultSchema, allow_none=True)

    @ma.pre_dump
    def _flatten(self, row, **kwargs):
        listing = row["listing"]
        names = (
            "id",
            "application_id",
            "status",
            "max_rate_bps",
            "fund_share_bps",
            "opens_at",
            "closes_at",
            "closed_at",
            "grade",
            "clearing_rate_bps",
        )
        return row | {name: getattr(listing, name) for name in names}


@blp.post("/<int:listing_id>/close")
@blp.response(200, ClosedListingSchema)
def close(listing_id: int):
    """Close an open listing now, before its time: cleared, settled through the ledger, and a funded
    loan's payout to the SME started (404 unknown listing, 409 closed already). Accepts an
    Idempotency-Key: a replay answers with the first close's response."""
    admin = api_user()

    def execute():
        outcome = loans.close_and_pay_out(db.session, gateway(), admin, listing_id, now=utcnow(), early=True)
        if outcome is None:  # only when another process closed it between the two looks
            raise InvalidState(N_("The listing is closed already."))
        listing = db.session.get(Listing, listing_id)
        body = {"listing": listing, "loan_id": outcome.closed.loan_id, "payout": outcome.payout}
        return ClosedListingSchema().dump(body), 200

    return idempotent(admin, {}, execute)
