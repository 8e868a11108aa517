"""The fund manager's side: the review queue and decisions, with the four-eyes rule."""

from __future__ import annotations

import sqlalchemy.orm as so

from marketplace.domain_errors import N_, InvalidState, NotAllowed, ValidationFailed
from marketplace.models import Enterprise, LoanApplication, User
from marketplace.models.base import as_utc, utcnow
from marketplace.pagination import FIRST_PAGE, PageRequest, Pagination, paginate
from marketplace.rules.application_states import STATUSES, status_name
from marketplace.rules.catalogue import CATEGORIES
from marketplace.services.application_states import transition
from marketplace.services.applications import listed_applications, locked_application

DECISIONS = ("approve", "reject", "request_info")
TERM_RANGES = {"max_rate_bps": (1, 3600), "listing_days": (3, 30), "fund_share_bps": (0, 3000)}
MAX_NOTE = 2000
SORTS = {
    "oldest": LoanApplication.submitted_at.asc(),
    "newest": LoanApplication.submitted_at.desc(),
    "amount_desc": LoanApplication.amount_fen.desc(),
    "amount_asc": LoanApplication.amount_fen.asc(),
}
TERM_MESSAGES = {
    "max_rate_bps": N_("The maximum rate must be 1 to 3,600 basis points."),
    "listing_days": N_("The listing must stay open 3 to 30 days."),
    "fund_share_bps": N_("The fund share must be 0 to 3,000 basis points (0-30 %)."),
}


def fund_money_fen(amount_fen: int, fund_share_bps: int) -> int:
    """The fund's part of a loan in fen: amount x share (amounts are whole ¥1,000, so exact)."""
    return amount_fen * fund_share_bps // 10_000


def review_queue(session: so.Session, user: User, *, status: str | None = "in_review",
                 category: str | None = None, sort: str = "oldest",
                 page: PageRequest = FIRST_PAGE) -> Pagination:
    """One page of the applications for review, filtered and sorted, in a constant number of
    statements; drafts never submitted are private to the SME."""
    if user.role not in ("fund_manager", "regulator"):
        raise NotAllowed(N_("Only fund managers and regulators see the review queue."))
    problems = {}
    if status is not None and status not in STATUSES:
        problems["status"] = [N_("Unknown status.")]
    if category is not None and category not in CATEGORIES:
        problems["category"] = [N_("Unknown category.")]
    if sort not in SORTS:
        problems["sort"] = [N_("Unknown sort order.")]
    if problems:
        raise ValidationFailed(N_("The filter has errors; see the fields."), fields=problems)
    query = listed_applications()
    if user.role == "fund_manager":
        query = query.where(LoanApplication.submitted_at.is_not(None))
    if status:
        query = query.where(LoanApplication.status == status)
    if category:
        query = query.where(LoanApplication.category == category)
    return paginate(session, query.order_by(SORTS[sort], LoanApplication.id), page)


def _terms_problems(terms: dict) -> dict[str, list[str]]:
    problems = {}
    for name, (low, high) in TERM_RANGES.items():
        value = terms.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems[name] = [TERM_MESSAGES[name]]
    return problems


def decide(session: so.Session, user: User, application_id: int, *, decision: str,
           max_rate_bps: int | None = None, listing_days: int | None = None,
           fund_share_bps: int | None = None, note: str | None = None,
           four_eyes_threshold_fen: int) -> LoanApplication:
    """Approve (with terms), reject (reason) or ask for information; one audited transition."""
    if user.role != "fund_manager":
        raise NotAllowed(N_("Only fund managers decide on applications."))
    if decision not in DECISIONS:
        raise ValidationFailed(N_("The decision has errors; see the fields."),
                               fields={"decision": [N_("Choose approve, reject or request_info.")]})
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise ValidationFailed(N_("The decision has errors; see the fields."),
                               fields={"note": [N_("The note may have at most 2,000 characters.")]})
    application = locked_application(session, application_id)
    if application.submitted_at is None:
        raise NotAllowed(N_("You may not see this application."))
    terms = {"max_rate_bps": max_rate_bps, "listing_days": listing_days, "fund_share_bps": fund_share_bps}
    if decision == "approve":
        return _approve(session, user, application, terms, note, four_eyes_threshold_fen)
    if any(value is not None for value in terms.values()):
        message = N_("Rate, listing days and fund share are set only when approving.")
        raise ValidationFailed(message, fields={
            name: [message] for name, value in terms.items() if value is not None
        })
    if note is None:
        message = (N_("Give the reason for the rejection; the SME will see it.") if decision == "reject"
                   else N_("Say what information is needed; the SME will see it."))
        raise ValidationFailed(message, fields={"note": [message]})
    transition(session, application, user, decision, payload={"note": note})
    application.decision_note = note
    application.max_rate_bps = application.listing_days = application.fund_share_bps = None
    application.first_approver_id = None
    if decision == "reject":
        application.decided_at = utcnow()
    return application


def _approve(session, user, application, terms, note, threshold_fen) -> LoanApplication:
    if application.status == "awaiting_second_approval":
        # Four eyes: a different fund manager confirms the first approver's terms.
        if application.first_approver_id == user.id:
            # A replayed first approval lands here too: a state conflict, not a permission error.
            raise InvalidState(N_("You approved this application already; the second approval must "
                                  "come from a different fund manager."))
        agreed = {name: getattr(application, name) for name in TERM_RANGES}
        if any(value is not None and value != agreed[name] for name, value in terms.items()):
            message = N_("The second approval confirms the first approver's terms; reject or "
                         "request information to change them.")
            raise ValidationFailed(message, fields={
                name: [message] for name, value in terms.items()
                if value is not None and value != agreed[name]
            })
        transition(session, application, user, "approve_second", payload={**agreed, "note": note})
        application.second_approver_id = user.id
        application.decided_at = utcnow()
        return application
    if application.status != "in_review":
        raise InvalidState(N_("The application is %(status)s; that action is not possible now."),
                           status=status_name(application.status))
    problems = _terms_problems(terms)
    if problems:
        raise ValidationFailed(N_("The approval terms have errors; see the fields."), fields=problems)
    fund_fen = fund_money_fen(application.amount_fen, terms["fund_share_bps"])
    # Four-eyes rule (docs/applications.md): fund money at or above the threshold needs a second approver.
    second_needed = fund_fen >= threshold_fen
    event = "approve_first" if second_needed else "approve"
    transition(session, application, user, event,
               payload={**terms, "fund_money_fen": fund_fen, "note": note})
    for name, value in terms.items():
        setattr(application, name, value)
    application.first_approver_id = user.id
    application.decision_note = note
    if not second_needed:
        application.decided_at = utcnow()
    return application


def queue_age_days(application: LoanApplication) -> int | None:
    """Whole days since submission (the queue's 'age' column)."""
    if application.submitted_at is None:
        return None
    return (utcnow() - as_utc(application.submitted_at)).days


def enterprise_name(application: LoanApplication) -> str:
    """The enterprise's name as the queue shows it."""
    enterprise: Enterprise | None = application.enterprise
    return enterprise.name if enterprise else ""
