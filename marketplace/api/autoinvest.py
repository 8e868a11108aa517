"""Auto-invest rules: an investor's standing instructions to bid on listings that open."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from marketplace.api.application_schemas import Yuan
from marketplace.api.pagination import PageQuerySchema, page_body, page_schema, requested_page
from marketplace.api.schemas import StrictSchema
from marketplace.api.security import api_user, guard_api_blueprint
from marketplace.api.transactions import in_unit_of_work
from marketplace.extensions import db
from marketplace.services import autoinvest, bids

URL_PREFIX = "/autoinvest"
blp = Blueprint("api_autoinvest", __name__, description="Auto-invest rules (investors only)")
guard_api_blueprint(blp, bids.BIDDING_ROLE)


class RuleInSchema(StrictSchema):
    grades = ma.fields.List(ma.fields.Str(), required=True, metadata={"description": 'e.g. ["A", "B"]'})
    categories = ma.fields.List(ma.fields.Str(), required=True)
    terms = ma.fields.List(
        ma.fields.Int(strict=True),
        required=True,
        validate=ma.validate.Length(equal=2),
        metadata={"description": "[shortest, longest] term in months"},
    )
    methods = ma.fields.List(ma.fields.Str(), required=True)
    min_rate_bps = ma.fields.Int(required=True, strict=True)
    amount_per_loan = Yuan(required=True, metadata={"description": "yuan, a whole multiple of 50"})
    max_total = Yuan(required=True, metadata={"description": "yuan: the most the rule invests at once"})
    active = ma.fields.Bool(load_default=True)


class RuleSchema(ma.Schema):
    id = ma.fields.Int()
    grades = ma.fields.Function(lambda rule: list(rule.grades))
    categories = ma.fields.Function(lambda rule: rule.categories.split(","))
    terms = ma.fields.Function(lambda rule: [rule.min_term, rule.max_term])
    methods = ma.fields.Function(lambda rule: rule.methods.split(","))
    min_rate_bps = ma.fields.Int()
    amount_per_loan = Yuan(attribute="amount_per_loan_fen")
    max_total = Yuan(attribute="max_total_fen")
    active = ma.fields.Bool()
    created_at = ma.fields.AwareDateTime()


@blp.get("/rules")
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, page_schema(RuleSchema))
def rules(query):
    """Your rules (deleted ones left out), oldest first."""
    return page_body(autoinvest.investor_rules(db.session, api_user(), requested_page(query)))


@blp.post("/rules")
@blp.arguments(RuleInSchema)
@blp.response(201, RuleSchema)
@in_unit_of_work
def create(data):
    """Save a rule: each listing that opens and matches it gets a bid at its minimum rate, investors
    taking turns; 422 naming the field."""
    low, high = data["terms"]
    return autoinvest.create_rule(
        db.session,
        api_user(),
        {
            **{key: data[key] for key in ("grades", "categories", "methods", "min_rate_bps", "active")},
            "min_term": low,
            "max_term": high,
            "amount_per_loan_fen": data["amount_per_loan"],
            "max_total_fen": data["max_total"],
        },
    )


@blp.delete("/rules/<int:rule_id>")
@blp.response(204)
@in_unit_of_work
def delete(rule_id: int):
    """Delete your rule: it stops bidding (the bids it placed stay, yours to cancel)."""
    autoinvest.delete_rule(db.session, api_user(), rule_id)
    return ""
