"""The investor's risk questionnaire: answered (PUT) and read (GET)."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from marketplace.api.application_schemas import Yuan
from marketplace.api.schemas import StrictSchema, enum_doc
from marketplace.api.security import api_user, guard_api_blueprint
from marketplace.api.transactions import in_unit_of_work
from marketplace.domain_errors import N_, NotFound
from marketplace.extensions import db
from marketplace.investor.dates import market_today
from marketplace.rules.appropriateness import AGE_BANDS, LOSS_TOLERANCES, RISK_CLASSES, Answers
from marketplace.services import questionnaires

URL_PREFIX = "/investor"
blp = Blueprint("api_investor", __name__, description="The investor's risk questionnaire")
guard_api_blueprint(blp, "investor")


class QuestionnaireInSchema(StrictSchema):
    # Choices are checked by the rule, which answers 422 naming the field in the reader's language.
    age_band = ma.fields.Str(required=True, metadata=enum_doc(AGE_BANDS))
    annual_income = Yuan(required=True)
    investable_assets = Yuan(required=True)
    experience_years = ma.fields.Int(required=True, strict=True)
    loss_tolerance = ma.fields.Str(required=True, metadata=enum_doc(LOSS_TOLERANCES))
    declared_limit = Yuan(required=True)


class QuestionnaireSchema(ma.Schema):
    risk_class = ma.fields.Str(metadata=enum_doc(RISK_CLASSES))
    declared_limit = Yuan(attribute="declared_limit_fen")
    valid_until = ma.fields.Date()
    answered_at = ma.fields.AwareDateTime()
    valid = ma.fields.Method("_valid", metadata={"description": "false once valid_until has passed"})

    def _valid(self, result) -> bool:
        return result.valid_until >= market_today()


@blp.put("/questionnaire")
@blp.arguments(QuestionnaireInSchema)
@blp.response(200, QuestionnaireSchema)
@in_unit_of_work
def answer(data):
    """Answer the risk questionnaire: the result (risk class, declared limit) is valid for a year."""
    answers = Answers(
        age_band=data["age_band"],
        annual_income_fen=data["annual_income"],
        investable_assets_fen=data["investable_assets"],
        experience_years=data["experience_years"],
        loss_tolerance=data["loss_tolerance"],
        declared_limit_fen=data["declared_limit"],
    )
    return questionnaires.answer(db.session, api_user(), answers, today=market_today())


@blp.get("/questionnaire")
@blp.response(200, QuestionnaireSchema)
def current():
    """Your latest result (404 when never answered; `valid` is false once it has expired)."""
    result = questionnaires.latest(db.session, api_user())
    if result is None:
        raise NotFound(N_("You have not answered the risk questionnaire yet."))
    return result
