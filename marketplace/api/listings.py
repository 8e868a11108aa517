"""Listings on the marketplace: browsed by investors, fund managers and regulators; one read by
its borrower too. Only totals of bids are shown, never a bid or a bidder."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from marketplace.api.application_schemas import Yuan, _reader_language
from marketplace.api.pagination import PageQuerySchema, QueryInt, page_body, page_schema, requested_page
from marketplace.api.schemas import enum_doc
from marketplace.api.security import api_user, guard_api_blueprint
from marketplace.extensions import db
from marketplace.models.assessments import GRADES
from marketplace.models.listings import LISTING_STATUSES
from marketplace.rules.catalogue import CATEGORIES, REPAYMENT_METHODS
from marketplace.services import assessments, listings

URL_PREFIX = "/listings"
blp = Blueprint("api_listings", __name__, description="Listings open for bids, and closed ones")
guard_api_blueprint(blp, "sme", *listings.LISTING_READERS)


class ListingQuerySchema(PageQuerySchema):
    status = ma.fields.Str(load_default="open", validate=ma.validate.OneOf(LISTING_STATUSES))
    grade = ma.fields.Str(validate=ma.validate.OneOf(GRADES))
    category = ma.fields.Str(validate=ma.validate.OneOf(CATEGORIES))
    term = QueryInt(
        validate=ma.validate.Range(min=1, max=120),
        metadata={"description": "longest term in months: listings of this term or shorter"},
    )
    method = ma.fields.Str(validate=ma.validate.OneOf(REPAYMENT_METHODS))
    min_rate = QueryInt(
        validate=ma.validate.Range(min=1, max=10_000),
        metadata={"description": "basis points: listings whose maximum rate reaches this"},
    )
    sort = ma.fields.Str(load_default="closing_soon", validate=ma.validate.OneOf(listings.SORTS))


class ListingItemSchema(ma.Schema):
    id = ma.fields.Int()
    application_id = ma.fields.Int()
    enterprise_name = ma.fields.Str()
    grade = ma.fields.Str(allow_none=True)
    amount = Yuan(attribute="amount_fen")
    max_rate_bps = ma.fields.Int()
    term_months = ma.fields.Int()
    repayment_method = ma.fields.Str(metadata=enum_doc(REPAYMENT_METHODS))
    category = ma.fields.Str(metadata=enum_doc(CATEGORIES))
    fund_share_bps = ma.fields.Int()
    closes_at = ma.fields.AwareDateTime()
    bid_total = Yuan(attribute="bid_total_fen", metadata={"description": "sum of the active bids"})
    funded_bps = ma.fields.Int(metadata={"description": "bid total against the investors' target"})
    status = ma.fields.Str(metadata=enum_doc(LISTING_STATUSES))


def _reasons(detail) -> list[dict]:
    summary = assessments.summary(detail.listing.application.assessment, _reader_language())
    return [{"code": r["code"], "text": r["text"]} for r in summary["reasons"]] if summary else []


def _pd(detail) -> float | None:
    assessment = detail.listing.application.assessment
    return float(assessment.pd) if assessment is not None else None


class ListingDetailSchema(ma.Schema):
    id = ma.fields.Int(attribute="listing.id")
    application_id = ma.fields.Int(attribute="listing.application_id")
    status = ma.fields.Str(attribute="listing.status", metadata=enum_doc(LISTING_STATUSES))
    amount = Yuan(attribute="listing.amount_fen")
    max_rate_bps = ma.fields.Int(attribute="listing.max_rate_bps")
    fund_share_bps = ma.fields.Int(attribute="listing.fund_share_bps")
    min_fill = Yuan(attribute="listing.min_fill_fen")
    opens_at = ma.fields.AwareDateTime(attribute="listing.opens_at")
    closes_at = ma.fields.AwareDateTime(attribute="listing.closes_at")
    bid_total = Yuan(attribute="bid_total_fen")
    bid_count = ma.fields.Int()
    funded_bps = ma.fields.Int()
    grade = ma.fields.Str(attribute="listing.grade", allow_none=True)
    term_months = ma.fields.Int(attribute="listing.term_months")
    repayment_method = ma.fields.Str(attribute="listing.repayment_method")
    category = ma.fields.Str(attribute="listing.category")
    pd = ma.fields.Function(_pd, metadata={"description": "probability of default within a year"})
    reasons = ma.fields.Function(_reasons, metadata={"description": "[{code, text}] in your language"})
    clearing_rate_bps = ma.fields.Int(attribute="listing.clearing_rate_bps", allow_none=True)
    loan_id = ma.fields.Int(allow_none=True)


@blp.get("")
@blp.arguments(ListingQuerySchema, location="query")
@blp.response(200, page_schema(ListingItemSchema))
def browse(query):
    """Listings (open by default), filtered and sorted (closing_soon, rate, funded), a page at a time."""
    filters = listings.ListingFilters(
        status=query["status"],
        grade=query.get("grade"),
        category=query.get("category"),
        max_term=query.get("term"),
        method=query.get("method"),
        min_rate_bps=query.get("min_rate"),
        sort=query["sort"],
    )
    return page_body(listings.browse_listings(db.session, api_user(), filters, requested_page(query)))


@blp.get("/<int:listing_id>")
@blp.response(200, ListingDetailSchema)
def get(listing_id: int):
    """One listing: terms, bid total and count, grade, PD and reasons (404 unknown; 403 an SME's
    listing not its own)."""
    return listings.listing_detail(db.session, api_user(), listing_id)
