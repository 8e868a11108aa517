"""Bad-input corpus: every JSON endpoint and HTML form that takes text, amounts, dates or pages
gets the inputs of the security review's families (NUL and other control characters, lone
surrogates, bidi overrides, digits of other scripts, huge numbers and pages, extreme dates, huge
nesting, malformed signature headers). Each answers 4xx (never 5xx) and changes nothing: the audit
log, the ledger, payments, accounts and webhook events are counted before and after.

Run it on PostgreSQL too (TEST_DATABASE_URL): a NUL reaching the database is a DataError there.
"""

from __future__ import annotations

import itertools
import json
import time
from urllib.parse import quote

import pytest

from marketplace.gateways import gateway
from marketplace.models import (
    ApplicationDocument,
    AuditEvent,
    Enterprise,
    FinancialStatement,
    LedgerEntry,
    LoanApplication,
    Payment,
    User,
    WebhookEvent,
)
from marketplace.payments import signature
from tests.app_helpers import (
    LAST_YEAR,
    ApiUser,
    application_payload,
    count,
    draft,
    enterprise_payload,
    ready_sme,
    statement_payload,
    submitted,
)
from tests.helpers import TEST_PASSWORD, login

# --- the families ------------------------------------------------------------------------------

CONTROL = ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\x9f"]
SURROGATE = ["\ud800", "\udfff", "\udc00\ud800"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
# Appended to a valid value, each makes any text field invalid.
BAD_TEXT = CONTROL + SURROGATE + BIDI
OTHER_DIGITS = ["٣٠٠", "۳۰۰", "३००", "১০০", "๓๐๐", "𝟑𝟎𝟎", "³⁰⁰", "Ⅲ"]
HUGE_NUMBERS = ["1" * 400, "9" * 5000, "100000000000000000000", "1e999", "NaN", "Infinity", "-0x10", "1_000"]
BAD_AMOUNTS = (
    OTHER_DIGITS + HUGE_NUMBERS + ["1\x00", "\u202e100", "100\ud800", 1e308, 10**400, -(10**400), True]
)
BAD_INTS = [10**30, -(10**30), 2**63, 2**31, "٣", "NaN", 1.5, None, "12"]
BAD_DATES = [
    "9999-12-31",
    "0001-01-01",
    "99999-01-01",
    "2024-13-45",
    "２０２４-01-01",
    "2024-01-01\x00",
    "+2024-01-01",
]
BAD_PAGES = ["100000000000000000000", "9" * 5000, "-1", "0", "١٢", "1e3", "\x00", "NaN", "1.5"]
DEEP = "[" * 100_000


def snapshot() -> tuple:
    return tuple(
        count(model)
        for model in (
            AuditEvent,
            LedgerEntry,
            Payment,
            User,
            Enterprise,
            FinancialStatement,
            LoanApplication,
            ApplicationDocument,
            WebhookEvent,
        )
    )


def in_the_middle(valid: str, bad: str) -> str:
    return valid[: len(valid) // 2] + bad + valid[len(valid) // 2 :]


def json_body(value) -> str:
    """JSON text; json.dumps writes lone surrogates as \\udXXX escapes, as an attacker would."""
    return json.dumps(value)


def form_body(fields: dict) -> bytes:
    """An urlencoded body, lone surrogates percent-encoded as their (invalid) UTF-8 bytes."""
    return "&".join(
        f"{quote(name)}={quote(str(value).encode('utf-8', 'surrogatepass'))}"
        for name, value in fields.items()
    ).encode()


def assert_refused(response, before, *, statuses=range(400, 500)):
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True)[:300])
    assert snapshot() == before


@pytest.fixture
def world(app, client, users):
    """An SME with a profile, a statement, a draft and a submitted application; API users."""
    sme = ready_sme(client)
    world = {
        "sme": sme,
        "draft": draft(sme),
        "submitted": submitted(sme, purpose="Second application for the corpus test, refrigerated vans."),
        "investor": ApiUser(client, "investor@example.com"),
        "fund": ApiUser(client, "fund_manager@example.com"),
    }
    return world


def browser(app, email):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


# --- JSON endpoints ----------------------------------------------------------------------------

