"""How payment statuses and ledger transaction kinds are named on the pages."""

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "deposit": _l("Deposit"),
    "withdrawal": _l("Withdrawal"),
    "withdrawal_returned": _l("Withdrawal returned"),
    "payout_settled": _l("Withdrawal paid out"),
    "payout_returned": _l("Withdrawal returned by the bank"),
    "hold": _l("Funds held"),
    "release": _l("Funds released"),
    "capture": _l("Held funds transferred"),
    "transfer": _l("Transfer"),
}
# Who moved a payment's status (its history's `source`); provider events are "event <id>".
SOURCE_LABELS = {
    "request": _l("Request"),
    "provider response": _l("Provider's answer"),
    "provider sync": _l("Provider status check"),
    "provider refused": _l("Refused by the provider"),
    "stuck payment recovery": _l("Recovery after an interruption"),
    "event": _l("Provider notification"),
}


def source_label(source: str) -> str:
    """A payment history entry's source for people ("Provider notification evt_123")."""
    kind, _, reference = source.partition(" ") if source.startswith("event ") else (source, "", "")
    label = SOURCE_LABELS.get(kind)
    return source if label is None else f"{label} {reference}".strip()


STATUS_LABELS = {
    "created": _l("Submitted"),
    "processing": _l("Processing"),
    "succeeded": _l("Succeeded"),
    "failed": _l("Failed"),
    "canceled": _l("Canceled"),
}
