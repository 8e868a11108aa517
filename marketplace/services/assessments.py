"""Scoring an application with the active credit model, and showing why (docs/scoring.md)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import N_, ValidationFailed
from marketplace.models import CreditAssessment, LoanApplication
from marketplace.models.base import as_utc
from marketplace.services import statements

if TYPE_CHECKING:
    from scoring.registry import LoadedModel

PD_PLACES = Decimal("0.00000001")


def assess_application(
    session: so.Session,
    application: LoanApplication,
    *,
    model: LoadedModel,
    rate_table: Mapping[str, int] | None = None,
) -> CreditAssessment:
    """Score the application from its enterprise's statements (newest year first) and store it.

    The stored row keeps the model version, artifact hash and every feature value, so the
    grade can be explained after a newer model is promoted.
    """
    filed = statements.statements_of(session, application.enterprise)
    if not filed:
        message = N_("File at least one financial statement before submitting.")
        raise ValidationFailed(message, fields={"application": [message]})
    current, *prior = (statements.values_of(s) for s in filed)
    result = model.assess(current, prior, rate_table=rate_table).to_dict()
    assessment = CreditAssessment(
        application=application,
        model_version=result["model_version"],
        artifact_sha256=model.metadata["artifact_sha256"],
        pd=Decimal(repr(result["pd"])).quantize(PD_PLACES),
        score=result["score"],
        grade=result["grade"],
        max_rate_bps=result["max_rate_bps"],
        reasons=result["reasons"],
        features=result["features"],
        statement_years=[s.year for s in filed],
    )
    session.add(assessment)
    session.flush()
    return assessment


def summary(assessment: CreditAssessment | None, language: str = "en") -> dict | None:
    """The API's view of an assessment: {pd, score, grade, reasons: [{code, text}], ...}."""
    if assessment is None:
        return None
    text_key = "text_zh" if language == "zh_CN" else "text_en"
    return {
        "pd": float(assessment.pd),
        "score": assessment.score,
        "grade": assessment.grade,
        "max_rate_bps": assessment.max_rate_bps,
        "model_version": assessment.model_version,
        "assessed_at": as_utc(assessment.created_at).isoformat(),
        "reasons": [
            {"code": r["code"], "text": r[text_key], "feature": r["feature"], "value": r["value"]}
            for r in assessment.reasons
        ],
    }


def live_assessments(session: so.Session, model_version: str) -> list[CreditAssessment]:
    """Every stored assessment made by one model version (drift against its training data)."""
    return list(
        session.scalars(sa.select(CreditAssessment).where(CreditAssessment.model_version == model_version))
    )
