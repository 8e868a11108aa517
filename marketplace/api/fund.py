"""The smart-city fund: its figures (GET /fund) and its policy (GET and PUT /fund/policy).

Fund managers read both and set the policy; regulators read them (a regulator's PUT is 403).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import marshmallow as ma
from flask import request
from flask_babel import gettext
from flask_smorest import Blueprint

from marketplace.api.application_schemas import Yuan
from marketplace.api.schemas import StrictSchema, enum_doc
from marketplace.api.security import api_user, guard_api_blueprint
from marketplace.api.transactions import in_unit_of_work
from marketplace.domain_errors import N_, NotAllowed
from marketplace.extensions import db
from marketplace.models import User
from marketplace.money import format_yuan
from marketplace.rules.catalogue import CATEGORIES
from marketplace.rules.fund_policy import FundPolicy
from marketplace.services import fund

URL_PREFIX = "/fund"
blp = Blueprint("api_fund", __name__, description="The smart-city fund (fund managers; regulators read)")
guard_api_blueprint(blp, "fund_manager", "regulator")


@blp.before_request
def _only_managers_write():
    # Before the body is read: a regulator's PUT is refused whatever it carries.
    if request.method not in ("GET", "HEAD", "OPTIONS") and api_user().role not in fund.POLICY_EDITORS:
        raise NotAllowed(N_("Only fund managers set the fund's policy."))


class Leverage(ma.fields.Field):
    """A leverage as a decimal string ("4.50"), at most 2 decimals; integers are read too."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ma.ValidationError(gettext('Give the leverage as a decimal string, such as "4.50".'))
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ma.ValidationError(
                gettext('Give the leverage as a decimal string, such as "4.50".')
            ) from None
        if not number.is_finite() or number.as_tuple().exponent < -2:
            raise ma.ValidationError(gettext("The leverage may have at most 2 decimal places."))
        return number

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{Decimal(value):.2f}"


class PolicyInSchema(StrictSchema):
    max_share_bps = ma.fields.Int(required=True, strict=True, metadata={"description": "0-3000"})
    eligible_categories = ma.fields.List(
        ma.fields.Str(metadata=enum_doc(CATEGORIES)), required=True, validate=ma.validate.Length(max=10)
    )
    max_per_enterprise = Yuan(load_default=None, allow_none=True, metadata={"description": "null: no limit"})
    budgets = ma.fields.Dict(
        keys=ma.fields.Str(metadata=enum_doc(CATEGORIES)),
        values=Yuan(),
        load_default=dict,
        validate=ma.validate.Length(max=10),
        metadata={"description": "{category: yuan}; a category left out has no budget"},
    )
    target_leverage = Leverage(required=True, metadata={"type": "string", "example": "4.00"})


class PolicySchema(ma.Schema):
    version = ma.fields.Int(allow_none=True, metadata={"description": "null: the defaults apply"})
    max_share_bps = ma.fields.Int()
    eligible_categories = ma.fields.List(ma.fields.Str())
    max_per_enterprise = ma.fields.Str(allow_none=True)
    budgets = ma.fields.Dict(keys=ma.fields.Str(), values=ma.fields.Str())
    target_leverage = ma.fields.Str()
    created_at = ma.fields.AwareDateTime(allow_none=True)
    created_by = ma.fields.Str(allow_none=True)


class CategorySchema(ma.Schema):
    committed = ma.fields.Str()
    outstanding = ma.fields.Str()
    budget = ma.fields.Str(allow_none=True)


class FundSchema(ma.Schema):
    pool = ma.fields.Str()
    committed = ma.fields.Str()
    lent_outstanding = ma.fields.Str()
    repaid = ma.fields.Str()
    leverage = ma.fields.Str(allow_none=True, metadata={"description": "null before the fund lends"})
    target_leverage = ma.fields.Str()
    policy_version = ma.fields.Int(allow_none=True)
    by_category = ma.fields.Dict(keys=ma.fields.Str(), values=ma.fields.Nested(CategorySchema))


def _yuan(fen: int | None) -> str | None:
    return None if fen is None else format_yuan(fen)


def policy_body(row) -> dict:
    """The policy in force as the API shows it (the defaults, version null, before any is saved)."""
    policy = fund.policy_from_row(row)
    return {
        "version": row.version if row else None,
        "max_share_bps": policy.max_share_bps,
        "eligible_categories": [code for code in CATEGORIES if code in policy.eligible_categories],
        "max_per_enterprise": _yuan(policy.max_per_enterprise_fen),
        "budgets": {code: format_yuan(fen) for code, fen in policy.budgets_fen.items()},
        "target_leverage": f"{policy.target_leverage:.2f}",
        "created_at": row.created_at if row else None,
        "created_by": db.session.get(User, row.created_by_id).email if row is not None else None,
    }


@blp.get("")
@blp.response(200, FundSchema)
def figures():
    """The fund's pool, money committed to open listings, principal lent and still outstanding,
    principal repaid, leverage achieved (private yuan per fund yuan lent) against the target, and
    each category's commitments and loans against its budget (yuan strings)."""
    found = fund.overview(db.session)
    return {
        "pool": format_yuan(found.pool_fen),
        "committed": format_yuan(found.committed_fen),
        "lent_outstanding": format_yuan(found.lent_outstanding_fen),
        "repaid": format_yuan(found.repaid_fen),
        "leverage": None if found.leverage is None else f"{found.leverage:.2f}",
        "target_leverage": f"{found.target_leverage:.2f}",
        "policy_version": found.policy_version,
        "by_category": {
            code: {
                "committed": format_yuan(item.committed_fen),
                "outstanding": format_yuan(item.outstanding_fen),
                "budget": _yuan(item.budget_fen),
            }
            for code, item in found.by_category.items()
        },
    }


@blp.get("/policy")
@blp.response(200, PolicySchema)
def policy():
    """The policy in force; `version` null means no fund manager has set one and the defaults apply."""
    return policy_body(fund.latest_policy_version(db.session))


@blp.put("/policy")
@blp.arguments(PolicyInSchema)
@blp.response(200, PolicySchema)
@in_unit_of_work
def set_policy(data):
    """Save a new version of the policy (fund managers only; regulators 403); 422 naming the field."""
    row = fund.set_policy(
        db.session,
        api_user(),
        FundPolicy(
            max_share_bps=data["max_share_bps"],
            eligible_categories=frozenset(data["eligible_categories"]),
            max_per_enterprise_fen=data["max_per_enterprise"],
            budgets_fen=data["budgets"],
            target_leverage=data["target_leverage"],
        ),
    )
    return policy_body(row)
