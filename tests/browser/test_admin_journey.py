"""An administrator creates a fund manager's account, then disables it; it can no longer sign in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.site import Site
from tests.helpers import TEST_PASSWORD

pytestmark = pytest.mark.browser

NEW_EMAIL = "liu@example.com"


def test_admin_creates_an_account_and_disables_it(site: Site, live_server):
    page, t = site.page, site.t
    live_server.user("admin", "admin@example.com", name="平台管理员")

    site.start("/login")
    site.sign_in("admin@example.com")
    expect(site.heading(t("Administration"))).to_be_visible()
    site.check()
    site.nav(t("Accounts"))
    expect(site.heading(t("Accounts"))).to_be_visible()
    rows = page.locator("table.accounts tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("admin@example.com")
    site.check()

    # A common password is refused beside the field and creates nothing.
    create = page.locator(".card", has=page.get_by_role("heading", name=t("Create an account")))
    create.get_by_label(t("Role")).select_option("fund_manager")
    create.get_by_label(t("Name")).fill("刘洋")
    create.get_by_label(t("Email")).fill(NEW_EMAIL)
    create.get_by_label(t("Initial password")).fill("password123")
    create.get_by_role("button", name=t("Create account")).click()
    password = create.get_by_label(t("Initial password"))
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(rows).to_have_count(1)
    site.check()

    password.fill(TEST_PASSWORD)
    create.get_by_role("button", name=t("Create account")).click()
    expect(site.flash()).to_have_text(t("Account %(email)s created.", email=NEW_EMAIL))
    created = page.locator("table.accounts tbody tr", has_text=NEW_EMAIL)
    expect(created).to_contain_text("刘洋")
    expect(created).to_contain_text(t("Fund manager"))
    expect(created.locator(".status")).to_have_text(site.pt("account", "Active"))
    site.check("admin-accounts", only_in="zh_CN")

    # Disabling asks first, on a page of its own.
    created.get_by_role("link", name=t("Disable…")).click()
    expect(site.heading(t("Disable the account %(email)s?", email=NEW_EMAIL))).to_be_visible()
    site.check()
    page.get_by_role("button", name=t("Disable the account")).click()
    expect(site.flash()).to_have_text(t("%(email)s is disabled and signed out everywhere.", email=NEW_EMAIL))
    expect(created.locator(".status")).to_have_text(t("Disabled"))
    expect(created.get_by_role("button", name=t("Enable"))).to_be_visible()
    site.check()

    # The disabled account cannot sign in (the message does not say why, as for a wrong password).
    site.sign_out()
    page.get_by_label(site.t("Email")).fill(NEW_EMAIL)
    page.get_by_label(site.t("Password"), exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name=site.t("Sign in")).click()
    expect(site.flash("danger")).to_have_text(site.t("Email or password is incorrect."))
    expect(site.heading(site.t("Sign in"))).to_be_visible()
    site.check()
