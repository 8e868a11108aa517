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
STATUS_LABELS = {
    "created": _l("Submitted"),
    "processing": _l("Processing"),
    "succeeded": _l("Succeeded"),
    "failed": _l("Failed"),
    "canceled": _l("Canceled"),
}
