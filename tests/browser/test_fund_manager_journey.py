"""A fund manager reviews a scored application and approves it; a second one confirms (four eyes)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.app_helpers import enterprise_payload, statement_payload, submitted
from tests.browser.site import Site
from tests.market_helpers import fund_pool

pytestmark = pytest.mark.browser

ENTERPRISE = "三好街智慧物流有限公司"


def submitted_application(live_server) -> int:
    """An SME's application of ¥1,000,000 in review, scored, with the required documents (API)."""
    live_server.user("sme", "sme@example.com", name="三好街物流")
    sme = live_server.api("sme@example.com")
    profile = enterprise_payload(name=ENTERPRISE, legal_representative="张伟", district="三好街")
    assert sme.put("/enterprise", json=profile).status_code == 200
    assert sme.post("/enterprise/statements", json=statement_payload()).status_code == 201
    return submitted(sme, amount="1000000.00", purpose="新增两条智能分拣线，承接区内电商仓配订单。")


def test_two_fund_managers_approve_a_large_application(site: Site, live_server):
    page = site.page
    application_id = submitted_application(live_server)
    with live_server.database():
        fund_pool(300_000_00)  # the fund's capital for its 30 % share, deposited by an admin
    live_server.user("fund_manager", "li@example.com", name="李娜")
    live_server.user("fund_manager", "zhao@example.com", name="赵强")
    title = site.t("Application #%(id)s", id=application_id)

    # The first manager sees the work waiting and opens the file from the queue.
    site.start("/login")
    site.sign_in("li@example.com")
    expect(site.heading(site.t("Smart-city development fund"))).to_be_visible()
    in_review = page.locator(".stat-card", has_text=site.t("In review"))
    expect(in_review.locator(".value")).to_have_text("1")
    site.nav(site.t("Review queue"))
    expect(site.heading(site.t("Review queue"))).to_be_visible()
    row = page.locator("table.queue tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(ENTERPRISE)
    expect(row).to_contain_text(site.money(1_000_000))
    expect(row).to_contain_text(site.t("In review"))
    expect(row.locator("td").nth(5)).to_have_text(re.compile(r"^[A-E]$"))
    site.check()
    row.get_by_role("link", name=str(application_id)).click()

    expect(site.heading(title)).to_be_visible()
    expect(page.locator(".badge.status")).to_have_text(site.t("In review"))
    assessment = page.locator(".assessment")
    expect(assessment.locator(".grade")).to_have_text(re.compile(r"^[A-E]$"))
    expect(assessment.get_by_role("heading", name=site.t("Main reasons lowering the score"))).to_be_visible()
    enterprise = page.locator(".card", has=page.get_by_role("heading", name=site.t("Enterprise"), exact=True))
    expect(enterprise).to_contain_text(ENTERPRISE)
    for code in ("business_licence", "financial_statements"):  # the required documents, uploaded
        expect(page.locator(f"ul.checklist [data-code={code}] .satisfied")).to_contain_text(f"{code}.pdf")
    four_eyes = (
        "From %(threshold)s of fund money, a second fund manager must confirm an approval (four eyes)."
    )
    expect(page.get_by_text(site.t(four_eyes, threshold=site.money(300_000)))).to_be_visible()
    site.check("fund-review", scroll_to=page.get_by_role("heading", name=site.t("Decision")))

    # Approving without the terms is refused beside the fields; nothing changes.
    decision = page.locator("form", has=page.get_by_role("button", name=site.t("Record decision")))
    decision.get_by_label(site.t("Approve"), exact=True).check()
    rate = decision.get_by_label(site.t("Maximum rate (basis points, %(min)s-%(max)s)", min=1, max=3600))
    expect(rate).to_have_value(re.compile(r"^[0-9]+$"))  # the rate the model suggests for the grade
    decision.get_by_role("button", name=site.t("Record decision")).click()
    days = decision.get_by_label(site.t("Listing days (%(min)s-%(max)s)", min=3, max=30))
    expect(days).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#listing_days-error")).to_have_text(
        site.t("The listing must stay open %(min)s to %(max)s days.", min=3, max=30)
    )
    expect(page.locator(".badge.status")).to_have_text(site.t("In review"))
    site.check()

    rate.fill("1200")
    days.fill("10")
    decision.get_by_label(site.t("Fund share (basis points, %(min)s-%(max)s)", min=0, max=3000)).fill("3000")
    decision.get_by_label(site.t("Note (reason or question; shown to the SME)")).fill(
        "现金流稳定，同意上架。"
    )
    decision.get_by_role("button", name=site.t("Record decision")).click()
    awaiting = site.t("Awaiting second approval")
    expect(site.flash()).to_have_text(site.t("Decision recorded: %(status)s.", status=awaiting))
    expect(page.locator(".badge.status")).to_have_text(awaiting)
    expect(
        page.get_by_text(site.t("You gave the first approval, so another fund manager gives the second."))
    ).to_be_visible()
    expect(page.get_by_role("button", name=site.t("Confirm these terms (second approval)"))).to_have_count(0)
    site.check()
    site.sign_out()

    # The second manager is told an approval waits, reads the agreed terms and confirms them.
    site.sign_in("zhao@example.com")
    waiting = page.locator(".stat-card", has_text=site.t("Waiting for your second approval"))
    expect(waiting.locator(".value")).to_have_text("1")
    site.nav(site.t("Review queue"))
    alert = page.locator(".alert-warning")
    expect(alert).to_contain_text(site.t_re("%(count)s approvals wait for a second fund manager.", count=1))
    site.check()
    alert.get_by_role("link", name=site.t("Show them")).click()
    expect(page.get_by_label(site.t("Status"))).to_have_value("awaiting_second_approval")
    expect(page.locator("table.queue tbody tr")).to_contain_text(awaiting)
    site.check()
    page.locator("table.queue").get_by_role("link", name=str(application_id)).click()

    expect(site.heading(title)).to_be_visible()
    terms = page.locator(".card.border-primary")
    confirm = (
        "%(name)s approved these terms. A second, different fund manager confirms them, or rejects, "
        "or asks for information."
    )
    expect(terms).to_contain_text(site.t(confirm, name="李娜"))
    expect(terms.locator("dl")).to_contain_text("12.00%")
    expect(terms.locator("dl")).to_contain_text("10")
    expect(terms.locator("dl")).to_contain_text(f"30.00% = {site.money(300_000)}")
    site.check("fund-second-approval", scroll_to=terms, only_in="zh_CN")
    page.get_by_role("button", name=site.t("Confirm these terms (second approval)")).click()

    approved = site.t("Approved")
    expect(site.flash()).to_have_text(site.t("Decision recorded: %(status)s.", status=approved))
    expect(page.locator(".badge.status")).to_have_text(approved)
    expect(page.locator("dl").first).to_contain_text(
        site.t(
            "max rate %(rate)s, listed %(days)s days, fund share %(share)s",
            rate="12.00%",
            days=10,
            share="30.00%",
        )
    )
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text(site.t("First approval (second fund manager needed)"))
    expect(timeline.locator("li").last).to_contain_text(site.t("Second approval"))
    expect(timeline.locator("li").last).to_contain_text("赵强")
    expect(
        timeline.locator("li", has_text=site.t("First approval (second fund manager needed)"))
    ).to_contain_text("李娜")
    expect(
        page.locator("form", has=page.get_by_role("button", name=site.t("Record decision")))
    ).to_have_count(0)
    site.check()
