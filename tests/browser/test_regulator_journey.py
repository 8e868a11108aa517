"""A regulator verifies the audit chain and reads the credit model's report card."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.site import MOBILE, Site
from tests.browser.test_fund_manager_journey import submitted_application

pytestmark = pytest.mark.browser


def test_regulator_verifies_the_audit_chain_and_reads_the_model_report_card(site: Site, live_server):
    run_regulator_journey(site, live_server)


@pytest.mark.parametrize(("lang", "viewport"), [("zh_CN", MOBILE)], ids=["zh-390px"])
def test_regulator_journey_on_a_phone(site: Site, live_server):
    run_regulator_journey(site, live_server)


def run_regulator_journey(site: Site, live_server) -> None:
    page = site.page
    submitted_application(live_server)  # one application scored by the active model
    live_server.user("regulator", "zhang@example.com", name="张科长")

    site.start("/login")
    site.sign_in("zhang@example.com")
    expect(site.heading(site.t("Supervision"))).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(site.t("The audit chain has never been verified."))
    by_status = page.locator(".card", has=page.get_by_role("heading", name=site.t("Applications by status")))
    expect(by_status).to_contain_text(f"{site.t('In review')}: 1")
    site.check()

    site.nav(site.t("Audit log"))
    expect(site.heading(site.t("Audit log"))).to_be_visible()
    newest = page.locator("table tbody tr").first
    expect(newest).to_contain_text(site.t("Signed in"))  # the regulator's own sign-in, in words
    expect(newest).to_contain_text("auth.signed_in")
    expect(page.locator("table tbody")).to_contain_text(site.t("Application"))
    events = int(newest.locator("td").first.inner_text())
    assert events > 5  # the SME's registration, profile, statement, application, the sign-ins
    site.check()

    page.get_by_role("button", name=site.t("Verify now")).click()
    expect(page.get_by_role("status")).to_have_text(
        site.t("Audit chain intact: %(count)s events verified.", count=events)
    )
    expect(page.locator("#chain-checked-at")).to_contain_text(site.t("full check"))
    expect(site.heading(site.t("Audit log"))).to_be_visible()  # back on the page it was run from
    site.check(None if site.mobile else "audit-log", only_in="zh_CN")

    site.nav(site.t("Credit model"))
    expect(site.heading(site.t("Credit model report card"))).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(
        site.t_re(
            "Active model %(version)s, trained %(at)s by %(who)s on %(rows)s rows of %(source)s.",
            who="pytest",
        )
    )
    metrics = page.locator(".metrics")
    for label in ("ROC AUC", "KS statistic", "Brier score"):
        expect(metrics).to_contain_text(site.t(label))
    expect(metrics.locator(".value").first).to_have_text(re.compile(r"^0\.\d{4} ± 0\.\d{4}$"))
    grades = page.locator("table.grades tbody tr")
    expect(grades).to_have_count(5)
    expect(grades.locator("td:first-child")).to_have_text(["A", "B", "C", "D", "E"])
    expect(page.get_by_role("main")).to_contain_text(
        site.t_re(
            "%(n)s applications scored by this model. Population stability index (PSI) against the "
            "training data: below 0.10 stable, 0.10–0.25 watch, above 0.25 shifted.",
            n=1,
        )
    )
    expect(page.locator("table.versions tr.table-primary")).to_contain_text(site.t("active"))
    site.check(None if site.mobile else "model-report-card")
