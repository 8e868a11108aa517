"""Why a payment failed, for people: the provider's stable code → one translatable sentence.

A payment stores the provider's code (`payments.failure_message`, and the note of the history
entry that failed it), never the provider's English words: pages, flashes and the API show the
sentence this table gives for the code, translated where shown; the provider's own message goes
to the audit event only. Codes are Stripe's (a card's `decline_code`, an error's `code`, a
payout's `failure_code`, https://docs.stripe.com/declines/codes and /api/payouts/failures),
the sandbox's simulated failures, and the platform's own. A code not in the table is shown as
"the payment provider refused the payment (code …)", so support can still look it up.
"""

from __future__ import annotations

import re

from marketplace.domain_errors import N_, Label, Message

_DECLINED = N_("Your card was declined.")
_WRONG_ACCOUNT = N_("The bank account details are not correct.")
_BANK_REFUSED = N_("The bank refused the transfer.")
_TRY_LATER = N_("Your bank could not be reached; please try again later.")

# The platform's own codes.
PAYMENT_INTERRUPTED = "payment_interrupted"  # stopped by `flask payments sync` after a crash
PROVIDER_REJECTED = "provider_rejected"  # the provider refused our request itself (not the card)
PROVIDER_FAILURE = "provider_failure"  # the provider reported a failure without any code
# The sandbox's simulated failures (docs/payments.md, "Simulating failures in the sandbox").
SANDBOX_DECLINED = "sandbox_card_declined"
SANDBOX_ACCOUNT_CLOSED = "sandbox_account_closed"

FAILURE_MESSAGES: dict[str, str] = {
    # Cards (deposits). Stripe asks not to tell a payer that a card was reported lost, stolen
    # or fraudulent, so those read as a plain decline.
    "card_declined": _DECLINED,
    "generic_decline": _DECLINED,
    "do_not_honor": _DECLINED,
    "fraudulent": _DECLINED,
    "lost_card": _DECLINED,
    "stolen_card": _DECLINED,
    "pickup_card": _DECLINED,
    "restricted_card": _DECLINED,
    "security_violation": _DECLINED,
    "merchant_blacklist": _DECLINED,
    "transaction_not_allowed": _DECLINED,
    "not_permitted": _DECLINED,
    "no_action_taken": _DECLINED,
    "revocation_of_authorization": _DECLINED,
    "stop_payment_order": _DECLINED,
    "call_issuer": N_("Your card was declined; please call your bank."),
    "insufficient_funds": N_("The payment was refused because of insufficient funds."),
    "expired_card": N_("Your card has expired."),
    "incorrect_cvc": N_("Your card's security code is not correct."),
    "invalid_cvc": N_("Your card's security code is not correct."),
    "incorrect_number": N_("Your card number is not correct."),
    "invalid_number": N_("Your card number is not correct."),
    "invalid_expiry_month": N_("Your card's expiry date is not correct."),
    "invalid_expiry_year": N_("Your card's expiry date is not correct."),
    "processing_error": N_("An error occurred while your card was processed; please try again."),
    "card_velocity_exceeded": N_("Your card has reached its limit; use another card or call your bank."),
    "withdrawal_count_limit_exceeded": N_(
        "Your card has reached its limit; use another card or call your bank."
    ),
    "card_not_supported": N_("Your card does not support this kind of payment."),
    "currency_not_supported": N_("Your card does not support payments in yuan."),
    "authentication_required": N_("Your bank asked for this payment to be confirmed, and it was not."),
    "payment_intent_authentication_failure": N_(
        "Your bank asked for this payment to be confirmed, and it was not."
    ),
    "try_again_later": _TRY_LATER,
    "issuer_not_available": _TRY_LATER,
    "reenter_transaction": _TRY_LATER,
    # Payouts (withdrawals): the money has come back to the wallet in each case.
    "account_closed": N_("The bank account has been closed."),
    "account_frozen": N_("The bank account is frozen."),
    "bank_account_restricted": N_("The bank account does not accept this kind of transfer."),
    "bank_ownership_changed": _WRONG_ACCOUNT,
    "no_account": _WRONG_ACCOUNT,
    "invalid_account_number": _WRONG_ACCOUNT,
    "incorrect_account_holder_name": _WRONG_ACCOUNT,
    "incorrect_account_holder_address": _WRONG_ACCOUNT,
    "incorrect_account_holder_tax_id": _WRONG_ACCOUNT,
    "invalid_currency": N_("The bank account does not accept yuan."),
    "could_not_process": _BANK_REFUSED,
    "declined": _BANK_REFUSED,
    "debit_not_authorized": _BANK_REFUSED,
    # The sandbox.
    SANDBOX_DECLINED: N_("Your card was declined (sandbox)."),
    SANDBOX_ACCOUNT_CLOSED: N_("The bank account was closed (sandbox)."),
    # The platform.
    PAYMENT_INTERRUPTED: N_(
        "The payment was interrupted before the payment provider answered, so it was stopped; "
        "nothing was charged."
    ),
    PROVIDER_REJECTED: N_("The payment provider refused the request; nothing was charged."),
    PROVIDER_FAILURE: N_("The payment provider refused the payment."),
}
UNKNOWN_CODE = N_("The payment provider refused the payment (code %(code)s).")
DECLINED = N_("The payment was declined: %(reason)s")

