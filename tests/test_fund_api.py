"""GET /fund, GET and PUT /fund/policy: figures and the versioned policy, every bad input refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditEvent, FundPolicyVersion
from marketplace.models.base import as_utc
from marketplace.services import bids, clearing, listings
from marketplace.services.unit_of_work import run
from tests.app_helpers import ApiUser
from tests.market_helpers import TODAY, approved_application, fund_pool, open_listing, ready_investor

POLICY = {
    "max_share_bps": 2500,
    "eligible_categories": ["government", "industry"],
    "max_per_enterprise": "2000000.00",
    "budgets": {"industry": "3000000.00", "government": "1000000"},
    "target_leverage": "4.50",
}


def versions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(FundPolicyVersion))


@pytest.fixture
def manager(client, users):
    return ApiUser(client, "fund_manager@example.com")


def test_figures_of_an_empty_fund(manager):
    body = manager.get("/fund").get_json()
    assert body == {
        "pool": "0.00",
        "committed": "0.00",
        "lent_outstanding": "0.00",
        "repaid": "0.00",
        "leverage": None,
        "target_leverage": "4.00",
        "policy_version": None,
        "by_category": {
            code: {"committed": "0.00", "outstanding": "0.00", "budget": None}
            for code in ("government", "livelihood", "industry", "none")
        },
    }


def test_figures_follow_deposits_and_commitments(client, users, manager):
    fund_pool(1_000_000_00)
    application = approved_application(client, users, share_bps=2000, amount="300000.00", category="industry")
    run(db.session, lambda: listings.open_listing(db.session, users["fund_manager"], application))
    body = manager.get("/fund").get_json()
    assert (body["pool"], body["committed"]) == ("940000.00", "60000.00")
    assert body["by_category"]["industry"] == {"committed": "60000.00", "outstanding": "0.00", "budget": None}
    regulator = ApiUser(client, "regulator@example.com")
    assert regulator.get("/fund").get_json() == body


def test_until_a_manager_sets_one_the_defaults_apply(manager):
    body = manager.get("/fund/policy").get_json()
    assert body["version"] is None and body["created_by"] is None
    assert body["max_share_bps"] == 3000 and body["eligible_categories"] == [
        "government",
        "livelihood",
        "industry",
        "none",
    ]
    assert body["max_per_enterprise"] is None and body["budgets"] == {} and body["target_leverage"] == "4.00"


def test_a_manager_saves_versions_read_back_and_audited(client, manager):
    response = manager.put("/fund/policy", json=POLICY)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["version"] == 1 and body["created_by"] == "fund_manager@example.com"
    assert body["budgets"] == {"industry": "3000000.00", "government": "1000000.00"}
    assert body["max_per_enterprise"] == "2000000.00" and body["target_leverage"] == "4.50"
    assert body["eligible_categories"] == ["government", "industry"]
    second = manager.put("/fund/policy", json={**POLICY, "max_per_enterprise": None, "target_leverage": 3})
    assert second.get_json()["version"] == 2 and second.get_json()["max_per_enterprise"] is None
    regulator = ApiUser(client, "regulator@example.com")
    assert regulator.get("/fund/policy").get_json()["version"] == 2
    assert manager.get("/fund").get_json()["target_leverage"] == "3.00"
    assert manager.get("/fund").get_json()["by_category"]["industry"]["budget"] == "3000000.00"
    changes = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "fund.policy_changed")
    ).all()
    assert len(changes) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"max_share_bps": 3001}, "max_share_bps"),
        ({"max_share_bps": -1}, "max_share_bps"),
        ({"max_share_bps": "2000"}, "max_share_bps"),
        ({"max_share_bps": 20.5}, "max_share_bps"),
        ({"max_share_bps": None}, "max_share_bps"),
        ({"eligible_categories": ["space"]}, "eligible_categories"),
        ({"eligible_categories": "industry"}, "eligible_categories"),
        ({"eligible_categories": [1]}, "eligible_categories"),
        ({"max_per_enterprise": "-1.00"}, "max_per_enterprise"),
        ({"max_per_enterprise": "lots"}, "max_per_enterprise"),
        ({"max_per_enterprise": 1.5}, "max_per_enterprise"),
        ({"budgets": {"industry": "-5.00"}}, "budgets"),
        ({"budgets": {"space": "5.00"}}, "budgets"),
        ({"budgets": {"industry": "1.234"}}, "budgets"),
        ({"budgets": ["industry"]}, "budgets"),
        ({"target_leverage": "0"}, "target_leverage"),
        ({"target_leverage": "100.01"}, "target_leverage"),
        ({"target_leverage": "-2"}, "target_leverage"),
        ({"target_leverage": "four"}, "target_leverage"),
        ({"target_leverage": "4.555"}, "target_leverage"),
        ({"target_leverage": "NaN"}, "target_leverage"),
        ({"target_leverage": 4.5}, "target_leverage"),
        ({"target_leverage": True}, "target_leverage"),
        ({"target_leverage": ""}, "target_leverage"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_policies_are_refused_naming_the_field(manager, change, field):
    response = manager.put("/fund/policy", json={**POLICY, **change})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert versions() == 0


@pytest.mark.parametrize("missing", ["max_share_bps", "eligible_categories", "target_leverage"])
def test_required_fields(manager, missing):
    body = {name: value for name, value in POLICY.items() if name != missing}
    response = manager.put("/fund/policy", json=body)
    assert response.status_code == 422 and missing in response.get_json()["error"]["fields"]
    assert versions() == 0


def test_empty_and_non_object_bodies(manager):
    assert manager.put("/fund/policy", json={}).status_code == 422
    assert manager.put("/fund/policy", json=[]).status_code == 422
    assert manager.put("/fund/policy", data="nonsense", content_type="application/json").status_code in (
        400,
        422,
    )
    assert versions() == 0


def test_regulators_read_but_may_not_write(client, users):
    regulator = ApiUser(client, "regulator@example.com")
    assert regulator.get("/fund/policy").status_code == 200
    assert regulator.put("/fund/policy", json=POLICY).status_code == 403
    assert regulator.put("/fund/policy", json={"nonsense": 1}).status_code == 403
    assert versions() == 0


@pytest.mark.parametrize("role", ["sme", "investor", "admin"])
def test_other_roles_are_refused(client, users, role):
    other = ApiUser(client, f"{role}@example.com")
    assert other.get("/fund").status_code == 403
    assert other.get("/fund/policy").status_code == 403
    assert other.put("/fund/policy", json=POLICY).status_code == 403
    assert versions() == 0


def test_without_a_token(client):
    assert client.get("/api/v1/fund").status_code == 401


def test_leverage_and_lent_money_come_from_the_loan_parts(client, users, manager):
    listing = open_listing(client, users, share_bps=2000, amount="300000.00")  # the fund's ¥60,000
    for name in ("alice", "bob"):
        investor = ready_investor(client, f"{name}@example.com", "200000.00")[0]
        run(
            db.session,
            lambda investor=investor: bids.place_bid(
                db.session, investor, listing.id, amount_fen=120_000_00, min_rate_bps=1000, today=TODAY
            ),
        )
    closed = run(
        db.session,
        lambda: clearing.close_listing(db.session, None, listing.id, now=as_utc(listing.closes_at)),
    )
    assert closed.status == "funded"
    body = manager.get("/fund").get_json()
    assert (body["lent_outstanding"], body["committed"], body["repaid"]) == ("60000.00", "0.00", "0.00")
    assert body["leverage"] == "4.00"  # ¥240,000 of investors' principal per ¥60,000 of the fund's
    assert body["by_category"]["industry"] == {"committed": "0.00", "outstanding": "60000.00", "budget": None}
