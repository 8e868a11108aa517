"""An investor registers, deposits through the sandbox, reads the statement, exports it, withdraws."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.site import MOBILE, Site

pytestmark = pytest.mark.browser

PASSWORD = "Sturdy-Password-2026"


def register(site: Site, role_label: str, name: str, email: str) -> None:
    """Create an account through /register (the home page's button)."""
    page = site.page
    page.get_by_role("main").get_by_role("link", name=site.t("Register")).click()
    expect(site.heading(site.t("Create an account"))).to_be_visible()
    site.check()
    page.get_by_label(role_label).check()
    page.get_by_label(site.t("Name"), exact=True).fill(name)
    page.get_by_label(site.t("Email")).fill(email)
    page.get_by_label(site.t("Password"), exact=True).fill(PASSWORD)
    page.get_by_label(site.t("Repeat password")).fill(PASSWORD)
    page.get_by_role("button", name=site.t("Create account")).click()
    expect(site.flash()).to_have_text(site.t("Your account has been created."))


def money_form(site: Site, action: str):
    return site.page.locator(f"form[action$='/wallet/{action}']")


def test_investor_deposits_reads_the_statement_and_withdraws(site: Site):
    run_investor_journey(site)


@pytest.mark.parametrize(("lang", "viewport"), [("zh_CN", MOBILE)], ids=["zh-390px"])
def test_investor_journey_on_a_phone(site: Site):
    run_investor_journey(site)


def run_investor_journey(site: Site) -> None:
    page = site.page
    site.start(screenshot=None if site.mobile else "home")
    expect(site.heading(site.t("Finance for the district's small and medium enterprises"))).to_be_visible()

    register(site, site.t("An investor"), "Wang Xiaoming", "wang@example.com")
    expect(site.heading(site.t("My investments"))).to_be_visible()
    expect(page.locator(".stat-card").first).to_contain_text(site.money(0))
    site.check("investor-home" if site.mobile else None)

    page.get_by_role("link", name=site.t("Deposit money")).click()
    expect(site.heading(site.t("Wallet"))).to_be_visible()
    expect(page.locator("#available")).to_have_text(site.money(0))
    expect(page.get_by_role("cell", name=site.t("No payments yet."))).to_be_visible()
    site.check()

    # A mistyped amount is refused beside the field and moves nothing.
    deposit = money_form(site, "deposit")
    deposit.get_by_label(site.t("Amount (yuan)")).fill("5000.123")
    deposit.get_by_role("button", name=site.t("Deposit")).click()
    expect(deposit.locator(".invalid-feedback")).to_be_visible()
    expect(deposit.get_by_label(site.t("Amount (yuan)"))).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#available")).to_have_text(site.money(0))
    site.check()

    deposit.get_by_label(site.t("Amount (yuan)")).fill("5000")
    deposit.get_by_role("button", name=site.t("Deposit")).click()
    succeeded = site.t("Succeeded")
    expect(site.flash()).to_have_text(
        site.t("Deposit of %(amount)s: %(status)s.", amount=site.money(5000), status=succeeded)
    )
    expect(page.locator("#available")).to_have_text(site.money(5000))
    first_row = page.locator("table tbody tr").first
    expect(first_row).to_contain_text(site.t("Deposit"))
    expect(first_row).to_contain_text(site.money(5000))
    expect(first_row).to_contain_text(succeeded)
    site.check("wallet")

    withdraw = money_form(site, "withdraw")
    withdraw.get_by_label(site.t("Amount (yuan)")).fill("1200.50")
    withdraw.get_by_role("button", name=site.pt("money", "Withdraw")).click()
    expect(site.flash()).to_have_text(
        site.t("Withdrawal of %(amount)s: %(status)s.", amount=site.money("1200.50"), status=succeeded)
    )
    expect(page.locator("#available")).to_have_text(site.money("3799.50"))
    expect(page.locator("#held")).to_have_text(site.money(0))
    expect(page.locator("table tbody tr").first).to_contain_text(site.t("Withdrawal"))
    site.check()

    page.get_by_role("link", name=site.t("Statement"), exact=True).click()
    expect(site.heading(site.t("Statement"))).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows.first).to_contain_text(site.money("3799.50"))  # newest first: the balance now
    expect(rows.last).to_contain_text(site.t("Deposit"))
    expect(rows.last).to_contain_text(site.money(5000))
    site.check(None if site.mobile else "statement", only_in="en")

    with page.expect_download() as downloading:
        page.get_by_role("link", name=site.t("Export CSV")).click()
    download = downloading.value
    assert download.suggested_filename == "statement-all-today.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith("\ufeff"), "the BOM lets spreadsheet programs read Chinese"
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table[0] == [
        site.t("Time"),
        site.t("Type"),
        site.t("Amount (yuan)"),
        site.t("Balance after (yuan)"),
        site.t("Transaction"),
    ]
    movements = [(row[1], row[2], row[3]) for row in table[1:]]
    assert movements[0] == (site.t("Deposit"), "5000.00", "5000.00")
    assert movements[-1][2] == "3799.50"
    assert sum(int(amount.replace(".", "")) for _, amount, _ in movements) == 379950

    page.get_by_role("link", name=site.t("Back to the wallet")).click()
    expect(page.locator("#available")).to_have_text(site.money("3799.50"))
    site.check()
    site.sign_out()
