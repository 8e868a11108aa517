"""An SME registers, completes its profile, files a statement, applies, uploads, submits, is scored."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.app_helpers import LAST_YEAR, VALID_USCC, statement_payload
from tests.browser.site import MOBILE, Site
from tests.browser.test_investor_journey import register

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ENTERPRISE = "星河智能制造有限公司"


def fill_enterprise_profile(site: Site, uscc: str) -> None:
    page, t = site.page, site.t
    page.get_by_label(t("Enterprise name")).fill(ENTERPRISE)
    page.get_by_label(t("Unified social credit code")).fill(uscc)
    page.get_by_label(t("Legal representative")).fill("陈立新")
    page.get_by_label(t("Founding date")).fill("2014-06-18")
    page.get_by_label(t("Registered capital (yuan)")).fill("5000000")
    page.get_by_label(t("Industry (GB/T 4754)")).select_option("C")
    page.get_by_label(t("Employees")).fill("86")
    page.get_by_label(t("District")).fill("三好街")
    page.get_by_label(t("Tax credit rating")).select_option("A")
    page.get_by_label(t("Smart-city category")).select_option("industry")
    page.get_by_label(t("Contact mobile phone")).fill("13912345678")
    page.get_by_role("button", name=t("Save profile")).click()


def upload_document(site: Site, kind: str, name: str) -> None:
    """Upload a small PDF as a checklist item through the application page's form."""
    upload = site.page.locator("form[enctype='multipart/form-data']")
    upload.get_by_label(site.t("Checklist item")).select_option(kind)
    upload.get_by_label(site.t("Document (PDF, JPEG or PNG, at most 10 MB)")).set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": PDF}
    )
    upload.get_by_role("button", name=site.t("Upload")).click()
    expect(site.flash()).to_have_text(site.t("Document uploaded."))


def next_step(site: Site):
    """The dashboard's "next step" card."""
    return site.page.locator(".card", has=site.page.get_by_role("heading", name=site.t("Next step")))


def test_sme_applies_and_sees_its_grade_and_reasons(site: Site):
    run_sme_journey(site)


@pytest.mark.parametrize(("lang", "viewport"), [("en", MOBILE)], ids=["en-390px"])
def test_sme_journey_on_a_phone(site: Site):
    run_sme_journey(site)


