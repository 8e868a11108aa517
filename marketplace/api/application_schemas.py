"""Schemas of the enterprise, statement, application and review endpoints."""

from __future__ import annotations

import marshmallow as ma
from flask import g
from flask_babel import gettext

from marketplace.api.schemas import MULTILINE, StrictSchema, enum_doc, yuan_doc
from marketplace.money import MoneyError, format_yuan, parse_yuan
from marketplace.rules.application_states import STATUSES
from marketplace.rules.catalogue import CATEGORIES, INDUSTRIES, REPAYMENT_METHODS, TAX_CREDIT_RATINGS
from marketplace.rules.documents import CHECKLIST_NAMES, DOCUMENT_KINDS
from marketplace.services import assessments, reviews
from scoring.statements import STATEMENT_FIELDS

TEXT = ma.validate.Length(max=5000)


class Yuan(ma.fields.Field):
    """A yuan amount: decimal string in JSON, integer fen inside (no floats, ≤ 2 decimals)."""

    def __init__(self, *, allow_negative: bool = False, **kwargs):
        kwargs["metadata"] = {**yuan_doc(signed=allow_negative), **kwargs.get("metadata", {})}
        super().__init__(**kwargs)
        self.allow_negative = allow_negative

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_yuan(value, allow_negative=self.allow_negative)
        except MoneyError as error:
            raise ma.ValidationError(gettext(str(error))) from error

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format_yuan(value)


def _int(**kwargs) -> ma.fields.Int:
    return ma.fields.Int(strict=True, **kwargs)


class EnterpriseInSchema(StrictSchema):
    name = ma.fields.Str(required=True, validate=TEXT)
    uscc = ma.fields.Str(required=True, validate=TEXT)
    legal_representative = ma.fields.Str(required=True, validate=TEXT)
    founded_on = ma.fields.Date(required=True)
    registered_capital_fen = Yuan(required=True, data_key="registered_capital")
    industry = ma.fields.Str(required=True, validate=TEXT, metadata=enum_doc(INDUSTRIES))
    employees = _int(required=True)
    district = ma.fields.Str(required=True, validate=TEXT)
    tax_credit_rating = ma.fields.Str(required=True, validate=TEXT, metadata=enum_doc(TAX_CREDIT_RATINGS))
    category = ma.fields.Str(required=True, validate=TEXT, metadata=enum_doc(CATEGORIES))
    contact_phone = ma.fields.Str(allow_none=True, validate=TEXT)


class EnterpriseSchema(ma.Schema):
    id = ma.fields.Int()
    name = ma.fields.Str()
    uscc = ma.fields.Str()
    legal_representative = ma.fields.Str()
    founded_on = ma.fields.Date()
    registered_capital = Yuan(attribute="registered_capital_fen")
    industry = ma.fields.Str()
    employees = ma.fields.Int()
    district = ma.fields.Str()
    tax_credit_rating = ma.fields.Str()
    category = ma.fields.Str()
    contact_phone = ma.fields.Str(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


StatementInSchema = StrictSchema.from_dict(
    {
        "year": _int(required=True),
        **{name: Yuan(required=True, allow_negative=True) for name in STATEMENT_FIELDS},
    },
    name="StatementInSchema",
)
StatementUpdateSchema = StrictSchema.from_dict(
    {name: Yuan(required=True, allow_negative=True) for name in STATEMENT_FIELDS},
    name="StatementUpdateSchema",
)
StatementSchema = ma.Schema.from_dict(
    {
        "id": ma.fields.Int(),
        "year": ma.fields.Int(),
        **{name: Yuan() for name in STATEMENT_FIELDS},
        "ratios": ma.fields.Dict(keys=ma.fields.Str(), values=ma.fields.Str(allow_none=True)),
    },
    name="StatementSchema",
)


class StatementListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(StatementSchema))


class ApplicationInSchema(StrictSchema):
    amount_fen = Yuan(required=True, data_key="amount")
    term_months = _int(required=True)
    repayment_method = ma.fields.Str(required=True, validate=ma.validate.OneOf(REPAYMENT_METHODS))
    purpose = ma.fields.Str(required=True, validate=TEXT, metadata=MULTILINE)
    category = ma.fields.Str(required=True, validate=ma.validate.OneOf(CATEGORIES))


