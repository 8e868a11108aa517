"""Auto-invest: investors' saved rules, and the automatic bids a listing receives when it opens.

`run_autoinvest` gathers each matching investor's standing in a fixed number of statements
(whatever the number of rules), lets the pure rule `rules.autoinvest.plan_auto_bids` choose the
bids and their order, and places each through `bids.place_bid` like a manual bid (source "auto"),
so every check of a manual bid applies. A bid refused there (the money moved meanwhile) is
skipped inside its own savepoint: the approval and the other investors' bids stand.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import N_, DomainError, Message, NotAllowed, NotFound, ValidationFailed
from marketplace.models import AutoInvestRule, Bid, LedgerAccount, Listing, LoanPart, RiskQuestionnaire, User
from marketplace.models.assessments import GRADES
from marketplace.models.base import utcnow
from marketplace.pagination import FIRST_PAGE, Page, PageRequest, paginate
from marketplace.rules import limits
from marketplace.rules.autoinvest import AutoRule, InvestorFacts, ListingFacts, plan_auto_bids
from marketplace.rules.catalogue import CATEGORIES, REPAYMENT_METHODS
from marketplace.services import audit, bids

# The marketplace's calendar (the questionnaire's validity is counted in its days) when the caller
# has only a moment: approvals open listings from a moment, not a day.
MARKET_ZONE = ZoneInfo("Asia/Shanghai")


def market_day(now: datetime) -> date:
    """The day `now` falls on in the marketplace's zone."""
    return now.astimezone(MARKET_ZONE).date()


# --- Saved rules --------------------------------------------------------------------------------


def _codes(values, allowed, field: str, problems: dict) -> list[str]:
    values = list(dict.fromkeys(values or ()))
    if not values or any(value not in allowed for value in values):
        problems[field] = [N_("Choose one or more of the offered values.")]
    return values


def create_rule(session: so.Session, investor: User, data: dict) -> AutoInvestRule:
    """Save a rule (grades, categories, term range, methods, minimum rate, amounts in fen)."""
    if investor.role != bids.BIDDING_ROLE:
        raise NotAllowed(N_("Only investors set auto-invest rules."))
    problems: dict[str, list] = {}
    grades = _codes(data.get("grades"), GRADES, "grades", problems)
    categories = _codes(data.get("categories"), CATEGORIES, "categories", problems)
    methods = _codes(data.get("methods"), REPAYMENT_METHODS, "methods", problems)
    low, high = data.get("min_term"), data.get("max_term")
    if not (
        isinstance(low, int)
        and isinstance(high, int)
        and limits.MIN_TERM_MONTHS <= low <= high <= limits.MAX_TERM_MONTHS
    ):
        problems["terms"] = [
            Message(
                N_("Give the shortest and longest term, %(min)s to %(max)s months."),
                min=limits.MIN_TERM_MONTHS,
                max=limits.MAX_TERM_MONTHS,
            )
        ]
    rate = data.get("min_rate_bps")
    if not isinstance(rate, int) or not limits.MIN_RATE_BPS <= rate <= limits.MAX_RATE_BPS:
        problems["min_rate_bps"] = [
            Message(
                N_("The minimum rate must be %(min)s to %(max)s basis points."),
                min=limits.MIN_RATE_BPS,
                max=f"{limits.MAX_RATE_BPS:,}",
            )
        ]
    amount, total = data.get("amount_per_loan_fen"), data.get("max_total_fen")
    if (problem := bids.amount_problem(amount)) is not None:
        problems["amount_per_loan"] = [problem]
    elif not isinstance(total, int) or total < amount:
        problems["max_total"] = [N_("The most to invest must cover at least one loan's amount.")]
    if problems:
        raise ValidationFailed(N_("The rule has errors; see the fields."), fields=problems)
    rule = AutoInvestRule(
        investor_id=investor.id,
        grades="".join(sorted(grades)),
        categories=",".join(categories),
        methods=",".join(methods),
        min_term=low,
        max_term=high,
        min_rate_bps=rate,
        amount_per_loan_fen=amount,
        max_total_fen=total,
        active=bool(data.get("active", True)),
    )
    session.add(rule)
    session.flush()
    audit.record(
        session,
        actor=investor,
        action="autoinvest.rule_created",
        object_type="autoinvest_rule",
        object_id=rule.id,
        payload={
            "grades": rule.grades,
            "categories": rule.categories,
            "methods": rule.methods,
            "terms": [low, high],
            "min_rate_bps": rate,
            "amount_per_loan_fen": amount,
            "max_total_fen": total,
            "active": rule.active,
        },
    )
    return rule


