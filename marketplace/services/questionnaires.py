"""The investor's risk questionnaire: answered, scored, audited, renewed yearly."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import N_, NotAllowed, ValidationFailed
from marketplace.models import RiskQuestionnaire, User
from marketplace.rules.appropriateness import Answers, answer_problems, risk_class, score, valid_until
from marketplace.services import audit


def _require_investor(user: User) -> None:
    if user.role != "investor":
        raise NotAllowed(N_("Only investors answer the risk questionnaire."))


def answer(session: so.Session, investor: User, answers: Answers, *, today: date) -> RiskQuestionnaire:
    """Score the answers into a risk class valid for a year; the answers and result are audited."""
    _require_investor(investor)
    problems = answer_problems(answers)
    if problems:
        raise ValidationFailed(
            N_("The questionnaire has errors; see the fields."),
            fields={name: [message] for name, message in problems.items()},
        )
    result = RiskQuestionnaire(
        investor_id=investor.id,
        age_band=answers.age_band,
        annual_income_fen=answers.annual_income_fen,
        investable_assets_fen=answers.investable_assets_fen,
        experience_years=answers.experience_years,
        loss_tolerance=answers.loss_tolerance,
        score=score(answers),
        risk_class=risk_class(answers),
        declared_limit_fen=answers.declared_limit_fen,
        valid_until=valid_until(today),
    )
    session.add(result)
    session.flush()
    audit.record(
        session,
        actor=investor,
        action="investor.questionnaire_answered",
        object_type="risk_questionnaire",
        object_id=result.id,
        payload={
            "answers": {
                "age_band": answers.age_band,
                "annual_income_fen": answers.annual_income_fen,
                "investable_assets_fen": answers.investable_assets_fen,
                "experience_years": answers.experience_years,
                "loss_tolerance": answers.loss_tolerance,
                "declared_limit_fen": answers.declared_limit_fen,
            },
            "score": result.score,
            "risk_class": result.risk_class,
            "valid_until": result.valid_until.isoformat(),
        },
    )
    return result


def latest(session: so.Session, investor: User) -> RiskQuestionnaire | None:
    """The investor's most recent answers, valid or not (None when never answered)."""
    return session.scalar(
        sa.select(RiskQuestionnaire)
        .where(RiskQuestionnaire.investor_id == investor.id)
        .order_by(RiskQuestionnaire.id.desc())
        .limit(1)
    )


def valid_result(session: so.Session, investor: User, *, today: date) -> RiskQuestionnaire | None:
    """The result that applies today, or None when never answered or expired (renew yearly)."""
    result = latest(session, investor)
    return result if result is not None and result.valid_until >= today else None