TEXT_FIELDS = {
    ("PUT", "/enterprise", "enterprise"): ["name", "uscc", "legal_representative", "industry", "district"]
    + ["tax_credit_rating", "category", "contact_phone"],
    ("POST", "/applications", "application"): ["repayment_method", "purpose", "category"],
    ("PUT", "/applications/{draft}", "application"): ["purpose", "category", "repayment_method"],
    ("POST", "/applications/{submitted}/decision", "decision"): ["decision", "note"],
    ("POST", "/auth/register", "register"): ["email", "password", "role", "name", "locale"],
    ("POST", "/auth/tokens", "token"): ["email", "password"],
    ("POST", "/wallet/deposits", "deposit"): ["amount", "payment_method"],
    ("POST", "/wallet/withdrawals", "withdrawal"): ["amount"],
}
AMOUNT_FIELDS = {
    ("PUT", "/enterprise", "enterprise"): ["registered_capital"],
    ("POST", "/enterprise/statements", "statement_new"): ["revenue", "cash", "equity"],
    ("PUT", f"/enterprise/statements/{LAST_YEAR}", "statement"): ["revenue", "total_assets"],
    ("POST", "/applications", "application"): ["amount"],
    ("PUT", "/applications/{draft}", "application"): ["amount"],
    ("POST", "/wallet/deposits", "deposit"): ["amount"],
    ("POST", "/wallet/withdrawals", "withdrawal"): ["amount"],
}
INT_FIELDS = {
    ("PUT", "/enterprise", "enterprise"): ["employees"],
    ("POST", "/enterprise/statements", "statement_new"): ["year"],
    ("POST", "/applications", "application"): ["term_months"],
    ("POST", "/applications/{submitted}/decision", "approval"): [
        "max_rate_bps",
        "listing_days",
        "fund_share_bps",
    ],
}
DATE_FIELDS = {("PUT", "/enterprise", "enterprise"): ["founded_on"]}


def base_body(kind: str) -> dict:
    statement = statement_payload()
    return {
        "enterprise": enterprise_payload(),
        "statement_new": statement_payload(year=LAST_YEAR - 1),
        "statement": {k: v for k, v in statement.items() if k != "year"},
        "application": application_payload(),
        "decision": {"decision": "request_info", "note": "Please upload the audit report."},
        "approval": {"decision": "approve", "max_rate_bps": 1200, "listing_days": 10, "fund_share_bps": 1000},
        "register": {
            "email": "new@example.com",
            "password": TEST_PASSWORD,
            "role": "sme",
            "name": "New",
            "locale": "en",
        },
        "token": {"email": "sme@example.com", "password": "wrong-password-but-well-formed"},
        "deposit": {"amount": "100.00", "payment_method": "pm_card_visa"},
        "withdrawal": {"amount": "100.00"},
    }[kind]


def api_caller(world, path):
    if "/decision" in path:
        return world["fund"]
    if path.startswith("/wallet"):
        return world["investor"]
    return world["sme"]


def cases(table):
    return [
        pytest.param(method, path, kind, name, id=f"{method} {path} {name}")
        for (method, path, kind), names in table.items()
        for name in names
    ]


def send_api(world, method, path, body_text):
    api = api_caller(world, path)
    path = path.format(draft=world["draft"], submitted=world["submitted"])
    return api.client.open(
        "/api/v1" + path, method=method, data=body_text, content_type="application/json", headers=api.headers
    )


@pytest.mark.parametrize(("method", "path", "kind", "name"), cases(TEXT_FIELDS))
def test_api_text_fields(world, method, path, kind, name):
    before = snapshot()
    for bad in BAD_TEXT:
        body = base_body(kind)
        body[name] = in_the_middle(str(body[name]), bad)
        response = send_api(world, method, path, json_body(body))
        assert_refused(response, before, statuses=(422,))
        assert name in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(("method", "path", "kind", "name"), cases(AMOUNT_FIELDS))
def test_api_amount_fields(world, method, path, kind, name):
    before = snapshot()
    for bad in BAD_AMOUNTS:
        response = send_api(world, method, path, json_body(base_body(kind) | {name: bad}))
        assert_refused(response, before, statuses=(422,))


@pytest.mark.parametrize(("method", "path", "kind", "name"), cases(INT_FIELDS))
def test_api_integer_fields(world, method, path, kind, name):
    before = snapshot()
    for bad in BAD_INTS:
        response = send_api(world, method, path, json_body(base_body(kind) | {name: bad}))
        assert_refused(response, before)


@pytest.mark.parametrize(("method", "path", "kind", "name"), cases(DATE_FIELDS))
def test_api_date_fields(world, method, path, kind, name):
    before = snapshot()
    for bad in BAD_DATES:
        response = send_api(world, method, path, json_body(base_body(kind) | {name: bad}))
        assert_refused(response, before, statuses=(422,))


