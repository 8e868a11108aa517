"""The SME's enterprise profile and financial statements: /enterprise, /enterprise/statements."""

from __future__ import annotations

from datetime import date

from flask_smorest import Blueprint

from marketplace.api.application_schemas import (
    EnterpriseInSchema,
    EnterpriseSchema,
    StatementInSchema,
    StatementListSchema,
    StatementSchema,
    StatementUpdateSchema,
)
from marketplace.api.security import api_user, guard_api_blueprint
from marketplace.api.transactions import in_unit_of_work
from marketplace.domain_errors import N_, NotFound
from marketplace.extensions import db
from marketplace.services import enterprises, statements

URL_PREFIX = "/enterprise"
blp = Blueprint("api_enterprise", __name__, description="The SME's enterprise and statements")
guard_api_blueprint(blp, "sme")


def statement_dict(statement, ratios: dict) -> dict:
    """A statement with its key ratios as decimal strings (None when not computable)."""
    return {
        **{"id": statement.id, "year": statement.year},
        **statements.values_of(statement),
        "ratios": {name: (None if value is None else str(value)) for name, value in ratios.items()},
    }


def _with_ratios(statement) -> dict:
    enterprise = enterprises.enterprise_of(db.session, api_user())
    ratios = statements.ratios_by_year(statements.statements_of(db.session, enterprise))
    return statement_dict(statement, ratios[statement.year])


@blp.get("")
@blp.response(200, EnterpriseSchema)
def get_enterprise():
    """Your enterprise profile (404 until you create it)."""
    enterprise = enterprises.enterprise_of(db.session, api_user())
    if enterprise is None:
        raise NotFound(N_("You have not created your enterprise profile yet."))
    return enterprise


@blp.put("")
@blp.arguments(EnterpriseInSchema)
@blp.response(200, EnterpriseSchema)
@in_unit_of_work
def put_enterprise(data):
    """Create or replace your enterprise profile (USCC checked per GB 32100-2015)."""
    enterprise = enterprises.save_enterprise(db.session, api_user(), data, today=date.today())
    return enterprise


@blp.get("/statements")
@blp.response(200, StatementListSchema)
def list_statements():
    """Your financial statements, newest year first, each with its key ratios."""
    enterprise = enterprises.enterprise_of(db.session, api_user())
    found = statements.statements_of(db.session, enterprise)
    ratios = statements.ratios_by_year(found)
    return {"items": [statement_dict(s, ratios[s.year]) for s in found]}


@blp.post("/statements")
@blp.arguments(StatementInSchema)
@blp.response(201, StatementSchema)
@in_unit_of_work
def file_statement(data):
    """File one fiscal year's statement (a year already filed is a 409: use PUT to replace it)."""
    year = data.pop("year")
    statement = statements.file_statement(db.session, api_user(), year, data, today=date.today())
    return _with_ratios(statement)


@blp.get("/statements/<int:year>")
@blp.response(200, StatementSchema)
def get_statement(year: int):
    """One year's statement with its key ratios."""
    return _with_ratios(statements.statement_for_year(db.session, api_user(), year))


@blp.put("/statements/<int:year>")
@blp.arguments(StatementUpdateSchema)
@blp.response(200, StatementSchema)
@in_unit_of_work
def replace_statement(data, year: int):
    """Replace one year's statement (the same consistency checks apply)."""
    statements.statement_for_year(db.session, api_user(), year)
    statement = statements.file_statement(
        db.session, api_user(), year, data, today=date.today(), replace=True
    )
    return _with_ratios(statement)