def investor_rules(session: so.Session, investor: User, page: PageRequest = FIRST_PAGE) -> Page:
    """One page of the investor's rules that are not deleted, oldest first."""
    if investor.role != bids.BIDDING_ROLE:
        raise NotAllowed(N_("Only investors set auto-invest rules."))
    query = (
        sa.select(AutoInvestRule)
        .where(AutoInvestRule.investor_id == investor.id, AutoInvestRule.deleted_at.is_(None))
        .order_by(AutoInvestRule.id)
    )
    return paginate(session, query, page)


def delete_rule(
    session: so.Session, investor: User, rule_id: int, *, now: datetime | None = None
) -> AutoInvestRule:
    """Delete one's rule: kept (its bids name it) but switched off and marked deleted."""
    rule = session.scalar(sa.select(AutoInvestRule).where(AutoInvestRule.id == rule_id).with_for_update())
    if rule is None or rule.deleted_at is not None:
        raise NotFound(N_("No such auto-invest rule."))
    if rule.investor_id != investor.id:
        raise NotAllowed(N_("This auto-invest rule is not yours."))
    rule.active, rule.deleted_at = False, now or utcnow()
    audit.record(
        session,
        actor=investor,
        action="autoinvest.rule_deleted",
        object_type="autoinvest_rule",
        object_id=rule.id,
    )


# --- Automatic bids on a listing that opens -----------------------------------------------------


def _auto_rule(rule: AutoInvestRule, invested_fen: int) -> AutoRule:
    return AutoRule(
        id=rule.id,
        investor_id=rule.investor_id,
        grades=frozenset(rule.grades),
        categories=frozenset(filter(None, rule.categories.split(","))),
        min_term=rule.min_term,
        max_term=rule.max_term,
        methods=frozenset(filter(None, rule.methods.split(","))),
        min_rate_bps=rule.min_rate_bps,
        amount_per_loan_fen=rule.amount_per_loan_fen,
        max_total_fen=rule.max_total_fen,
        invested_fen=invested_fen,
        active=rule.active and rule.deleted_at is None,
    )


def _candidate_rules(session: so.Session, listing: Listing) -> list[AutoInvestRule]:
    # The cheap filters in SQL; the pure rule checks every filter again.
    return list(
        session.scalars(
            sa.select(AutoInvestRule).where(
                AutoInvestRule.active.is_(True),
                AutoInvestRule.deleted_at.is_(None),
                AutoInvestRule.min_term <= listing.term_months,
                AutoInvestRule.max_term >= listing.term_months,
                AutoInvestRule.min_rate_bps <= listing.max_rate_bps,
                AutoInvestRule.investor_id != listing.borrower_id,
            )
        )
    )


def _invested_by_rule(session: so.Session, rule_ids: list[int]) -> dict[int, int]:
    """Per rule: its active bids plus the outstanding principal of the parts its bids became."""
    invested: dict[int, int] = defaultdict(int)
    active = session.execute(
        sa.select(Bid.rule_id, sa.func.sum(Bid.amount_fen))
        .where(Bid.rule_id.in_(rule_ids), Bid.status == "active")
        .group_by(Bid.rule_id)
    )
    parts = session.execute(
        sa.select(Bid.rule_id, sa.func.sum(LoanPart.outstanding_fen))
        .join(LoanPart, LoanPart.bid_id == Bid.id)
        .where(Bid.rule_id.in_(rule_ids))
        .group_by(Bid.rule_id)
    )
    for rule_id, amount in [*active, *parts]:
        invested[rule_id] += int(amount or 0)
    return invested


