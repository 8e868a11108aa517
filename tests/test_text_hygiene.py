"""The text rule (marketplace.rules.text) and where it applies: every form field, every API field."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.models import AuditEvent, Enterprise, LoanApplication, User
from marketplace.rules.text import forbidden_character, text_problem
from tests.app_helpers import application_payload, count, enterprise_payload, ready_sme
from tests.helpers import TEST_PASSWORD

FORBIDDEN = [
    "\x00",
    "\x01",
    "\x1b",
    "\x7f",
    "\x85",
    "\u202a",
    "\u202e",
    "\u2066",
    "\u2069",
    "\ud800",
    "\udfff",
]
SINGLE_LINE_ONLY = ["\t", "\n", "\r"]
ALLOWED = st.characters(
    blacklist_categories=("Cc", "Cs"),
    blacklist_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
)


# --- the rule ------------------------------------------------------------------------------------


@given(st.text(ALLOWED))
def test_text_without_forbidden_characters_passes(text):
    assert forbidden_character(text) is None
    assert forbidden_character(text, multiline=True) is None


@given(st.text(ALLOWED), st.sampled_from(FORBIDDEN), st.text(ALLOWED), st.booleans())
def test_any_forbidden_character_anywhere_is_found(before, char, after, multiline):
    assert forbidden_character(before + char + after, multiline=multiline) == char


@given(st.text(ALLOWED), st.sampled_from(SINGLE_LINE_ONLY), st.text(ALLOWED))
def test_line_breaks_and_tabs_only_in_multi_line_text(before, char, after):
    assert forbidden_character(before + char + after) == char
    assert forbidden_character(before + char + after, multiline=True) is None


def test_the_message_names_the_character():
    assert (
        text_problem("a\u202eb").render() == "This field contains a character that is not allowed (U+202E)."
    )
    assert text_problem("深圳市 三好街 😀") is None


# --- the API -------------------------------------------------------------------------------------


def raw_json(value) -> str:
    """A JSON text whose strings may hold lone surrogates (json.dumps escapes them as \\udXXX)."""
    return json.dumps(value)


@pytest.mark.parametrize("char", FORBIDDEN + SINGLE_LINE_ONLY)
@pytest.mark.parametrize("field", ["name", "legal_representative", "district", "uscc", "contact_phone"])
def test_api_enterprise_text_fields_refuse_bad_characters(client, users, char, field):
    sme = ready_sme(client)
    before = count(AuditEvent), sme.get("/enterprise").get_json()
    body = raw_json(enterprise_payload(**{field: f"Sanhaojie{char}Ltd"}))
    response = sme.put("/enterprise", data=body, content_type="application/json")
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == [field]
    assert (count(AuditEvent), sme.get("/enterprise").get_json()) == before


@pytest.mark.parametrize("char", FORBIDDEN)
def test_api_application_purpose_refuses_bad_characters_but_keeps_line_breaks(client, users, char):
    sme = ready_sme(client)
    purpose = "Working capital for two new vans:\r\n\t- refrigerated\n"
    assert sme.post("/applications", json=application_payload(purpose=purpose)).status_code == 201
    body = raw_json(application_payload(purpose=purpose + char))
    response = sme.post("/applications", data=body, content_type="application/json")
    assert response.status_code == 422 and "purpose" in response.get_json()["error"]["fields"]
    assert count(LoanApplication) == 1


@pytest.mark.parametrize("char", FORBIDDEN + ["\n"])
def test_api_sign_in_and_registration_refuse_bad_characters(client, users, char):
    before = count(AuditEvent), count(User)
    body = raw_json({"email": f"sme@example.com{char}", "password": TEST_PASSWORD})
    response = client.post("/api/v1/auth/tokens", data=body, content_type="application/json")
    assert response.status_code == 422 and "email" in response.get_json()["error"]["fields"]
    body = raw_json(
        {"email": "new@example.com", "password": TEST_PASSWORD, "role": "sme", "name": f"New{char}Co"}
    )
    response = client.post("/api/v1/auth/register", data=body, content_type="application/json")
    assert response.status_code == 422 and "name" in response.get_json()["error"]["fields"]
    assert (count(AuditEvent), count(User)) == before


def test_api_query_strings_obey_the_rule(client, users, fund_client):
    from tests.helpers import api_token, bearer

    headers = bearer(api_token(client, "fund_manager@example.com"))
    response = client.get(
        "/api/v1/review/applications", query_string={"status": "in_review\x00"}, headers=headers
    )
    assert response.status_code == 422 and "status" in response.get_json()["error"]["fields"]


# --- the forms -----------------------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\u202e", "\u2067", "\n"])
def test_sign_in_form_shows_a_field_error_and_records_nothing(client, users, char):
    before = count(AuditEvent)
    response = client.post("/login", data={"email": f"sme@example.com{char}", "password": TEST_PASSWORD})
    assert response.status_code == 422
    assert "不允许的字符（U+" in response.get_data(as_text=True)  # a visitor reads the default language
    assert count(AuditEvent) == before


@pytest.mark.parametrize("char", ["\x00", "\x08", "\u202d", "\u2066", "\t"])
def test_registration_form_refuses_bad_characters(client, char):
    data = {"role": "sme", "name": f"New{char}Co", "email": "new@example.com"}
    data |= {"password": TEST_PASSWORD, "confirm": TEST_PASSWORD}
    response = client.post("/register", data=data)
    assert response.status_code == 422 and "不允许的字符（U+" in response.get_data(as_text=True)
    assert count(User) == 0


@pytest.mark.parametrize("char", ["\x00", "\x0b", "\u202e", "\n"])
def test_enterprise_form_refuses_bad_characters(sme_client, char):
    response = sme_client.post("/sme/enterprise", data=enterprise_payload(name=f"Sanhaojie{char}Ltd"))
    assert response.status_code == 422 and "not allowed (U+" in response.get_data(as_text=True)
    assert count(Enterprise) == 0


def test_application_form_keeps_line_breaks_and_refuses_nul(client, users, sme_client):
    ready_sme(client)
    data = {
        "amount": "50000",
        "term_months": "6",
        "repayment_method": "equal_principal",
        "category": "industry",
    }
    refused = sme_client.post(
        "/sme/applications/new", data={**data, "purpose": "Buy a CNC machine\x00 now!!"}
    )
    assert refused.status_code == 422 and "not allowed (U+0000)" in refused.get_data(as_text=True)
    assert count(LoanApplication) == 0
    saved = sme_client.post(
        "/sme/applications/new", data={**data, "purpose": "Buy a CNC machine\r\n\tfor the shop."}
    )
    assert saved.status_code == 302 and count(LoanApplication) == 1


def test_decision_note_refuses_bad_characters(client, users, fund_client):
    from tests.app_helpers import submitted

    application_id = submitted(ready_sme(client))
    response = fund_client.post(
        f"/fund/applications/{application_id}",
        data={"decision": "request_info", "note": "Send\u202e the report"},
    )
    assert response.status_code == 422 and "not allowed (U+202E)" in response.get_data(as_text=True)
