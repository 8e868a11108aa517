"""The smart-city fund (智慧和平建设发展基金): its policy, its money, and its commitments to listings.

The fund owns two ledger accounts, `pool` (uncommitted money) and `committed` (promised to open
listings). Approving an application with a fund share moves T x s from `pool` to `committed` in the
same transaction as the decision; closing the listing uses the fund's actual part and returns the
rest to `pool` (DESIGN.md, "The smart-city fund").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import N_, NotAllowed, ValidationFailed
from marketplace.models import FUND_ID, FundPolicyVersion, LedgerAccount, Listing, Loan, LoanPart, User
from marketplace.pagination import FIRST_PAGE, Page, PageRequest, paginate_rows
from marketplace.rules.catalogue import CATEGORIES
from marketplace.rules.fund_policy import (
    FundPolicy,
    FundPosition,
    commitment_problems,
    leverage,
    policy_problems,
)
from marketplace.services import audit, ledger

FUND = ("fund", FUND_ID)
POLICY_EDITORS = ("fund_manager",)
# The largest single deposit of fund capital (the fund is capitalised in large tranches; a
# wallet's per-transaction limit does not apply to it).
MAX_DEPOSIT_FEN = 100_000_000 * 100


def policy_from_row(row: FundPolicyVersion | None) -> FundPolicy:
    """The policy a stored version says (the defaults when none was ever saved)."""
    if row is None:
        return FundPolicy()
    return FundPolicy(
        max_share_bps=row.max_share_bps,
        eligible_categories=frozenset(code for code in row.eligible_categories.split(",") if code),
        max_per_enterprise_fen=row.max_per_enterprise_fen,
        budgets_fen={category: int(fen) for category, fen in (row.budgets or {}).items()},
        target_leverage=Decimal(row.target_leverage),
    )


def latest_policy_version(session: so.Session) -> FundPolicyVersion | None:
    """The policy version in force, or None before a fund manager first saves one."""
    return session.scalar(sa.select(FundPolicyVersion).order_by(FundPolicyVersion.version.desc()).limit(1))


def current_policy(session: so.Session) -> FundPolicy:
    """The policy in force."""
    return policy_from_row(latest_policy_version(session))


def policy_payload(policy: FundPolicy) -> dict:
    """A policy as plain values (the audit trail's old and new, the API's body)."""
    return {
        "max_share_bps": policy.max_share_bps,
        "eligible_categories": [code for code in CATEGORIES if code in policy.eligible_categories],
        "max_per_enterprise_fen": policy.max_per_enterprise_fen,
        "budgets_fen": {code: policy.budgets_fen[code] for code in CATEGORIES if code in policy.budgets_fen},
        "target_leverage": str(policy.target_leverage),
    }


def set_policy(session: so.Session, user: User, policy: FundPolicy) -> FundPolicyVersion:
    """Save a new version of the policy (fund managers only), audited with the old and new values."""
    if user.role not in POLICY_EDITORS:
        raise NotAllowed(N_("Only fund managers set the fund's policy."))
    problems = policy_problems(policy)
    if problems:
        raise ValidationFailed(
            N_("The policy has errors; see the fields."),
            fields={name: [message] for name, message in problems.items()},
        )
    # Serialise writers on the latest row, so that two managers saving at once get versions n and n + 1
    # (the unique version number refuses a duplicate either way).
    previous = session.scalar(
        sa.select(FundPolicyVersion).order_by(FundPolicyVersion.version.desc()).limit(1).with_for_update()
    )
    old = policy_payload(policy_from_row(previous))
    new = policy_payload(policy)
    row = FundPolicyVersion(
        version=(previous.version if previous else 0) + 1,
        max_share_bps=policy.max_share_bps,
        eligible_categories=",".join(new["eligible_categories"]),
        max_per_enterprise_fen=policy.max_per_enterprise_fen,
        budgets=new["budgets_fen"],
        target_leverage=policy.target_leverage,
        created_by_id=user.id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=user,
        action="fund.policy_changed",
        object_type="fund_policy",
        object_id=row.version,
        payload={"old": old, "new": new},
    )
    return row


def _committed_and_outstanding(session: so.Session, condition) -> int:
    """Fund money promised to open listings plus fund principal outstanding, where `condition` holds
    (on Listing for the promises, on Loan for the outstanding parts)."""
    promised = sa.select(sa.func.coalesce(sa.func.sum(Listing.fund_committed_fen), 0)).where(
        Listing.status == "open", condition(Listing)
    )
    lent = (
        sa.select(sa.func.coalesce(sa.func.sum(LoanPart.outstanding_fen), 0))
        .join(Loan, LoanPart.loan_id == Loan.id)
        .where(LoanPart.holder_type == "fund", condition(Loan))
    )
    return int(session.scalar(sa.select(promised.scalar_subquery() + lent.scalar_subquery())))


def position(session: so.Session, *, enterprise_id: int, category: str) -> FundPosition:
    """The fund's money: uncommitted, and already at work with this enterprise and in this category."""
    return FundPosition(
        pool_fen=ledger.balances(session, FUND)["pool"],
        enterprise_fen=_committed_and_outstanding(session, lambda rows: rows.enterprise_id == enterprise_id),
        category_fen=_committed_and_outstanding(session, lambda rows: rows.category == category),
    )


