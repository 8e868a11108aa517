"""The investor's portfolio: its loan parts and their totals."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask_smorest import Blueprint

from marketplace.api.schemas import yuan_doc
from marketplace.api.security import api_user, guard_api_blueprint
from marketplace.extensions import db
from marketplace.money import format_yuan
from marketplace.services import portfolio

URL_PREFIX = "/portfolio"
blp = Blueprint("api_portfolio", __name__, description="The investor's portfolio")
guard_api_blueprint(blp, "investor")


def _yuan(name: str):
    return ma.fields.Function(lambda obj: format_yuan(getattr(obj, name)), metadata=yuan_doc())


class PortfolioPartSchema(ma.Schema):
    loan_id = ma.fields.Int()
    principal = _yuan("principal")
    outstanding = _yuan("outstanding")
    rate_bps = ma.fields.Int()
    status = ma.fields.Str()
    received_interest = _yuan("received_interest")
    received_principal = _yuan("received_principal")


class TotalsSchema(ma.Schema):
    invested = _yuan("invested")
    outstanding = _yuan("outstanding")
    received_interest = _yuan("received_interest")
    received_principal = _yuan("received_principal")
    fees_paid = _yuan("fees_paid")
    losses = _yuan("losses")
    xirr = ma.fields.Int(
        allow_none=True,
        metadata={
            "description": "annual internal rate of return of the cash flows so far, in basis "
            "points; null when it cannot be computed (nothing received yet)"
        },
    )


class PortfolioSchema(ma.Schema):
    parts = ma.fields.List(ma.fields.Nested(PortfolioPartSchema))
    totals = ma.fields.Nested(TotalsSchema)


@blp.get("")
@blp.response(200, PortfolioSchema)
def get_portfolio():
    """Your loan parts, newest loan first, and their totals. Received amounts, fees and losses are
    0 until loans are serviced."""
    return portfolio.portfolio(db.session, api_user(), zone=current_app.config["BABEL_DEFAULT_TIMEZONE"])
