"""The fund manager's side: the review queue and decisions, with the four-eyes rule.

The final approval (a single one under the four-eyes threshold, or the second one) opens the
listing and commits the fund's share in the decision's transaction; a first approval of a
four-eyes case only checks that the fund could take the share, so a share it cannot take is
refused at once and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import N_, InvalidState, Message, NotAllowed, ValidationFailed
from marketplace.models import CreditAssessment, Enterprise, LoanApplication, User
from marketplace.models.base import as_utc, utcnow
from marketplace.pagination import FIRST_PAGE, Page, PageRequest, paginate, paginate_rows
from marketplace.rules import limits
from marketplace.rules.accounts import APPLICATION_READERS
from marketplace.rules.application_states import STATUSES, status_name
from marketplace.rules.catalogue import CATEGORIES
from marketplace.rules.fund_policy import fund_money_fen
from marketplace.services import listings
from marketplace.services.application_states import transition
from marketplace.services.applications import listed_applications, locked_application

DECISIONS = ("approve", "reject", "request_info")
TERM_RANGES = {
    "max_rate_bps": (limits.MIN_RATE_BPS, limits.MAX_RATE_BPS),
    "listing_days": (limits.MIN_LISTING_DAYS, limits.MAX_LISTING_DAYS),
    "fund_share_bps": (limits.MIN_FUND_SHARE_BPS, limits.MAX_FUND_SHARE_BPS),
}
SORTS = {
    "oldest": LoanApplication.submitted_at.asc(),
    "newest": LoanApplication.submitted_at.desc(),
    "amount_desc": LoanApplication.amount_fen.desc(),
    "amount_asc": LoanApplication.amount_fen.asc(),
}
TERM_MESSAGES = {
    "max_rate_bps": Message(
        N_("The maximum rate must be %(min)s to %(max)s basis points."),
        min=limits.MIN_RATE_BPS,
        max=f"{limits.MAX_RATE_BPS:,}",
    ),
    "listing_days": Message(
        N_("The listing must stay open %(min)s to %(max)s days."),
        min=limits.MIN_LISTING_DAYS,
        max=limits.MAX_LISTING_DAYS,
    ),
    "fund_share_bps": Message(
        N_("The fund share must be %(min)s to %(max)s basis points (%(percent)s)."),
        min=limits.MIN_FUND_SHARE_BPS,
        max=f"{limits.MAX_FUND_SHARE_BPS:,}",
        percent=f"0-{limits.MAX_FUND_SHARE_BPS // 100} %",
    ),
}


def review_queue(
    session: so.Session,
    user: User,
    *,
    status: str | None = "in_review",
    category: str | None = None,
    sort: str = "oldest",
    page: PageRequest = FIRST_PAGE,
) -> Page:
    """One page of the applications for review, filtered and sorted, in a constant number of
    statements; drafts never submitted are private to the SME."""
    conditions, order = _queue_filter(user, status=status, category=category, sort=sort)
    return paginate(session, listed_applications().where(*conditions).order_by(*order), page)


@dataclass(frozen=True)
class QueueRow:
    """What one line of the review queue page shows."""

    id: int
    enterprise_name: str | None
    amount_fen: int
    term_months: int
    category: str
    status: str
    grade: str | None
    submitted_at: datetime | None

    @property
    def age_days(self) -> int | None:
        """Whole days since submission (the queue's 'age' column)."""
        return None if self.submitted_at is None else (utcnow() - as_utc(self.submitted_at)).days


def review_queue_rows(
    session: so.Session,
    user: User,
    *,
    status: str | None = "in_review",
    category: str | None = None,
    sort: str = "oldest",
    page: PageRequest = FIRST_PAGE,
) -> Page:
    """The review queue as the page shows it: `review_queue`'s filters and order, one page of
    `QueueRow`s read in two statements (rows and count) without loading the entities."""
    conditions, order = _queue_filter(user, status=status, category=category, sort=sort)
    latest_grade = (
        sa.select(CreditAssessment.grade)
        .where(CreditAssessment.application_id == LoanApplication.id)
        .order_by(CreditAssessment.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        sa.select(
            LoanApplication.id,
            Enterprise.name,
            LoanApplication.amount_fen,
            LoanApplication.term_months,
            LoanApplication.category,
            LoanApplication.status,
            latest_grade,
            LoanApplication.submitted_at,
        )
        .outerjoin(Enterprise, LoanApplication.enterprise_id == Enterprise.id)
        .where(*conditions)
        .order_by(*order)
    )
    return paginate_rows(session, query, page, lambda row: QueueRow(*row))


def second_approvals_waiting(session: so.Session, user: User) -> int:
    """How many approvals wait for a second fund manager that `user` may give (not their own)."""
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(LoanApplication)
        .where(
            LoanApplication.status == "awaiting_second_approval",
            LoanApplication.first_approver_id != user.id,
        )
    )


def _queue_filter(
    user: User, *, status: str | None, category: str | None, sort: str
) -> tuple[list[sa.ColumnElement], tuple]:
    """The queue's WHERE conditions and ORDER BY for `user`, or ValidationFailed on bad filters."""
    if user.role not in APPLICATION_READERS:
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
    conditions = []
    if user.role == "fund_manager":
        conditions.append(LoanApplication.submitted_at.is_not(None))
    if status:
        conditions.append(LoanApplication.status == status)
    if category:
        conditions.append(LoanApplication.category == category)
    return conditions, (SORTS[sort], LoanApplication.id)


def _terms_problems(terms: dict) -> dict[str, list[str]]:
    problems = {}
    for name, (low, high) in TERM_RANGES.items():
        value = terms.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems[name] = [TERM_MESSAGES[name]]
    return problems


def decide(
    session: so.Session,
    user: User,
    application_id: int,
    *,
    decision: str,
    max_rate_bps: int | None = None,
    listing_days: int | None = None,
    fund_share_bps: int | None = None,
    note: str | None = None,
    four_eyes_threshold_fen: int,
) -> LoanApplication:
    """Approve (with terms), reject (reason) or ask for information; one audited transition."""
    if user.role != "fund_manager":
        raise NotAllowed(N_("Only fund managers decide on applications."))
    if decision not in DECISIONS:
        raise ValidationFailed(
            N_("The decision has errors; see the fields."),
            fields={"decision": [N_("Choose approve, reject or request_info.")]},
        )
    note = (note or "").strip() or None
    if note is not None and len(note) > limits.MAX_DECISION_NOTE_CHARS:
        message = Message(
            N_("The note may have at most %(max)s characters."), max=f"{limits.MAX_DECISION_NOTE_CHARS:,}"
        )
        raise ValidationFailed(N_("The decision has errors; see the fields."), fields={"note": [message]})
    application = locked_application(session, application_id)
    if application.submitted_at is None:
        raise NotAllowed(N_("You may not see this application."))
    terms = {"max_rate_bps": max_rate_bps, "listing_days": listing_days, "fund_share_bps": fund_share_bps}
    if decision == "approve":
        return _approve(session, user, application, terms, note, four_eyes_threshold_fen)
    if any(value is not None for value in terms.values()):
        message = N_("Rate, listing days and fund share are set only when approving.")
        raise ValidationFailed(
            message, fields={name: [message] for name, value in terms.items() if value is not None}
        )
    if note is None:
        message = (
            N_("Give the reason for the rejection; the SME will see it.")
            if decision == "reject"
            else N_("Say what information is needed; the SME will see it.")
        )
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
            raise InvalidState(
                N_(
                    "You approved this application already; the second approval must "
                    "come from a different fund manager."
                )
            )
        agreed = {name: getattr(application, name) for name in TERM_RANGES}
        if any(value is not None and value != agreed[name] for name, value in terms.items()):
            message = N_(
                "The second approval confirms the first approver's terms; reject or "
                "request information to change them."
            )
            raise ValidationFailed(
                message,
                fields={
                    name: [message]
                    for name, value in terms.items()
                    if value is not None and value != agreed[name]
                },
            )
        transition(session, application, user, "approve_second", payload={**agreed, "note": note})
        application.second_approver_id = user.id
        application.decided_at = utcnow()
        listings.open_listing(session, user, application, now=application.decided_at)
        return application
    if application.status != "in_review":
        raise InvalidState(
            N_("The application is %(status)s; that action is not possible now."),
            status=status_name(application.status),
        )
    problems = _terms_problems(terms)
    if problems:
        raise ValidationFailed(N_("The approval terms have errors; see the fields."), fields=problems)
    fund_fen = fund_money_fen(application.amount_fen, terms["fund_share_bps"])
    # Four-eyes rule (docs/applications.md): fund money at or above the threshold needs a second approver.
    second_needed = fund_fen >= threshold_fen
    # Before anything is written: a share the fund's policy or money does not allow is refused now
    # (the final approval checks again, under the pool's lock, when it commits the money).
    listings.check_fund_share(session, application, terms["fund_share_bps"])
    event = "approve_first" if second_needed else "approve"
    transition(session, application, user, event, payload={**terms, "fund_money_fen": fund_fen, "note": note})
    for name, value in terms.items():
        setattr(application, name, value)
    application.first_approver_id = user.id
    application.decision_note = note
    if not second_needed:
        application.decided_at = utcnow()
        listings.open_listing(session, user, application, now=application.decided_at)
    return application