# Notes of history entries that changed nothing (shown on the admin's payment history).
LATE_EVENT = "late_event"
EVENT_MISMATCH = "event_mismatch"
NOTE_MESSAGES: dict[str, str] = {
    LATE_EVENT: N_("Ignored: the payment had already got further."),
    EVENT_MISMATCH: N_("Rejected: the event does not match the payment."),
}
# What rows stored before codes existed say, mapped to today's codes.
_LEGACY_TEXT: dict[str, str] = {}
for _code, _message in FAILURE_MESSAGES.items():  # the sandbox's and our sentences, stored as text
    _LEGACY_TEXT.setdefault(_message, _code)
_LEGACY_NOTES = (
    ("ignored: payment already ", LATE_EVENT),
    ("rejected: the event does not match", EVENT_MISMATCH),
)
_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")


def normalise_code(raw: object) -> str | None:
    """A provider's code as we store it (lower case, letters, digits and _), or None if unusable."""
    if not isinstance(raw, str):
        return None
    code = raw.strip().lower()
    return code if _CODE.fullmatch(code) else None


def failure_code(*candidates: object, described: bool = False) -> str | None:
    """The code to store for a failure: the first candidate the table knows, else the first usable one.

    Pass the most specific first (a card's `decline_code` before the error's `code`).
    `described`: the provider gave a message but maybe no code; the failure is then still recorded.
    """
    codes = [code for code in map(normalise_code, candidates) if code]
    known = next((code for code in codes if code in FAILURE_MESSAGES), None)
    return known or (codes[0] if codes else (PROVIDER_FAILURE if described else None))


def decline(code: str) -> tuple[str, dict[str, object]]:
    """(message, parameters) of the error a payer sees when the provider declines at once."""
    if code in FAILURE_MESSAGES:
        return DECLINED, {"reason": Label(FAILURE_MESSAGES[code])}
    return UNKNOWN_CODE, {"code": code}


def stored_code(stored: str | None) -> str | None:
    """The code a stored failure or note holds (rows from before codes: the code of their text)."""
    if not stored:
        return None
    if _CODE.fullmatch(stored):
        return stored
    for prefix, code in _LEGACY_NOTES:
        if stored.startswith(prefix):
            return code
    return _LEGACY_TEXT.get(stored)


def describe(stored: str | None) -> str | Message | None:
    """The sentence for a stored failure code or history note: a message id to translate, or a
    Message with the unknown code as its parameter. A provider's free text (rows stored before
    codes) is never shown: it reads as a refusal without a code."""
    if not stored:
        return None
    code = stored_code(stored)
    if code is None:
        return FAILURE_MESSAGES[PROVIDER_FAILURE]
    if code in FAILURE_MESSAGES:
        return FAILURE_MESSAGES[code]
    if code in NOTE_MESSAGES:
        return NOTE_MESSAGES[code]
    return Message(UNKNOWN_CODE, code=code)