def run_sme_journey(site: Site) -> None:
    page, t = site.page, site.t
    site.start()
    register(site, t("An enterprise seeking finance"), "陈立新", "chen@example.com")
    expect(site.heading(t("My enterprise"))).to_be_visible()
    expect(next_step(site)).to_contain_text(t("Complete your enterprise profile."))
    site.check()

    # The profile: a wrong check digit in the credit code is refused beside the field.
    next_step(site).get_by_role("link", name=t("Enterprise profile")).click()
    expect(site.heading(t("Enterprise profile"))).to_be_visible()
    site.check()
    fill_enterprise_profile(site, VALID_USCC[:-1] + "4")
    uscc = page.get_by_label(t("Unified social credit code"))
    expect(uscc).to_have_attribute("aria-invalid", "true")
    expect(uscc).to_be_focused()  # forms.js puts the keyboard on the first field in error
    expect(page.locator("#uscc-error")).to_be_visible()
    site.check()
    uscc.fill(VALID_USCC)
    page.get_by_role("button", name=t("Save profile")).click()
    expect(site.flash()).to_have_text(t("Enterprise profile saved."))
    site.check()

    # A year's statement, from the dashboard's next step.
    site.nav(t("My enterprise"))
    expect(next_step(site)).to_contain_text(
        t("File your financial statements (up to three years; more years give a fuller picture).")
    )
    site.check()
    next_step(site).get_by_role("link", name=t("File a statement")).click()
    expect(site.heading(t("File a financial statement"))).to_be_visible()
    site.check()
    page.get_by_label(t("Fiscal year")).select_option(str(LAST_YEAR))
    for name, value in statement_payload().items():
        if name != "year":
            page.locator(f"input#{name}").fill(value)  # 18 amounts, labelled as on a paper form
    page.get_by_role("button", name=t("Save statement")).click()
    expect(site.flash()).to_have_text(t("Statement for %(year)s saved.", year=LAST_YEAR))
    expect(page.get_by_role("main")).to_contain_text(site.money(8_000_000))  # revenue
    site.check()

    # The application, saved as a draft.
    site.nav(t("My enterprise"))
    expect(next_step(site)).to_contain_text(t("Apply for a loan."))
    site.check()
    next_step(site).get_by_role("link", name=t("New application")).click()
    expect(site.heading(t("New loan application"))).to_be_visible()
    site.check()
    page.get_by_label(t("Amount (yuan)")).fill("300000")
    page.get_by_label(t("Term (months)")).fill("12")
    page.get_by_label(t("Repayment method")).select_option("equal_installment")
    page.get_by_label(t("Purpose")).fill("购置两辆冷链配送车，扩大社区生鲜配送业务。")
    page.get_by_label(t("Smart-city category")).select_option("industry")
    page.get_by_role("button", name=t("Save draft")).click()
    expect(site.flash()).to_have_text(t("Application saved as a draft."))
    expect(site.heading(re.compile(r"#\d+"))).to_be_visible()
    expect(page.locator(".badge.status")).to_have_text(t("Draft"))
    expect(page.get_by_role("main")).to_contain_text(site.money(300_000))
    site.check()

    # The checklist: submitting waits for the required documents.
    licence, statements = t("Business licence"), t("Latest financial statements")
    missing = page.locator("#missing-documents")
    expect(missing).to_contain_text(licence)
    expect(missing).to_contain_text(statements)
    checklist = page.locator("ul.checklist")
    expect(checklist.locator("[data-code=business_licence] .missing")).to_have_text(t("Not uploaded"))
    upload_document(site, "business_licence", "营业执照.pdf")
    expect(checklist.locator("[data-code=business_licence] .satisfied")).to_contain_text("营业执照.pdf")
    expect(missing).not_to_contain_text(licence)
    site.check()

    page.get_by_role("button", name=t("Submit for review")).click()
    expect(site.flash("danger")).to_contain_text(statements)
    expect(page.locator(".badge.status")).to_have_text(t("Draft"))
    site.check()

    upload_document(site, "financial_statements", f"{LAST_YEAR}年度财务报表.pdf")
    expect(checklist.locator("[data-code=financial_statements] .satisfied")).to_contain_text(
        f"{LAST_YEAR}年度财务报表.pdf"
    )
    expect(missing).to_have_count(0)
    expect(page.locator("ul.documents li")).to_have_count(2)
    site.check()

    # Submitted: scored at once, the grade and the reasons shown to the SME (without model codes).
    page.get_by_role("button", name=t("Submit for review")).click()
    expect(site.flash()).to_have_text(t("Application submitted for review."))
    expect(page.locator(".badge.status")).to_have_text(t("In review"))
    assessment = page.locator(".assessment")
    expect(assessment.locator(".grade")).to_have_text(re.compile(r"^[A-E]$"))
    expect(assessment.get_by_role("heading", name=t("Main reasons lowering the score"))).to_be_visible()
    reasons = assessment.locator("ol.reasons li")
    if reasons.count():
        expect(reasons.first).to_have_text(re.compile(r"\S"))
        expect(assessment.locator("ol.reasons code")).to_have_count(0)
    else:
        expect(assessment).to_contain_text(t("No ratio lowered the score noticeably."))
    expect(page.locator(".timeline")).to_contain_text(t("Entered review"))
    expect(page.get_by_role("button", name=t("Submit for review"))).to_have_count(0)
    site.check(None if site.mobile else "sme-application", scroll_to=assessment)

    site.nav(t("My enterprise"))
    expect(next_step(site)).to_contain_text(
        t("Your application is with the smart-city fund; its page shows each step.")
    )
    expect(page.locator(".stat-card", has_text=t("Applications"))).to_contain_text(f"{t('In review')}: 1")
    site.check()
