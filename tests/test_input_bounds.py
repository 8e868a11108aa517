"""Bounds on what a request may carry: webhook signature headers, JSON nesting, dates, pages."""

import json
import time

import pytest

from marketplace.gateways import gateway
from marketplace.models import AuditEvent, LedgerEntry, Payment, WebhookEvent
from marketplace.payments import signature
from marketplace.rules.json_depth import nesting_depth_exceeds
from marketplace.rules.limits import MAX_JSON_DEPTH
from tests.app_helpers import count, ready_sme

WEBHOOK = "/api/v1/webhooks/payments"


def snapshot():
    return count(AuditEvent), count(LedgerEntry), count(Payment), count(WebhookEvent)


# --- webhook -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "t=1700000000,v1=\xe9\xe9",
        "t=\xb2,v1=abc",
        "t=1700000000,v1=" + "\xe9" * 64,
        "t=\u0661\u0667,v1=abc",
        "t=1700000000\x00,v1=abc",
        "t=,v1=abc",
        "t=" + "9" * 40 + ",v1=abc",
    ],
)
def test_malformed_signature_headers_are_400_and_change_nothing(client, users, header):
    before = snapshot()
    response = client.post(
        WEBHOOK, data=b"{}", headers={"Stripe-Signature": header, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_signature"
    assert snapshot() == before


def test_a_correctly_signed_header_with_a_non_ascii_timestamp_is_refused():
    payload = b"{}"
    header = signature.sign(payload, "whsec_test", timestamp="\xb2")  # type: ignore[arg-type]
    with pytest.raises(signature.SignatureError):
        signature.verify(payload, header, "whsec_test")
    header = f"t=1700000000,v1={'é' * 64}"
    with pytest.raises(signature.SignatureError):
        signature.verify(payload, header, "whsec_test", now=1700000000)


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None])
def test_a_correctly_signed_deeply_nested_body_is_400_and_changes_nothing(client, users, content_type):
    payload = ("[" * 5000 + "]" * 5000).encode()
    headers = {"Stripe-Signature": signature.sign(payload, gateway().webhook_secret, int(time.time()))}
    if content_type:
        headers["Content-Type"] = content_type
    before = snapshot()
    response = client.post(WEBHOOK, data=payload, headers=headers)
    assert response.status_code == 400
    assert set(response.get_json()["error"]) >= {"code", "message"}
    assert snapshot() == before


# --- JSON nesting --------------------------------------------------------------------------------


def test_nesting_depth_scan():
    assert not nesting_depth_exceeds('{"a": [1, {"b": 2}]}', 3)
    assert nesting_depth_exceeds('{"a": [1, {"b": [2]}]}', 3)
    assert not nesting_depth_exceeds('["[[[[[[", "\\"[[[["]', 1)  # brackets inside strings
    assert nesting_depth_exceeds("[" * 100_000, MAX_JSON_DEPTH)
    assert nesting_depth_exceeds(b"[" * 100_000, MAX_JSON_DEPTH)
    assert not nesting_depth_exceeds(json.dumps([[[1]]]).encode("utf-16"), 3)
    assert nesting_depth_exceeds(json.dumps([[[[1]]]]).encode("utf-16"), 3)


DEEP = "[" * 100_000


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/auth/register"),
        ("POST", "/api/v1/auth/tokens"),
        ("PUT", "/api/v1/enterprise"),
        ("POST", "/api/v1/enterprise/statements"),
        ("POST", "/api/v1/applications"),
        ("POST", "/api/v1/wallet/deposits"),
        ("POST", "/api/v1/wallet/withdrawals"),
        ("POST", "/login"),
    ],
)
def test_huge_nesting_is_refused_before_parsing(client, users, method, path):
    sme = ready_sme(client)
    before = snapshot()
    response = client.open(
        path, method=method, data=DEEP, headers={**sme.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.get_json()["error"]["code"] == "bad_request"
        assert str(MAX_JSON_DEPTH) in response.get_json()["error"]["message"]
    assert snapshot() == before


def test_nesting_within_the_limit_reaches_the_schema(client, users):
    sme = ready_sme(client)
    body = {"amount": json.loads("[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1))}
    response = client.post("/api/v1/wallet/deposits", json=body, headers=sme.headers)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["fields"]["amount"]


# --- dates and pages -----------------------------------------------------------------------------

BAD_DAYS = [
    "9999-12-31",
    "0001-01-01",
    "1999-12-31",
    "3000-01-01",
    "２０２４-01-01",
    "2024-02-30",
    "2024-1-1",
]


@pytest.mark.parametrize("day", BAD_DAYS)
@pytest.mark.parametrize("name", ["from", "to"])
def test_api_statement_dates_out_of_range_are_422_naming_the_field(client, users, day, name):
    sme = ready_sme(client)
    response = sme.get("/wallet/transactions", query_string={name: day})
    assert response.status_code == 422
    assert name in response.get_json()["error"]["fields"]


def test_api_statement_accepts_the_bounds_themselves(client, users):
    sme = ready_sme(client)
    response = sme.get("/wallet/transactions", query_string={"from": "2000-01-01", "to": "2999-12-31"})
    assert response.status_code == 200


@pytest.mark.parametrize("day", BAD_DAYS)
@pytest.mark.parametrize("name", ["start", "end"])
@pytest.mark.parametrize("path", ["/wallet/statement", "/wallet/statement.csv"])
def test_web_statement_dates_out_of_range_are_422(sme_client, day, name, path):
    response = sme_client.get(path, query_string={name: day})
    assert response.status_code == 422
    if day == "9999-12-31":
        assert b"2000-01-01" in response.data and b"2999-12-31" in response.data


def test_web_statement_accepts_the_bounds(sme_client):
    response = sme_client.get("/wallet/statement", query_string={"start": "2000-01-01", "end": "2999-12-31"})
    assert response.status_code == 200


HUGE_PAGES = ["100000000000000000000", "9" * 5000, "-1", "0", "1e9", "١٢", "\x00", "NaN"]


@pytest.mark.parametrize("page", HUGE_PAGES)
@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("sme", "/wallet/statement"),
        ("sme", "/wallet/"),
        ("sme", "/sme/applications"),
        ("admin", "/admin/payments"),
        ("admin", "/admin/users"),
        ("regulator", "/regulator/audit"),
        ("regulator", "/regulator/applications"),
        ("fund_manager", "/fund/applications"),
    ],
)
def test_web_lists_never_fail_on_page_numbers(app, users, page, role, path):
    from tests.helpers import login

    browser = app.test_client()
    login(browser, users[role].email)
    response = browser.get(path, query_string={"page": page, "per_page": page})
    assert response.status_code == 200


@pytest.mark.parametrize("page", HUGE_PAGES)
@pytest.mark.parametrize("path", ["/wallet/transactions", "/wallet/payments", "/applications"])
def test_api_lists_refuse_page_numbers_out_of_bounds(client, users, page, path):
    sme = ready_sme(client)
    response = sme.get(path, query_string={"page": page})
    assert response.status_code == 422
    assert "page" in response.get_json()["error"]["fields"]