def check_commitment(
    session: so.Session, *, enterprise_id: int, category: str, share_bps: int, fund_fen: int
) -> None:
    """Refuse, naming every reason, a fund share the policy or the fund's money does not allow.

    The fund's pool is locked first, so that two approvals at once are checked one after the other
    (a category budget or an enterprise limit cannot be overrun by a race).
    """
    pool_id = ledger.account_id(session, FUND, "pool")
    session.execute(sa.select(LedgerAccount.id).where(LedgerAccount.id == pool_id).with_for_update())
    problems = commitment_problems(
        current_policy(session),
        position(session, enterprise_id=enterprise_id, category=category),
        category=category,
        share_bps=share_bps,
        fund_fen=fund_fen,
    )
    if problems:
        raise ValidationFailed(N_("The fund cannot take this share."), fields={"fund_share_bps": problems})


def commit_to_listing(session: so.Session, actor: User, listing: Listing) -> None:
    """Move the listing's fund money from `pool` to `committed` (no posting for a zero share)."""
    if listing.fund_committed_fen <= 0:
        return
    ledger.transfer(
        session,
        source=ledger.account_id(session, FUND, "pool"),
        destination=ledger.account_id(session, FUND, "committed"),
        amount=listing.fund_committed_fen,
        kind="fund_commit",
        idempotency_key=f"listing-{listing.id}-fund-commit",
        reference=("listing", listing.id),
        actor=actor,
    )


@dataclass(frozen=True)
class CategoryFigures:
    """Fund money in one category: promised to open listings, lent and outstanding, and its budget."""

    committed_fen: int
    outstanding_fen: int
    budget_fen: int | None

    @property
    def used_fen(self) -> int:
        """What counts against the budget (the commitment rule adds the same two)."""
        return self.committed_fen + self.outstanding_fen


@dataclass(frozen=True)
class FundOverview:
    """The fund's money and what it achieved: leverage is private yuan lent per fund yuan (None
    before the fund lends), from the principal of the loans' parts."""

    pool_fen: int
    committed_fen: int
    lent_outstanding_fen: int
    repaid_fen: int
    leverage: Decimal | None
    target_leverage: Decimal
    by_category: dict[str, CategoryFigures]
    policy_version: int | None


def overview(session: so.Session) -> FundOverview:
    """The fund's pool, commitments, loans and leverage, and each category against its budget."""
    balances = ledger.balances(session, FUND)
    principal = sa.func.coalesce(sa.func.sum(LoanPart.principal_fen), 0)
    outstanding = sa.func.coalesce(sa.func.sum(LoanPart.outstanding_fen), 0)
    parts = {
        holder: (int(lent), int(left))
        for holder, lent, left in session.execute(
            sa.select(LoanPart.holder_type, principal, outstanding).group_by(LoanPart.holder_type)
        )
    }
    fund_lent, fund_outstanding = parts.get("fund", (0, 0))
    private_lent = sum(lent for holder, (lent, _left) in parts.items() if holder != "fund")
    promised = dict(
        session.execute(
            sa.select(Listing.category, sa.func.coalesce(sa.func.sum(Listing.fund_committed_fen), 0))
            .where(Listing.status == "open")
            .group_by(Listing.category)
        ).all()
    )
    lent = dict(
        session.execute(
            sa.select(Loan.category, outstanding)
            .join(LoanPart, LoanPart.loan_id == Loan.id)
            .where(LoanPart.holder_type == "fund")
            .group_by(Loan.category)
        ).all()
    )
    row = latest_policy_version(session)
    policy = policy_from_row(row)
    return FundOverview(
        pool_fen=balances["pool"],
        committed_fen=balances["committed"],
        lent_outstanding_fen=fund_outstanding,
        # Principal the borrowers paid back so far (0 until servicing records repayments).
        repaid_fen=fund_lent - fund_outstanding,
        leverage=leverage(private_lent, fund_lent),
        target_leverage=policy.target_leverage,
        by_category={
            code: CategoryFigures(
                committed_fen=int(promised.get(code, 0)),
                outstanding_fen=int(lent.get(code, 0)),
                budget_fen=policy.budgets_fen.get(code),
            )
            for code in CATEGORIES
        },
        policy_version=row.version if row else None,
    )


def policy_history(session: so.Session, page: PageRequest = FIRST_PAGE) -> Page:
    """One page of the policy's versions, newest first, as (version, author's name, author's email)."""
    query = (
        sa.select(FundPolicyVersion, User.name, User.email)
        .join(User, User.id == FundPolicyVersion.created_by_id)
        .order_by(FundPolicyVersion.version.desc())
    )
    return paginate_rows(session, query, page, tuple)
