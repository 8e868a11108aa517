"""What the pages give assistive technology and keyboards (WCAG 2.2 AA), checked in the HTML."""

from __future__ import annotations

import re

from tests.helpers import login


def test_every_page_has_a_skip_link_to_the_main_content(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="#main"' in page and '<main id="main"' in page
    assert "跳到主要内容" in page or "Skip to main content" in page


def test_the_site_icon_is_served(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_a_field_in_error_is_marked_invalid_and_described_by_its_message(client):
    page = client.post("/register", data={"role": "sme", "name": "", "email": "x", "password": "a"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    field = re.search(r'<input[^>]*id="email"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="email-error"' in field
    assert 'id="email-error"' in html
    assert "/static/js/forms.js" in html  # moves the focus to the first field in error


def test_the_fund_managers_queue_is_named_as_in_the_navigation(app, users):
    client = app.test_client()
    login(client, "fund_manager@example.com")
    page = client.get("/fund/applications").get_data(as_text=True)
    assert "<h1" in page and re.search(r"<h1[^>]*>Review queue</h1>", page)
