"""The fund's policy versions and its commitment to a listing opened at approval."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.domain_errors import NotAllowed, ValidationFailed
from marketplace.extensions import db
from marketplace.models import AuditEvent, FundPolicyVersion, Listing, LoanApplication
from marketplace.rules.fund_policy import FundPolicy
from marketplace.services import fund, ledger, listings
from marketplace.services.unit_of_work import run
from tests.app_helpers import ApiUser, submitted
from tests.market_helpers import approve, approved_application, fund_pool

YUAN = 100


def balances() -> dict:
    return ledger.balances(db.session, fund.FUND)


def test_until_a_manager_sets_it_the_policy_is_the_default(app):
    assert fund.current_policy(db.session) == FundPolicy()
    assert fund.latest_policy_version(db.session) is None


def test_a_fund_manager_saves_versions_each_audited_with_old_and_new(app, users):
    manager = users["fund_manager"]
    first = FundPolicy(max_share_bps=2000, eligible_categories=frozenset({"government", "livelihood"}))
    run(db.session, lambda: fund.set_policy(db.session, manager, first))
    second = FundPolicy(
        max_share_bps=2500,
        max_per_enterprise_fen=200_000 * YUAN,
        budgets_fen={"livelihood": 5_000_000 * YUAN},
        target_leverage=Decimal("3.5"),
    )
    run(db.session, lambda: fund.set_policy(db.session, manager, second))

    assert fund.current_policy(db.session) == second
    assert db.session.scalars(sa.select(FundPolicyVersion.version).order_by(FundPolicyVersion.id)).all() == [
        1,
        2,
    ]
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "fund.policy_changed").order_by(AuditEvent.seq)
    ).all()
    assert [e.object_id for e in events] == ["1", "2"]
    assert events[1].payload["old"]["max_share_bps"] == 2000
    assert events[1].payload["old"]["eligible_categories"] == ["government", "livelihood"]
    assert events[1].payload["new"]["budgets_fen"] == {"livelihood": 500_000_000}
    assert events[1].payload["new"]["target_leverage"] == "3.5"
    assert events[1].actor_id == manager.id


@pytest.mark.parametrize("role", ["sme", "investor", "regulator", "admin"])
def test_only_fund_managers_set_the_policy(app, users, role):
    with pytest.raises(NotAllowed):
        fund.set_policy(db.session, users[role], FundPolicy(max_share_bps=1000))
    db.session.rollback()
    assert fund.latest_policy_version(db.session) is None


def test_a_policy_out_of_range_is_refused_and_nothing_is_saved(app, users):
    with pytest.raises(ValidationFailed) as refused:
        fund.set_policy(db.session, users["fund_manager"], FundPolicy(max_share_bps=3001))
    assert "max_share_bps" in refused.value.fields
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FundPolicyVersion)) == 0


def test_approval_opens_a_listing_and_commits_the_funds_share(app, client, users):
    fund_pool(1_000_000 * YUAN)
    application = approved_application(client, users, share_bps=2000)
    listing = run(db.session, lambda: listings.open_listing(db.session, users["fund_manager"], application))

    stored = db.session.get(Listing, listing.id)
    assert (stored.status, stored.amount_fen, stored.max_rate_bps, stored.fund_share_bps) == (
        "open",
        300_000 * YUAN,
        1500,
        2000,
    )
    assert stored.fund_committed_fen == 60_000 * YUAN  # ¥300,000 x 20 %
    assert stored.min_fill_fen == 240_000 * YUAN  # 80 % of the target
    assert (stored.closes_at - stored.opens_at).days == 7
    assert stored.grade == application.assessment.grade
    assert balances() == {"pool": 940_000 * YUAN, "committed": 60_000 * YUAN}
    assert listings.listing_for_application(db.session, application.id).id == listing.id


def test_a_share_the_fund_cannot_afford_is_refused_and_nothing_moves(app, client, users):
    fund_pool(59_999 * YUAN)
    application = approved_application(client, users, share_bps=2000)
    with pytest.raises(ValidationFailed) as refused:
        run(db.session, lambda: listings.open_listing(db.session, users["fund_manager"], application))
    [reason] = refused.value.fields["fund_share_bps"]
    assert reason.render() == "The fund has ¥59,999 uncommitted; this share needs ¥60,000."
    assert balances() == {"pool": 59_999 * YUAN, "committed": 0}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Listing)) == 0


def test_the_policy_limits_count_what_is_already_committed_to_the_enterprise(app, client, users):
    fund_pool(1_000_000 * YUAN)
    manager = users["fund_manager"]
    run(
        db.session,
        lambda: fund.set_policy(db.session, manager, FundPolicy(max_per_enterprise_fen=100_000 * YUAN)),
    )
    first = approved_application(client, users, share_bps=2000, amount="300000.00")  # ¥60,000
    run(db.session, lambda: listings.open_listing(db.session, manager, first))
    assert fund.position(
        db.session, enterprise_id=first.enterprise_id, category="industry"
    ).enterprise_fen == (60_000 * YUAN)
    second_id = submitted(ApiUser(client, "sme@example.com"), amount="250000.00")
    second = db.session.get(LoanApplication, second_id)
    approve(second, manager)
    with pytest.raises(ValidationFailed) as refused:  # ¥60,000 + ¥50,000 > ¥100,000
        run(db.session, lambda: listings.open_listing(db.session, manager, second))
    assert [m.render() for m in refused.value.fields["fund_share_bps"]] == [
        "The fund may put at most ¥100,000 into one enterprise; it has ¥60,000 there already."
    ]
    assert balances() == {"pool": 940_000 * YUAN, "committed": 60_000 * YUAN}


def test_no_fund_share_needs_no_fund_money(app, client, users):
    application = approved_application(client, users, share_bps=0)
    listing = run(db.session, lambda: listings.open_listing(db.session, users["fund_manager"], application))
    assert listing.fund_committed_fen == 0
    assert balances() == {"pool": 0, "committed": 0}


def test_a_category_budget_counts_only_its_own_category(app, client, users):
    fund_pool(1_000_000 * YUAN)
    manager = users["fund_manager"]
    policy = FundPolicy(budgets_fen={"industry": 50_000 * YUAN})
    run(db.session, lambda: fund.set_policy(db.session, manager, policy))
    # ¥60,000 for a livelihood loan: the industry budget does not apply.
    livelihood = approved_application(client, users, share_bps=2000, category="livelihood")
    run(db.session, lambda: listings.open_listing(db.session, manager, livelihood))
    position = fund.position(db.session, enterprise_id=livelihood.enterprise_id, category="industry")
    assert (position.category_fen, position.enterprise_fen) == (0, 60_000 * YUAN)
    second = db.session.get(
        LoanApplication, submitted(ApiUser(client, "sme@example.com"), amount="300000.00")
    )
    approve(second, manager)
    with pytest.raises(ValidationFailed) as refused:  # ¥60,000 of industry money > its ¥50,000 budget
        run(db.session, lambda: listings.open_listing(db.session, manager, second))
    assert [m.render() for m in refused.value.fields["fund_share_bps"]] == [
        "The budget of Smart industry (¥50,000) would be exceeded; ¥0 is used."
    ]