JSON_ENDPOINTS = sorted({(method, path) for method, path, _ in [*TEXT_FIELDS, *AMOUNT_FIELDS, *INT_FIELDS]})


BODIES = [
    DEEP,
    '{"a":' * 10_000,
    '{"amount": ' + "[" * 5_000 + "]" * 5_000 + "}",
    "\x00",
    '"\\ud800"',
    "[1,",
    "{}" * 5,
]


@pytest.mark.parametrize(("method", "path"), JSON_ENDPOINTS)
def test_api_bodies_that_are_not_objects(world, method, path):
    before = snapshot()
    for body in BODIES:
        assert_refused(send_api(world, method, path, body), before)


QUERIES = {
    "/wallet/transactions": {"from": BAD_DATES, "to": BAD_DATES, "page": BAD_PAGES, "per_page": BAD_PAGES},
    "/wallet/payments": {"page": BAD_PAGES, "per_page": BAD_PAGES},
    "/applications": {"page": BAD_PAGES, "per_page": BAD_PAGES},
    "/review/applications": {"page": BAD_PAGES, "status": BAD_TEXT, "category": BAD_TEXT, "sort": BAD_TEXT},
}


@pytest.mark.parametrize(
    ("path", "name"),
    [pytest.param(path, name, id=f"{path} {name}") for path, params in QUERIES.items() for name in params],
)
def test_api_query_strings(world, path, name):
    api = (
        world["fund"]
        if path.startswith("/review")
        else world["investor"]
        if path.startswith("/wallet")
        else world["sme"]
    )
    before = snapshot()
    for bad in QUERIES[path][name]:
        value = "in_review" + bad if name == "status" else bad
        response = api.get(path, query_string={name: value.encode("utf-8", "surrogatepass")})
        assert_refused(response, before, statuses=(422,))


def test_api_bearer_tokens(client, users):
    before = snapshot()
    for token in ["\x00", "abc\x00def", "\xe9\xe9", "a" * 5000, "Bearer", "\u202e"]:
        response = client.get("/api/v1/wallet", headers={"Authorization": f"Bearer {token}"})
        assert_refused(response, before, statuses=(401,))


def test_api_idempotency_keys(world):
    investor = world["investor"]
    before = snapshot()
    for key in ["\x00", "k\x7f", "\xe9\xe9\xe9", "a b", "k" * 5000]:
        headers = {**investor.headers, "Idempotency-Key": key}
        response = investor.client.post("/api/v1/wallet/deposits", json={"amount": "100.00"}, headers=headers)
        assert_refused(response, before)


# --- webhook -----------------------------------------------------------------------------------

WEBHOOK = "/api/v1/webhooks/payments"


HEADERS = [
    "t=1700000000,v1=\xe9\xe9",
    "t=\xb2,v1=abc",
    "t=\xb9\xb2\xb3,v1=abc",
    "t=1700000000,v1=\x00",
    "t=1700000000\x7f,v1=abc",
    "t=" + "9" * 5000 + ",v1=abc",
    "t=-1,v1=abc",
    ",,,,",
    "=" * 100,
    "t=1700000000," + "v1=ab," * 2000,
]


def test_webhook_signature_headers(client, users):
    before = snapshot()
    for header in HEADERS:
        response = client.post(
            WEBHOOK,
            data=b'{"id": "evt_1", "type": "payment_intent.succeeded"}',
            headers={"Stripe-Signature": header},
        )
        assert_refused(response, before, statuses=(400,))
        assert set(response.get_json()["error"]) >= {"code", "message"}


@pytest.mark.parametrize(
    "payload",
    [
        b"[" * 5000 + b"]" * 5000,
        b'{"id": "evt_1", "type": "x", "data": ' + b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"}",
        b"[" * 100_000,
        b"\xff\xfe\x00",
    ],
    ids=["deep array", "deep object", "unbalanced", "not utf-8"],
)
def test_correctly_signed_webhook_bodies(client, users, payload):
    header = signature.sign(payload, gateway().webhook_secret, int(time.time()))
    before = snapshot()
    response = client.post(WEBHOOK, data=payload, headers={"Stripe-Signature": header})
    assert_refused(response, before, statuses=(400,))


# --- HTML forms --------------------------------------------------------------------------------

