"""Auto-invest: which saved rules bid on a listing that opens, for how much, in what order.

Matching rules place ordinary bids (visible and cancellable like any other) at the rule's
minimum rate. Investors take turns in a fair rotation: the investor served longest ago goes first
(never served before anyone), ties by account id, so the order is deterministic. Each investor
places at most one automatic bid per listing, from their matching rule with the lowest id. A bid
is the rule's amount per loan, cut to what the rule may still invest (its maximum total), the
money in the wallet, the investor's declared limit and the listing's room (automatic bids fill at
most the private target, leaving competition at the margin to manual bids), in whole ¥50 units;
an investor whose bid would be below ¥50 is skipped and keeps their turn.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from marketplace.rules import limits
from marketplace.rules.appropriateness import may_bid_on


@dataclass(frozen=True)
class ListingFacts:
    """What a rule is matched against."""

    grade: str
    category: str
    term_months: int
    repayment_method: str
    max_rate_bps: int
    room_fen: int  # private target less the bids already on the listing


@dataclass(frozen=True)
class AutoRule:
    """One saved rule with what it has invested so far (active bids and outstanding parts)."""

    id: int
    investor_id: int
    grades: frozenset[str]
    categories: frozenset[str]
    min_term: int
    max_term: int
    methods: frozenset[str]
    min_rate_bps: int
    amount_per_loan_fen: int
    max_total_fen: int
    invested_fen: int
    active: bool = True


@dataclass(frozen=True)
class InvestorFacts:
    """An investor's standing when the listing opens."""

    investor_id: int
    available_fen: int
    headroom_fen: int  # declared limit less money already at risk
    risk_class: str | None  # None: no valid questionnaire, so no bids
    last_served_at: datetime | None


@dataclass(frozen=True)
class PlannedBid:
    """An automatic bid to place."""

    investor_id: int
    rule_id: int
    amount_fen: int
    min_rate_bps: int


def rule_matches(rule: AutoRule, listing: ListingFacts) -> bool:
    """Whether a rule wants this listing (its filters and its minimum rate)."""
    return (
        rule.active
        and listing.grade in rule.grades
        and listing.category in rule.categories
        and rule.min_term <= listing.term_months <= rule.max_term
        and listing.repayment_method in rule.methods
        and rule.min_rate_bps <= listing.max_rate_bps
    )


def rotation(investors: Iterable[InvestorFacts]) -> list[InvestorFacts]:
    """Investors in turn order: never served first, then served longest ago, ties by id."""
    return sorted(
        investors,
        key=lambda i: (i.last_served_at is not None, i.last_served_at or datetime.min, i.investor_id),
    )


def _whole_units(fen: int) -> int:
    return max(fen, 0) // limits.BID_UNIT_FEN * limits.BID_UNIT_FEN


def plan_auto_bids(
    listing: ListingFacts, rules: Sequence[AutoRule], investors: Iterable[InvestorFacts]
) -> list[PlannedBid]:
    """The automatic bids a newly opened listing receives, in the order they are placed."""
    first_rule: dict[int, AutoRule] = {}
    for rule in sorted(rules, key=lambda r: r.id):
        if rule_matches(rule, listing):
            first_rule.setdefault(rule.investor_id, rule)
    room = listing.room_fen
    planned = []
    for investor in rotation(i for i in investors if i.investor_id in first_rule):
        if room < limits.BID_UNIT_FEN:
            break
        if investor.risk_class is None or not may_bid_on(investor.risk_class, listing.grade):
            continue
        rule = first_rule[investor.investor_id]
        amount = _whole_units(
            min(
                rule.amount_per_loan_fen,
                rule.max_total_fen - rule.invested_fen,
                investor.available_fen,
                investor.headroom_fen,
                room,
            )
        )
        if amount < limits.BID_UNIT_FEN:
            continue
        planned.append(PlannedBid(investor.investor_id, rule.id, amount, rule.min_rate_bps))
        room -= amount
    return planned
