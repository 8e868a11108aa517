"""What each role's home page shows: its figures and its next step, each in a few queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models import (
    AutoInvestRule,
    Bid,
    FinancialStatement,
    Listing,
    LoanApplication,
    RiskQuestionnaire,
    User,
)
from marketplace.services import ledger, questionnaires, reviews
from marketplace.services.enterprises import enterprise_of
from marketplace.services.statements import fiscal_years


def applications_by_status(session: so.Session, *, applicant: User | None = None) -> dict[str, int]:
    """How many applications are in each status (an SME's own, or all of them)."""
    query = sa.select(LoanApplication.status, sa.func.count()).group_by(LoanApplication.status)
    if applicant is not None:
        query = query.where(LoanApplication.applicant_id == applicant.id)
    return dict(session.execute(query).all())


@dataclass(frozen=True)
class SmeProgress:
    """Where an SME stands on the way to a loan; `next_step` names what to do now."""

    has_profile: bool
    years_filed: list[int]
    years_open: list[int]
    applications: dict[str, int]

    @property
    def next_step(self) -> str:
        if not self.has_profile:
            return "profile"
        if not self.years_filed:
            return "statements"
        if self.applications.get("info_requested"):
            return "answer"
        if self.applications.get("draft"):
            return "submit"
        if not any(self.applications.get(s) for s in ("in_review", "awaiting_second_approval", "approved")):
            return "apply"
        return "wait"


def sme_progress(session: so.Session, user: User, *, today: date) -> SmeProgress:
    """The SME's profile, statements and applications at a glance."""
    enterprise = enterprise_of(session, user)
    filed = []
    if enterprise is not None:
        filed = list(
            session.scalars(
                sa.select(FinancialStatement.year)
                .where(FinancialStatement.enterprise_id == enterprise.id)
                .order_by(FinancialStatement.year.desc())
            )
        )
    return SmeProgress(
        has_profile=enterprise is not None,
        years_filed=filed,
        years_open=[year for year in fiscal_years(today) if year not in filed],
        applications=applications_by_status(session, applicant=user),
    )


def fund_manager_figures(session: so.Session, user: User) -> dict[str, int]:
    """The review work waiting for this fund manager."""
    counts = applications_by_status(session)
    return {
        "in_review": counts.get("in_review", 0),
        "second_approvals": reviews.second_approvals_waiting(session, user),
        "info_requested": counts.get("info_requested", 0),
        "approved": counts.get("approved", 0),
    }


def wallet_figures(session: so.Session, user: User) -> dict[str, int]:
    """Available and held money of a wallet holder, in fen."""
    balances = ledger.balances(session, user)
    return {"available": balances.get("wallet", 0), "held": balances.get("held", 0)}


@dataclass(frozen=True)
class InvestorSteps:
    """Where an investor stands on the marketplace: what they may do next."""

    questionnaire: RiskQuestionnaire | None  # the latest, valid or not
    questionnaire_valid: bool
    open_listings: int
    active_bids: int
    active_bid_total_fen: int
    auto_rules: int


def investor_steps(session: so.Session, investor: User, *, today: date) -> InvestorSteps:
    """The investor's questionnaire standing, the open listings, their active bids and rules."""
    latest = questionnaires.latest(session, investor)
    count, total = session.execute(
        sa.select(sa.func.count(Bid.id), sa.func.coalesce(sa.func.sum(Bid.amount_fen), 0)).where(
            Bid.investor_id == investor.id, Bid.status == "active"
        )
    ).one()
    open_count = session.scalar(
        sa.select(sa.func.count()).select_from(Listing).where(Listing.status == "open")
    )
    rules = session.scalar(
        sa.select(sa.func.count())
        .select_from(AutoInvestRule)
        .where(
            AutoInvestRule.investor_id == investor.id,
            AutoInvestRule.deleted_at.is_(None),
            AutoInvestRule.active.is_(True),
        )
    )
    return InvestorSteps(
        questionnaire=latest,
        questionnaire_valid=latest is not None and latest.valid_until >= today,
        open_listings=int(open_count),
        active_bids=int(count),
        active_bid_total_fen=int(total),
        auto_rules=int(rules),
    )
