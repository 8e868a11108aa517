"""Loans: the SME's own, an investor's where it holds parts, all of them for fund managers and
regulators; and one loan with its parts (holders shown only to those who may see them)."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from marketplace.api.pagination import PageQuerySchema, page_body, page_schema, requested_page
from marketplace.api.schemas import enum_doc, yuan_doc
from marketplace.api.security import api_user, guard_api_blueprint
from marketplace.extensions import db
from marketplace.models.loans import HOLDER_TYPES, LOAN_STATUSES
from marketplace.money import format_yuan
from marketplace.services import loans

URL_PREFIX = "/loans"
blp = Blueprint("api_loans", __name__, description="Loans made by cleared listings")
guard_api_blueprint(blp, *loans.LOAN_READERS)


def _yuan(name: str):
    return ma.fields.Function(lambda obj: format_yuan(getattr(obj, name)), metadata=yuan_doc())


class LoanSchema(ma.Schema):
    id = ma.fields.Int()
    listing_id = ma.fields.Int()
    amount = _yuan("amount")
    rate_bps = ma.fields.Int(metadata={"description": "the clearing rate r*, basis points a year"})
    term_months = ma.fields.Int()
    repayment_method = ma.fields.Str()
    status = ma.fields.Str(metadata=enum_doc(LOAN_STATUSES))
    days_past_due = ma.fields.Int()
    outstanding_principal = _yuan("outstanding_principal")
    disbursed_at = ma.fields.AwareDateTime(allow_none=True)
    category = ma.fields.Str()


class PartSchema(ma.Schema):
    holder = ma.fields.Str(metadata=enum_doc(HOLDER_TYPES))
    principal = _yuan("principal")
    outstanding = _yuan("outstanding")
    mine = ma.fields.Bool(metadata={"description": "an investor's own part"})
    investor_id = ma.fields.Int(
        allow_none=True,
        metadata={
            "description": "the holder: fund managers and regulators see every one, an investor "
            "only its own, the borrower none"
        },
    )


class PayoutSchema(ma.Schema):
    payment_id = ma.fields.Int(attribute="id")
    status = ma.fields.Str()
    failure_code = ma.fields.Str(attribute="failure_message", allow_none=True)


class LoanDetailSchema(LoanSchema):
    amount = ma.fields.Function(lambda detail: format_yuan(detail.loan.amount_fen), metadata=yuan_doc())
    parts = ma.fields.List(ma.fields.Nested(PartSchema))
    payout = ma.fields.Nested(
        PayoutSchema,
        allow_none=True,
        metadata={
            "description": "the payout of the loan from the SME's wallet to its bank (null "
            "before it starts); a failed payout leaves the money in the SME's wallet"
        },
    )
    installments = ma.fields.List(
        ma.fields.Dict(),
        metadata={
            "description": "the repayment schedule: empty until loan servicing creates it "
            "(no schedule is invented before then)"
        },
    )


@blp.get("")
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, page_schema(LoanSchema))
def list_loans(query):
    """Loans you may read, newest first: an SME its own, an investor those it holds parts of, fund
    managers and regulators all."""
    return page_body(loans.loans_for(db.session, api_user(), requested_page(query)))


@blp.get("/<int:loan_id>")
@blp.response(200, LoanDetailSchema)
def get_loan(loan_id: int):
    """One loan with its parts (an investor sees only its own parts' holder; the borrower sees the
    amounts without holders) and its payout. `installments` is empty until servicing exists."""
    return loans.readable_loan(db.session, api_user(), loan_id)