class EnterpriseBriefSchema(ma.Schema):
    id = ma.fields.Int()
    name = ma.fields.Str()
    uscc = ma.fields.Str()
    industry = ma.fields.Str()


class DocumentSchema(ma.Schema):
    id = ma.fields.Int()
    kind = ma.fields.Str(metadata=enum_doc(DOCUMENT_KINDS))
    filename = ma.fields.Str(attribute="original_name", dump_only=True)
    name = ma.fields.Str(attribute="original_name")  # the same as filename (kept for older clients)
    content_type = ma.fields.Str()
    size = ma.fields.Int(attribute="size_bytes", dump_only=True)
    size_bytes = ma.fields.Int()  # the same as size (kept for older clients)
    sha256 = ma.fields.Str()
    created_at = ma.fields.AwareDateTime()


class ChecklistItemSchema(ma.Schema):
    code = ma.fields.Str(metadata=enum_doc(CHECKLIST_NAMES))
    name = ma.fields.Function(lambda item: gettext(item.name), metadata={"description": "in your language"})
    required = ma.fields.Bool()
    satisfied = ma.fields.Bool()


class ChecklistSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ChecklistItemSchema))


class HistoryEntrySchema(ma.Schema):
    at = ma.fields.AwareDateTime()
    event = ma.fields.Str()
    from_ = ma.fields.Str(data_key="from", attribute="from", allow_none=True)
    to = ma.fields.Str(allow_none=True)
    actor_role = ma.fields.Str(allow_none=True)
    note = ma.fields.Str(allow_none=True)


class DecisionTermsSchema(ma.Schema):
    max_rate_bps = ma.fields.Int(allow_none=True)
    listing_days = ma.fields.Int(allow_none=True)
    fund_share_bps = ma.fields.Int(allow_none=True)
    note = ma.fields.Str(allow_none=True, attribute="decision_note")
    second_approval_needed = ma.fields.Method("_second_needed")

    def _second_needed(self, application) -> bool:
        return application.status == "awaiting_second_approval"


def _reader_language() -> str:
    user = getattr(g, "api_user", None)
    return user.locale if user is not None else "en"


class ApplicationSchema(ma.Schema):
    id = ma.fields.Int()
    status = ma.fields.Str(metadata=enum_doc(STATUSES))
    amount = Yuan(attribute="amount_fen")
    term_months = ma.fields.Int()
    repayment_method = ma.fields.Str()
    purpose = ma.fields.Str()
    category = ma.fields.Str()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    submitted_at = ma.fields.AwareDateTime(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    enterprise = ma.fields.Nested(EnterpriseBriefSchema, allow_none=True)
    assessment = ma.fields.Function(
        lambda application: assessments.summary(application.assessment, _reader_language())
    )
    decision = ma.fields.Function(lambda application: DecisionTermsSchema().dump(application))
    documents = ma.fields.List(ma.fields.Nested(DocumentSchema))


class ApplicationDetailSchema(ApplicationSchema):
    history = ma.fields.List(ma.fields.Nested(HistoryEntrySchema))


class DecisionInSchema(StrictSchema):
    decision = ma.fields.Str(required=True, validate=ma.validate.OneOf(("approve", "reject", "request_info")))
    max_rate_bps = _int(allow_none=True)
    listing_days = _int(allow_none=True)
    fund_share_bps = _int(allow_none=True)
    note = ma.fields.Str(allow_none=True, validate=TEXT, metadata=MULTILINE)


class DecisionSchema(ma.Schema):
    id = ma.fields.Int()
    status = ma.fields.Str()
    max_rate_bps = ma.fields.Int(allow_none=True)
    listing_days = ma.fields.Int(allow_none=True)
    fund_share_bps = ma.fields.Int(allow_none=True)
    listing_id = ma.fields.Int(metadata={"description": "The listing the final approval opened"})


class ReviewQuerySchema(StrictSchema):
    status = ma.fields.Str(load_default="in_review", metadata=enum_doc(STATUSES))
    category = ma.fields.Str(metadata=enum_doc(CATEGORIES))
    sort = ma.fields.Str(load_default="oldest", metadata=enum_doc(reviews.SORTS))