FORMS = {
    # path: (signed-in role or None, valid fields, text fields)
    "/register": (
        None,
        {
            "role": "sme",
            "name": "New Co",
            "email": "new@example.com",
            "password": TEST_PASSWORD,
            "confirm": TEST_PASSWORD,
        },
        ["name", "email", "password", "confirm"],
    ),
    "/account/password": (
        "sme",
        {
            "current_password": TEST_PASSWORD,
            "new_password": "Another-Horse-Battery-43",
            "confirm": "Another-Horse-Battery-43",
        },
        ["current_password", "new_password", "confirm"],
    ),
    "/sme/enterprise": (
        "sme",
        enterprise_payload(name="Changed name Co., Ltd."),
        ["name", "uscc", "legal_representative", "district", "contact_phone"],
    ),
    "/sme/applications/new": (
        "sme",
        {
            "amount": "50000",
            "term_months": "6",
            "repayment_method": "equal_principal",
            "purpose": "Buy a second CNC machine for the workshop.",
            "category": "industry",
        },
        ["purpose"],
    ),
    "/sme/applications/{draft}/edit": (
        "sme",
        {
            "amount": "60000",
            "term_months": "6",
            "repayment_method": "equal_principal",
            "purpose": "Buy a third CNC machine for the workshop.",
            "category": "industry",
        },
        ["purpose"],
    ),
    "/fund/applications/{submitted}": (
        "fund_manager",
        {"decision": "request_info", "note": "Please upload the audit report."},
        ["note"],
    ),
    "/wallet/deposit": (
        "investor",
        {"deposit-amount": "100.00", "deposit-idempotency_key": "a" * 32},
        ["deposit-amount", "deposit-idempotency_key"],
    ),
    "/admin/users": (
        "admin",
        {"role": "regulator", "name": "Reg Two", "email": "reg2@example.com", "password": TEST_PASSWORD},
        ["name", "email", "password"],
    ),
    "/wallet/withdraw": (
        "investor",
        {"withdraw-amount": "1.00", "withdraw-idempotency_key": "b" * 32},
        ["withdraw-amount", "withdraw-idempotency_key"],
    ),
}
AMOUNT_FORMS = {
    "/sme/enterprise": ["registered_capital"],
    "/sme/applications/new": ["amount"],
    "/sme/statements/new": ["revenue", "cash"],
    f"/sme/statements/{LAST_YEAR}/edit": ["revenue"],
    "/wallet/deposit": ["deposit-amount"],
    "/wallet/withdraw": ["withdraw-amount"],
}
INT_FORMS = {
    "/sme/enterprise": ["employees"],
    "/sme/applications/new": ["term_months"],
    "/fund/applications/{submitted}": ["max_rate_bps", "listing_days", "fund_share_bps"],
}
ROLE_EMAILS = {
    role: f"{role}@example.com" for role in ("sme", "investor", "fund_manager", "admin", "regulator")
}


def form_fields(path: str) -> tuple[str | None, dict]:
    if path in FORMS:
        role, fields, _ = FORMS[path]
        return role, dict(fields)
    if path.startswith("/sme/statements"):
        fields = statement_payload(year=LAST_YEAR - 1)
        if "edit" in path:
            fields.pop("year")
        return "sme", fields
    raise KeyError(path)


def form_client(app, path):
    role, _ = form_fields(path)
    return browser(app, ROLE_EMAILS[role]) if role else app.test_client()


def post_form(client, world, path, fields):
    url = path.format(draft=world["draft"], submitted=world["submitted"])
    return client.post(
        url,
        data=form_body(fields),
        content_type="application/x-www-form-urlencoded",
        environ_base={"REMOTE_ADDR": next(ADDRESSES)},  # past the per-address registration limit
    )


