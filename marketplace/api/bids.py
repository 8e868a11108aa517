"""Bids: placed on an open listing (its money held), lowered, cancelled, and listed by their owner."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from marketplace.api.application_schemas import Yuan
from marketplace.api.idempotency import idempotent
from marketplace.api.pagination import PageQuerySchema, page_body, page_schema, requested_page
from marketplace.api.schemas import StrictSchema, enum_doc
from marketplace.api.security import api_user, guard_api_blueprint
from marketplace.api.transactions import in_unit_of_work
from marketplace.extensions import db
from marketplace.investor.dates import market_today
from marketplace.models.listings import BID_SOURCES, BID_STATUSES
from marketplace.services import bids, unit_of_work

URL_PREFIX = ""
blp = Blueprint("api_bids", __name__, description="Bids on listings (investors only)")
guard_api_blueprint(blp, bids.BIDDING_ROLE)


class BidInSchema(StrictSchema):
    amount = Yuan(required=True, metadata={"description": "yuan, a whole multiple of 50"})
    min_rate_bps = ma.fields.Int(
        required=True, strict=True, metadata={"description": "1 to the listing's max"}
    )


class LowerBidSchema(StrictSchema):
    amount = Yuan(required=True, metadata={"description": "below the bid's amount, a whole multiple of 50"})


class BidSchema(ma.Schema):
    id = ma.fields.Int()
    listing_id = ma.fields.Int()
    amount = Yuan(attribute="amount_fen")
    min_rate_bps = ma.fields.Int()
    status = ma.fields.Str(metadata=enum_doc(BID_STATUSES))
    accepted_amount = Yuan(attribute="accepted_fen")
    source = ma.fields.Str(metadata=enum_doc(BID_SOURCES))
    rule_id = ma.fields.Int(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class CancelledSchema(ma.Schema):
    id = ma.fields.Int()
    status = ma.fields.Str()


@blp.post("/listings/<int:listing_id>/bids")
@blp.arguments(BidInSchema)
@blp.response(201, BidSchema)
def place(data, listing_id: int):
    """Bid on an open listing (Idempotency-Key supported): the amount is held in your wallet until
    the listing closes. 409 closed, no valid questionnaire or too little money; 403 a grade your
    risk class may not bid on; 422 naming the field."""
    user = api_user()

    def execute():
        bid = unit_of_work.run(
            db.session,
            lambda: bids.place_bid(
                db.session,
                user,
                listing_id,
                amount_fen=data["amount"],
                min_rate_bps=data["min_rate_bps"],
                today=market_today(),
            ),
        )
        return BidSchema().dump(bid), 201

    return idempotent(user, {"listing_id": listing_id, **data}, execute)


@blp.get("/bids")
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, page_schema(BidSchema))
def own_bids(query):
    """Your bids, newest first, manual and automatic, a page at a time."""
    return page_body(bids.investor_bids(db.session, api_user(), page=requested_page(query)))


@blp.delete("/bids/<int:bid_id>")
@blp.response(200, CancelledSchema)
@in_unit_of_work
def cancel(bid_id: int):
    """Cancel your active bid while its listing is open; its money goes back to your wallet."""
    return bids.cancel_bid(db.session, api_user(), bid_id)


@blp.patch("/bids/<int:bid_id>")
@blp.arguments(LowerBidSchema)
@blp.response(200, BidSchema)
@in_unit_of_work
def lower(data, bid_id: int):
    """Lower your active bid's amount (never raise it); the difference goes back to your wallet."""
    return bids.lower_bid(db.session, api_user(), bid_id, amount_fen=data["amount"])
