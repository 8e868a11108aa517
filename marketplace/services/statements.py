"""Yearly financial statements: consistency-checked, up to the last three fiscal years."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import (
    N_,
    Conflict,
    InvalidState,
    NotAllowed,
    NotFound,
    ValidationFailed,
    refuse_unknown_fields,
)
from marketplace.models import Enterprise, FinancialStatement, User
from marketplace.money import MAX_ABS_FEN
from marketplace.rules.statement_checks import statement_problems
from marketplace.services import audit
from marketplace.services.enterprises import ensure_not_under_review, enterprise_of
from scoring.statements import STATEMENT_FIELDS, key_ratios

YEARS_KEPT = 3


def fiscal_years(today: date) -> list[int]:
    """The fiscal years a statement may be filed for: the last three completed years."""
    return [today.year - offset for offset in range(1, YEARS_KEPT + 1)]


def _own_enterprise(session: so.Session, user: User) -> Enterprise:
    if user.role != "sme":
        raise NotAllowed(N_("Only SME accounts file financial statements."))
    enterprise = enterprise_of(session, user)
    if enterprise is None:
        raise InvalidState(N_("Complete your enterprise profile before filing statements."))
    return enterprise


def file_statement(
    session: so.Session, user: User, year: int, values: dict[str, int], *, today: date, replace: bool = False
) -> FinancialStatement:
    """Save one year's statement if it is consistent; a second filing of a year needs `replace`."""
    enterprise = _own_enterprise(session, user)
    ensure_not_under_review(session, enterprise)
    refuse_unknown_fields(values, STATEMENT_FIELDS)
    problems: dict[str, list[str]] = {}
    years = fiscal_years(today)
    if year not in years:
        problems["year"] = [N_("Statements are filed for the last three completed fiscal years.")]
    for name in STATEMENT_FIELDS:
        if not isinstance(values.get(name), int):
            problems.setdefault(name, []).append(N_("This field is required."))
        elif abs(values[name]) > MAX_ABS_FEN:
            problems.setdefault(name, []).append(N_("This amount is too large."))
    if not problems:
        problems = statement_problems(values)
    if problems:
        raise ValidationFailed(N_("The statement is not consistent; see the fields."), fields=problems)
    statement = session.scalar(
        sa.select(FinancialStatement)
        .where(FinancialStatement.enterprise_id == enterprise.id, FinancialStatement.year == year)
        .with_for_update()
    )
    if statement is not None and not replace:
        raise Conflict(N_("A statement for %(year)s is already filed; edit it instead."), year=year)
    created = statement is None
    if created:
        statement = FinancialStatement(enterprise_id=enterprise.id, year=year)
        session.add(statement)
    for name in STATEMENT_FIELDS:
        setattr(statement, name, values[name])
    session.flush()
    audit.record(
        session,
        actor=user,
        action="statement.filed" if created else "statement.replaced",
        object_type="financial_statement",
        object_id=statement.id,
        payload={"enterprise_id": enterprise.id, "year": year, **values},
    )
    return statement


def statement_for_year(session: so.Session, user: User, year: int) -> FinancialStatement:
    """The SME's own statement for `year` (404 when it was never filed)."""
    enterprise = _own_enterprise(session, user)
    statement = session.scalar(
        sa.select(FinancialStatement).where(
            FinancialStatement.enterprise_id == enterprise.id, FinancialStatement.year == year
        )
    )
    if statement is None:
        raise NotFound(N_("No statement is filed for %(year)s."), year=year)
    return statement


def statements_of(session: so.Session, enterprise: Enterprise | None) -> list[FinancialStatement]:
    """The enterprise's statements, newest year first."""
    if enterprise is None:
        return []
    return list(
        session.scalars(
            sa.select(FinancialStatement)
            .where(FinancialStatement.enterprise_id == enterprise.id)
            .order_by(FinancialStatement.year.desc())
        )
    )


def values_of(statement: FinancialStatement) -> dict[str, int]:
    """The statement's amounts in fen, keyed by STATEMENT_FIELDS."""
    return {name: getattr(statement, name) for name in STATEMENT_FIELDS}


def ratios_by_year(statements: list[FinancialStatement]) -> dict[int, dict[str, Decimal | None]]:
    """Key ratios per year (scoring.statements.key_ratios), growth against the year before."""
    by_year = {statement.year: values_of(statement) for statement in statements}
    return {year: key_ratios(values, by_year.get(year - 1)) for year, values in by_year.items()}
