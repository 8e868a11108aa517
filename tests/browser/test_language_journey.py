"""The interface language a visitor chooses stays with them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.site import Site
from tests.browser.test_investor_journey import register

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en"])
def test_an_english_reader_signs_out_in_english(site: Site):
    site.start()
    register(site, site.t("An investor"), "Ada Reader", "ada@example.com")
    expect(site.heading(site.t("My investments"))).to_be_visible()
    site.check()
    site.sign_out()
    assert site.shown_language() == "en"
