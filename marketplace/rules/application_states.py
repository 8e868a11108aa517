"""The loan application's state machine: which event moves which state where.

draft --submit--> submitted --start_review--> in_review
in_review --approve--> approved | awaiting_second_approval (four eyes)
in_review | awaiting_second_approval --reject--> rejected
in_review | awaiting_second_approval --request_info--> info_requested
awaiting_second_approval --second_approve--> approved
info_requested --edit--> draft;  info_requested --submit--> submitted
draft | submitted | in_review | info_requested | awaiting_second_approval --withdraw--> withdrawn
"""

from __future__ import annotations

from marketplace.domain_errors import N_, Label

STATUSES = (
    "draft",
    "submitted",
    "in_review",
    "info_requested",
    "awaiting_second_approval",
    "approved",
    "rejected",
    "withdrawn",
)
# Counted against the per-enterprise cap: everything after submission that may still become a loan.
OPEN_STATUSES = ("submitted", "in_review", "info_requested", "awaiting_second_approval", "approved")
EDITABLE_STATUSES = ("draft", "info_requested")
STATUS_NAMES = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "in_review": N_("In review"),
    "info_requested": N_("Information requested"),
    "awaiting_second_approval": N_("Awaiting second approval"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "withdrawn": N_("Withdrawn"),
}


EVENT_NAMES = {
    "create": N_("Created"),
    "update": N_("Draft changed"),
    "submit": N_("Submitted"),
    "start_review": N_("Entered review"),
    "approve": N_("Approved"),
    "approve_first": N_("First approval (second fund manager needed)"),
    "approve_second": N_("Second approval"),
    "reject": N_("Rejected"),
    "request_info": N_("Information requested"),
    "edit": N_("Edited after information request"),
    "withdraw": N_("Withdrawn"),
    "document_added": N_("Document added"),
    "document_removed": N_("Document removed"),
}


def status_name(status: str) -> Label:
    """The status as a translatable name for error messages."""
    return Label(STATUS_NAMES[status])


FINAL_STATUSES = ("approved", "rejected", "withdrawn")

TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "submit"): "submitted",
    ("info_requested", "submit"): "submitted",
    ("submitted", "start_review"): "in_review",
    ("in_review", "approve"): "approved",
    ("in_review", "approve_first"): "awaiting_second_approval",
    ("awaiting_second_approval", "approve_second"): "approved",
    ("in_review", "reject"): "rejected",
    ("awaiting_second_approval", "reject"): "rejected",
    ("in_review", "request_info"): "info_requested",
    ("awaiting_second_approval", "request_info"): "info_requested",
    ("info_requested", "edit"): "draft",
    ("draft", "withdraw"): "withdrawn",
    ("submitted", "withdraw"): "withdrawn",
    ("in_review", "withdraw"): "withdrawn",
    ("info_requested", "withdraw"): "withdrawn",
    ("awaiting_second_approval", "withdraw"): "withdrawn",
}
EVENTS = tuple(sorted({event for _, event in TRANSITIONS}))


def next_status(status: str, event: str) -> str | None:
    """The state `event` leads to from `status`, or None when the transition is not allowed."""
    return TRANSITIONS.get((status, event))


def allowed_events(status: str) -> frozenset[str]:
    """The events the state machine allows from `status` (pages show only these actions)."""
    return _ALLOWED.get(status, frozenset())


def is_editable(status: str) -> bool:
    """True while the SME may change the application and its documents."""
    return status in EDITABLE_STATUSES


_ALLOWED = {
    status: frozenset(event for (source, event) in TRANSITIONS if source == status) for status in STATUSES
}