ADDRESSES = (f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" for n in itertools.count(1))
# A form body cannot carry a lone surrogate: its percent-encoded bytes are not UTF-8 and are read
# as U+FFFD, an ordinary character. The JSON tests above send them ("\\ud800" escapes).
FORM_TEXT = CONTROL + BIDI


@pytest.mark.parametrize(
    ("path", "name"),
    [
        pytest.param(path, name, id=f"{path} {name}")
        for path, (_, _, names) in FORMS.items()
        for name in names
    ],
)
def test_form_text_fields(app, world, path, name):
    client = form_client(app, path)
    before = snapshot()
    for bad in FORM_TEXT:
        _, fields = form_fields(path)
        fields[name] = in_the_middle(fields[name], bad)
        assert_refused(post_form(client, world, path, fields), before, statuses=(422,))


@pytest.mark.parametrize(
    ("path", "name"),
    [pytest.param(path, name, id=f"{path} {name}") for path, names in AMOUNT_FORMS.items() for name in names],
)
def test_form_amount_fields(app, world, path, name):
    client = form_client(app, path)
    before = snapshot()
    for bad in OTHER_DIGITS + HUGE_NUMBERS + ["1\x00", "\u202e100", "100\ud800"]:
        _, fields = form_fields(path)
        fields[name] = bad
        assert_refused(post_form(client, world, path, fields), before, statuses=(422,))


FORM_INTS = [
    "1" * 400,
    "9" * 5000,
    "100000000000000000000",
    "-100000000000000000000",
    "٣",
    "३",
    "1e3",
    "\x00",
    "NaN",
]


@pytest.mark.parametrize(
    ("path", "name"),
    [pytest.param(path, name, id=f"{path} {name}") for path, names in INT_FORMS.items() for name in names],
)
def test_form_integer_fields(app, world, path, name):
    client = form_client(app, path)
    before = snapshot()
    for bad in FORM_INTS:
        _, fields = form_fields(path)
        fields[name] = bad
        assert_refused(post_form(client, world, path, fields), before, statuses=(422,))


def test_form_date_fields(app, world):
    client = form_client(app, "/sme/enterprise")
    before = snapshot()
    for bad in BAD_DATES:
        _, fields = form_fields("/sme/enterprise")
        fields["founded_on"] = bad
        assert_refused(post_form(client, world, "/sme/enterprise", fields), before, statuses=(422,))


@pytest.mark.parametrize("name", ["email", "password"])
def test_sign_in_form(app, users, name):
    """The sign-in page shows the field error on the form with 422; nothing is recorded, no
    failure is counted."""
    client = app.test_client()
    before = snapshot()
    for bad in FORM_TEXT + ["x" * 5000]:
        fields = {"email": "sme@example.com", "password": TEST_PASSWORD}
        fields[name] = in_the_middle(fields[name], bad)
        response = client.post(
            "/login", data=form_body(fields), content_type="application/x-www-form-urlencoded"
        )
        assert_refused(response, before, statuses=(422,))
        assert "invalid-feedback" in response.get_data(as_text=True)


def test_language_form(app, users):
    client = browser(app, "sme@example.com")
    before = snapshot()
    for bad in FORM_TEXT + SURROGATE + ["//evil.example", "javascript:alert(1)"]:
        body = form_body({"locale": "zh_CN" + bad, "next": "/" + bad})
        response = client.post("/language", data=body, content_type="application/x-www-form-urlencoded")
        assert_refused(response, before, statuses=(302, 400, 422))
        assert "evil" not in response.headers.get("Location", "")


# --- pages with query strings ------------------------------------------------------------------

PAGES = {
    "/wallet/statement": ("investor", {"start": BAD_DATES, "end": BAD_DATES}),
    "/wallet/statement.csv": ("investor", {"start": BAD_DATES, "end": BAD_DATES}),
}
LIST_PAGES = [
    ("investor", "/wallet/"),
    ("investor", "/wallet/statement"),
    ("sme", "/sme/applications"),
    ("admin", "/admin/payments"),
    ("admin", "/admin/users"),
    ("regulator", "/regulator/audit"),
    ("regulator", "/regulator/applications"),
    ("fund_manager", "/fund/applications"),
]


@pytest.mark.parametrize(
    ("path", "name"), [(path, name) for path, (_, params) in PAGES.items() for name in params]
)
def test_page_dates(app, users, path, name):
    client = browser(app, ROLE_EMAILS[PAGES[path][0]])
    before = snapshot()
    for bad in PAGES[path][1][name]:
        assert_refused(client.get(path, query_string={name: bad}), before, statuses=(422,))


@pytest.mark.parametrize(("role", "path"), LIST_PAGES)
def test_list_pages_with_bad_pages_and_filters(app, users, role, path):
    """A list page reads a nonsense page number as the nearest bound (a link never breaks a page);
    the review queues refuse an unknown status, category or sort with 422."""
    client = browser(app, ROLE_EMAILS[role])
    before = snapshot()
    for bad in BAD_PAGES:
        response = client.get(path, query_string={"page": bad, "per_page": bad})
        assert response.status_code == 200, (bad, response.status_code)
    for bad in BAD_TEXT:
        query = {name: bad.encode("utf-8", "surrogatepass") for name in ("status", "category", "sort")}
        response = client.get(path, query_string=query)
        assert response.status_code in (200, 422), (bad, response.status_code)
    assert snapshot() == before
