"""The table of payment failures: the code to store, and the sentence people read for it."""

import pytest

from marketplace.domain_errors import Label, Message
from marketplace.payments.base import parse_event_data
from marketplace.rules import provider_messages as pm


@pytest.mark.parametrize(
    ("candidates", "code"),
    [
        (("insufficient_funds", "card_declined"), "insufficient_funds"),  # decline_code before code
        ((None, "card_declined"), "card_declined"),
        (("brand_new_decline", "card_declined"), "card_declined"),  # a known code wins
        (("brand_new_decline", None), "brand_new_decline"),  # else the most specific one
        ((" Expired_Card ",), "expired_card"),
        (("not a code!", 42, None), None),
        ((), None),
    ],
)
def test_the_stored_code_is_the_most_specific_one_the_table_knows(candidates, code):
    assert pm.failure_code(*candidates) == code


def test_a_failure_reported_without_a_code_is_still_recorded():
    assert pm.failure_code(None, "", described=True) == pm.PROVIDER_FAILURE
    assert pm.failure_code(None, described=False) is None
    assert pm.normalise_code("x" * 65) is None and pm.normalise_code("a" * 64) == "a" * 64


@pytest.mark.parametrize(
    "code",
    [
        "card_declined",
        "insufficient_funds",
        "expired_card",
        "incorrect_cvc",
        "processing_error",
        "account_closed",
    ],
)
def test_stripes_common_codes_have_their_own_sentence(code):
    assert pm.describe(code) == pm.FAILURE_MESSAGES[code] and "%" not in pm.describe(code)


def test_the_sandbox_and_the_platform_have_their_codes_in_the_same_table():
    assert pm.describe("sandbox_card_declined") == "Your card was declined (sandbox)."
    assert pm.describe("sandbox_account_closed") == "The bank account was closed (sandbox)."
    assert "interrupted" in pm.describe(pm.PAYMENT_INTERRUPTED)
    assert "refused the request" in pm.describe(pm.PROVIDER_REJECTED)


def test_an_unknown_code_is_named_in_a_generic_sentence():
    message = pm.describe("brand_new_decline")
    assert isinstance(message, Message) and message == pm.UNKNOWN_CODE
    assert message.render() == "The payment provider refused the payment (code brand_new_decline)."


def test_rows_stored_before_codes_keep_their_meaning_and_never_show_a_providers_words():
    assert (
        pm.describe("The bank account was closed (sandbox).") == pm.FAILURE_MESSAGES["sandbox_account_closed"]
    )
    assert pm.stored_code("Your card was declined (sandbox).") == "sandbox_card_declined"
    assert pm.describe("ignored: payment already succeeded") == pm.NOTE_MESSAGES[pm.LATE_EVENT]
    assert (
        pm.describe("rejected: the event does not match the payment") == pm.NOTE_MESSAGES[pm.EVENT_MISMATCH]
    )
    assert pm.describe("Votre carte a été refusée.") == pm.FAILURE_MESSAGES[pm.PROVIDER_FAILURE]
    assert pm.stored_code("Votre carte a été refusée.") is None
    assert pm.describe(None) is None and pm.describe("") is None


def test_a_decline_names_the_reason_as_a_label_to_translate():
    message, params = pm.decline("expired_card")
    assert message == pm.DECLINED and params == {"reason": "Your card has expired."}
    assert isinstance(params["reason"], Label)
    assert pm.decline("brand_new_decline") == (pm.UNKNOWN_CODE, {"code": "brand_new_decline"})


def test_every_sentence_is_a_whole_message_id():
    for message in [*pm.FAILURE_MESSAGES.values(), *pm.NOTE_MESSAGES.values()]:
        assert message[0].isupper() and message.endswith(".") and "%" not in message


def test_events_carry_the_providers_code_and_keep_its_words_apart():
    intent_failed = {
        "id": "evt_1",
        "type": "payment_intent.payment_failed",
        "data": {
            "object": {
                "object": "payment_intent",
                "id": "pi_1",
                "last_payment_error": {
                    "code": "card_declined",
                    "decline_code": "insufficient_funds",
                    "message": "Your card has insufficient funds.",
                },
            }
        },
    }
    event = parse_event_data(intent_failed)
    assert event.failure_code == "insufficient_funds"
    assert event.failure_message == "Your card has insufficient funds."
    payout_failed = {
        "id": "evt_2",
        "type": "payout.failed",
        "data": {"object": {"object": "payout", "id": "po_1", "failure_code": "account_closed"}},
    }
    assert parse_event_data(payout_failed).failure_code == "account_closed"
    succeeded = {"id": "evt_3", "type": "payout.paid", "data": {"object": {"object": "payout", "id": "po_1"}}}
    assert parse_event_data(succeeded).failure_code is None
