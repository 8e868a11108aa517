"""The smart-city fund's policy and what it allows a decision to commit (DESIGN.md, "The smart-city fund").

Fund managers set, in a versioned policy: the largest share the fund takes of one loan, the
categories it co-invests in, the most fund money one enterprise may have committed or lent, a
budget per category, and the leverage it aims at (private yuan lent per fund yuan). Until they
set them, every category is eligible and nothing limits a commitment but the fund's own money.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from marketplace.domain_errors import N_, Label, Message
from marketplace.money import yuan_label
from marketplace.rules import limits
from marketplace.rules.catalogue import CATEGORIES, CATEGORY_NAMES

DEFAULT_TARGET_LEVERAGE = Decimal("4")
MAX_TARGET_LEVERAGE = Decimal("100")


@dataclass(frozen=True)
class FundPolicy:
    """One version of the policy (amounts in fen; None: no limit)."""

    max_share_bps: int = limits.MAX_FUND_SHARE_BPS
    eligible_categories: frozenset[str] = frozenset(CATEGORIES)
    max_per_enterprise_fen: int | None = None
    budgets_fen: Mapping[str, int] = field(default_factory=dict)
    target_leverage: Decimal = DEFAULT_TARGET_LEVERAGE


@dataclass(frozen=True)
class FundPosition:
    """The fund money a new commitment adds to: the pool, and what is already committed or lent
    (to this enterprise, and in this category)."""

    pool_fen: int
    enterprise_fen: int
    category_fen: int


def policy_problems(policy: FundPolicy) -> dict[str, str]:
    """Each setting out of range, with its message (empty when the policy can be saved)."""
    problems = {}
    if not limits.MIN_FUND_SHARE_BPS <= policy.max_share_bps <= limits.MAX_FUND_SHARE_BPS:
        problems["max_share_bps"] = Message(
            N_("The maximum share must be 0 to %(max)s basis points."), max=f"{limits.MAX_FUND_SHARE_BPS:,}"
        )
    if not set(policy.eligible_categories) <= set(CATEGORIES):
        problems["eligible_categories"] = N_("Unknown category.")
    if policy.max_per_enterprise_fen is not None and policy.max_per_enterprise_fen < 0:
        problems["max_per_enterprise"] = N_("The limit per enterprise cannot be negative.")
    if set(policy.budgets_fen) - set(CATEGORIES) or any(v < 0 for v in policy.budgets_fen.values()):
        problems["budgets"] = N_("Budgets are amounts of zero or more for known categories.")
    if not Decimal(0) < policy.target_leverage <= MAX_TARGET_LEVERAGE:
        problems["target_leverage"] = Message(
            N_("The target leverage must be above 0 and at most %(max)s."), max=str(MAX_TARGET_LEVERAGE)
        )
    return problems


def commitment_problems(
    policy: FundPolicy, position: FundPosition, *, category: str, share_bps: int, fund_fen: int
) -> list[Message]:
    """Why the fund cannot commit `fund_fen` (share `share_bps`) to a loan in `category`; empty
    when it can. Every reason is listed, so a fund manager sees the whole refusal at once."""
    if share_bps == 0 and fund_fen == 0:
        return []
    problems = []
    if share_bps > policy.max_share_bps:
        problems.append(
            Message(
                N_("The fund's policy allows a share of at most %(max)s %%."),
                max=_percent(policy.max_share_bps),
            )
        )
    if category not in policy.eligible_categories:
        problems.append(
            Message(
                N_("The fund does not co-invest in the category %(category)s."),
                category=Label(CATEGORY_NAMES[category]),
            )
        )
    if fund_fen > position.pool_fen:
        problems.append(
            Message(
                N_("The fund has ¥%(pool)s uncommitted; this share needs ¥%(needed)s."),
                pool=yuan_label(position.pool_fen),
                needed=yuan_label(fund_fen),
            )
        )
    limit = policy.max_per_enterprise_fen
    if limit is not None and position.enterprise_fen + fund_fen > limit:
        problems.append(
            Message(
                N_(
                    "The fund may put at most ¥%(limit)s into one enterprise; it has ¥%(used)s there already."
                ),
                limit=yuan_label(limit),
                used=yuan_label(position.enterprise_fen),
            )
        )
    budget = policy.budgets_fen.get(category)
    if budget is not None and position.category_fen + fund_fen > budget:
        problems.append(
            Message(
                N_("The budget of %(category)s (¥%(budget)s) would be exceeded; ¥%(used)s is used."),
                category=Label(CATEGORY_NAMES[category]),
                budget=yuan_label(budget),
                used=yuan_label(position.category_fen),
            )
        )
    return problems


def fund_money_fen(amount_fen: int, fund_share_bps: int) -> int:
    """The fund's part of a loan in fen: amount x share (amounts are whole ¥1,000, so exact)."""
    return amount_fen * fund_share_bps // 10_000


def leverage(private_fen: int, fund_fen: int) -> Decimal | None:
    """Private yuan lent per fund yuan, to two decimals (half up); None before the fund lends."""
    if fund_fen <= 0:
        return None
    return (Decimal(private_fen) / Decimal(fund_fen)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _percent(bps: int) -> str:
    whole, part = divmod(bps, 100)
    return f"{whole}" if not part else f"{whole}.{part:02d}".rstrip("0")