def _investor_facts(session: so.Session, investor_ids: list[int], today: date) -> list[InvestorFacts]:
    """Each investor's wallet, headroom under the declared limit, valid risk class and last turn."""
    wallets = dict(
        session.execute(
            sa.select(LedgerAccount.owner_id, LedgerAccount.balance).where(
                LedgerAccount.owner_type == "user",
                LedgerAccount.owner_id.in_(investor_ids),
                LedgerAccount.kind == "wallet",
            )
        ).all()
    )
    latest = (
        sa.select(RiskQuestionnaire.investor_id, sa.func.max(RiskQuestionnaire.id).label("id"))
        .where(RiskQuestionnaire.investor_id.in_(investor_ids))
        .group_by(RiskQuestionnaire.investor_id)
        .subquery()
    )
    results = {
        row.investor_id: row
        for row in session.scalars(
            sa.select(RiskQuestionnaire).join(latest, latest.c.id == RiskQuestionnaire.id)
        )
    }
    at_risk: dict[int, int] = defaultdict(int)
    for investor_id, amount in [
        *session.execute(
            sa.select(Bid.investor_id, sa.func.sum(Bid.amount_fen))
            .where(Bid.investor_id.in_(investor_ids), Bid.status == "active")
            .group_by(Bid.investor_id)
        ),
        *session.execute(
            sa.select(LoanPart.investor_id, sa.func.sum(LoanPart.outstanding_fen))
            .where(LoanPart.investor_id.in_(investor_ids))
            .group_by(LoanPart.investor_id)
        ),
    ]:
        at_risk[investor_id] += int(amount or 0)
    served = dict(
        session.execute(
            sa.select(Bid.investor_id, sa.func.max(Bid.created_at))
            .where(Bid.investor_id.in_(investor_ids), Bid.source == "auto")
            .group_by(Bid.investor_id)
        ).all()
    )
    facts = []
    for investor_id in investor_ids:
        result = results.get(investor_id)
        valid = result is not None and result.valid_until >= today
        facts.append(
            InvestorFacts(
                investor_id=investor_id,
                available_fen=int(wallets.get(investor_id, 0)),
                headroom_fen=(result.declared_limit_fen - at_risk[investor_id]) if valid else 0,
                risk_class=result.risk_class if valid else None,
                last_served_at=served.get(investor_id),
            )
        )
    return facts


def run_autoinvest(session: so.Session, listing: Listing, *, now: datetime, today: date) -> list[Bid]:
    """Place the automatic bids of every matching rule on a listing that has just opened."""
    rules = _candidate_rules(session, listing)
    if not rules:
        return []
    invested = _invested_by_rule(session, [rule.id for rule in rules])
    bid_total = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Bid.amount_fen), 0)).where(
            Bid.listing_id == listing.id, Bid.status == "active"
        )
    )
    facts = ListingFacts(
        grade=listing.grade or "",
        category=listing.category,
        term_months=listing.term_months,
        repayment_method=listing.repayment_method,
        max_rate_bps=listing.max_rate_bps,
        room_fen=listing.amount_fen - listing.fund_committed_fen - int(bid_total),
    )
    investor_ids = sorted({rule.investor_id for rule in rules})
    planned = plan_auto_bids(
        facts,
        [_auto_rule(rule, invested[rule.id]) for rule in rules],
        _investor_facts(session, investor_ids, today),
    )
    investors = {user.id: user for user in session.scalars(sa.select(User).where(User.id.in_(investor_ids)))}
    placed = []
    for position, plan in enumerate(planned):
        try:
            with session.begin_nested():
                placed.append(
                    bids.place_bid(
                        session,
                        investors[plan.investor_id],
                        listing.id,
                        amount_fen=plan.amount_fen,
                        min_rate_bps=plan.min_rate_bps,
                        # The rotation's order is kept in the bids' times: the next listing's
                        # rotation sees who went first here (and puts them last).
                        now=now + timedelta(microseconds=position),
                        today=today,
                        source="auto",
                        rule_id=plan.rule_id,
                    )
                )
        except DomainError:
            continue  # refused (e.g. the account was disabled or the money moved): the next investor
    return placed
