"""Amounts are typed in ASCII or full-width digits; every other script's digits are refused."""

import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from marketplace.models import AuditEvent, LedgerEntry, Payment
from marketplace.money import MoneyError, parse_yuan
from tests.app_helpers import count

FULL_WIDTH = {chr(0xFF10 + d): str(d) for d in range(10)} | {"．": ".", "，": ",", "－": "-"}
# Every decimal digit of Unicode that is neither ASCII nor full-width: Arabic-Indic, Devanagari...
OTHER_DIGITS = [
    chr(code)
    for code in range(0x110000)
    if unicodedata.category(chr(code)) == "Nd" and not ("0" <= chr(code) <= "9" or 0xFF10 <= code <= 0xFF19)
]
AMOUNT_TEXT = st.text(alphabet="0123456789.,-" + "".join(FULL_WIDTH) + " ", max_size=24)


def ascii_form(text: str) -> str:
    return "".join(FULL_WIDTH.get(char, char) for char in text)


@given(AMOUNT_TEXT)
def test_an_accepted_amount_parses_as_its_ascii_form(text):
    try:
        fen = parse_yuan(text, allow_negative=True)
    except MoneyError:
        with pytest.raises(MoneyError):
            parse_yuan(ascii_form(text), allow_negative=True)
        return
    assert parse_yuan(ascii_form(text), allow_negative=True) == fen
    assert parse_yuan(unicodedata.normalize("NFKC", text), allow_negative=True) == fen


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_full_width_amounts_parse_exactly(whole, cents):
    text = f"{whole:,}.{cents:02d}"
    full = "".join({v: k for k, v in FULL_WIDTH.items()}.get(char, char) for char in text)
    assert parse_yuan(full) == parse_yuan(text) == whole * 100 + cents


@given(
    st.text(alphabet="0123456789", max_size=6),
    st.sampled_from(OTHER_DIGITS),
    st.text(alphabet="0123456789", max_size=6),
    st.sampled_from(["", ".00", ".5"]),
)
def test_digits_of_other_scripts_are_refused(before, digit, after, decimals):
    assume(len(OTHER_DIGITS) > 100)
    with pytest.raises(MoneyError):
        parse_yuan(before + digit + after + decimals)


@pytest.mark.parametrize("text", ["٣٠٠", "１٣", "३००", "100.٥0", "𝟏𝟎𝟎", "¹⁰⁰", "1e3", "Ⅻ"])
def test_lookalike_digits_are_refused(text):
    with pytest.raises(MoneyError):
        parse_yuan(text)


def test_full_width_deposit_is_the_same_deposit_and_other_scripts_move_nothing(
    client, users, investor_client
):
    from tests.helpers import api_token, bearer

    headers = bearer(api_token(client, "investor@example.com"))
    response = client.post("/api/v1/wallet/deposits", json={"amount": "１００．００"}, headers=headers)
    assert response.status_code == 201 and response.get_json()["amount"] == "100.00"
    before = count(AuditEvent), count(LedgerEntry), count(Payment)
    for text in ["٣٠٠", "१००", "100.٥0"]:
        response = client.post("/api/v1/wallet/deposits", json={"amount": text}, headers=headers)
        assert response.status_code == 422 and "amount" in response.get_json()["error"]["fields"]
        page = investor_client.post(
            "/wallet/deposit", data={"deposit-amount": text, "deposit-idempotency_key": "a" * 32}
        )
        assert page.status_code == 422
    assert (count(AuditEvent), count(LedgerEntry), count(Payment)) == before


@pytest.mark.parametrize(("typed", "ok"), [("٦", False), ("६", False), ("６", True), ("6", True)])
def test_whole_number_fields_read_ascii_or_full_width_digits(client, users, sme_client, typed, ok):
    from marketplace.models import LoanApplication
    from tests.app_helpers import ready_sme

    ready_sme(client)
    data = {"amount": "50000", "term_months": typed, "repayment_method": "equal_principal"}
    data |= {"category": "industry", "purpose": "Buy a second CNC machine for the workshop."}
    response = sme_client.post("/sme/applications/new", data=data)
    assert response.status_code == (302 if ok else 422)
    assert count(LoanApplication) == (1 if ok else 0)
