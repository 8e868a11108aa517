"""The SME's enterprise profile and its yearly financial statements."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models.base import Base, UTCDateTime, enum_check, utcnow
from marketplace.rules.catalogue import CATEGORIES, INDUSTRIES, TAX_CREDIT_RATINGS
from marketplace.rules.statement_checks import NON_NEGATIVE


class Enterprise(Base):
    """One enterprise per SME account, identified by its unified social credit code."""

    __tablename__ = "enterprises"
    __table_args__ = (
        enum_check("industry", tuple(INDUSTRIES)),
        enum_check("tax_credit_rating", TAX_CREDIT_RATINGS),
        enum_check("category", CATEGORIES),
        sa.CheckConstraint("registered_capital_fen >= 0", name="registered_capital_non_negative"),
        sa.CheckConstraint("employees >= 0", name="employees_non_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    owner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    uscc: so.Mapped[str] = so.mapped_column(sa.String(18), unique=True)
    legal_representative: so.Mapped[str] = so.mapped_column(sa.String(100))
    founded_on: so.Mapped[date] = so.mapped_column(sa.Date)
    registered_capital_fen: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    industry: so.Mapped[str] = so.mapped_column(sa.String(1))
    employees: so.Mapped[int] = so.mapped_column(sa.Integer)
    district: so.Mapped[str] = so.mapped_column(sa.String(100))
    tax_credit_rating: so.Mapped[str] = so.mapped_column(sa.String(1))
    category: so.Mapped[str] = so.mapped_column(sa.String(20))
    contact_phone: so.Mapped[str | None] = so.mapped_column(sa.String(11))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    statements: so.Mapped[list[FinancialStatement]] = so.relationship(
        back_populates="enterprise", order_by="FinancialStatement.year.desc()"
    )

    def __repr__(self) -> str:
        return f"<Enterprise {self.id} {self.uscc}>"


class FinancialStatement(Base):
    """One fiscal year's statement; every amount column holds integer fen."""

    __tablename__ = "financial_statements"
    __table_args__ = (
        sa.UniqueConstraint("enterprise_id", "year", name="uq_financial_statements_enterprise_year"),
        sa.CheckConstraint("year >= 1949 AND year <= 9999", name="year_range"),
        *(sa.CheckConstraint(f"{name} >= 0", name=f"{name}_non_negative") for name in NON_NEGATIVE),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    enterprise_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    year: so.Mapped[int] = so.mapped_column(sa.Integer)
    revenue: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    cost_of_sales: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    operating_profit: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    profit_before_tax: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    net_profit: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    depreciation: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    interest_expense: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    total_assets: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    fixed_assets: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    current_assets: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    inventory: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    receivables: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    cash: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    total_liabilities: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    current_liabilities: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    equity: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    share_capital: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    retained_earnings: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    enterprise: so.Mapped[Enterprise] = so.relationship(back_populates="statements")

    def __repr__(self) -> str:
        return f"<FinancialStatement {self.enterprise_id} {self.year}>"
