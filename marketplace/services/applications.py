"""Loan applications on the SME's side: drafts, the regulatory cap, submit, withdraw, reading."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import (
    N_,
    InvalidState,
    Message,
    NotAllowed,
    NotFound,
    ValidationFailed,
    refuse_unknown_fields,
)
from marketplace.models import ApplicationDocument, CreditAssessment, Enterprise, LoanApplication, User
from marketplace.models.base import utcnow
from marketplace.money import format_yuan, yuan_label
from marketplace.pagination import FIRST_PAGE, Page, PageRequest, paginate
from marketplace.rules.application_states import EDITABLE_STATUSES, OPEN_STATUSES
from marketplace.rules.catalogue import CATEGORIES, REPAYMENT_METHODS
from marketplace.rules.documents import ChecklistItem, checklist, listing, missing_items
from marketplace.rules.limits import (
    AMOUNT_STEP_FEN,
    ENTERPRISE_CAP_FEN,
    MAX_AMOUNT_FEN,
    MAX_PURPOSE_CHARS,
    MAX_TERM_MONTHS,
    MIN_AMOUNT_FEN,
    MIN_PURPOSE_CHARS,
    MIN_TERM_MONTHS,
)
from marketplace.services.application_states import transition
from marketplace.services.enterprises import enterprise_of, missing_for_submission

APPLICATION_FIELDS = ("amount_fen", "term_months", "repayment_method", "purpose", "category")


def application_problems(data: dict) -> dict[str, list[str]]:
    """Field name -> messages for every application rule that `data` breaks."""
    problems: dict[str, list[str]] = {}
    amount = data.get("amount_fen")
    if not isinstance(amount, int) or isinstance(amount, bool):
        problems["amount"] = [N_("This field is required.")]
    elif not MIN_AMOUNT_FEN <= amount <= MAX_AMOUNT_FEN or amount % AMOUNT_STEP_FEN:
        message = N_("The amount must be ¥%(min)s to ¥%(max)s in multiples of ¥%(step)s.")
        problems["amount"] = [
            Message(
                message,
                min=yuan_label(MIN_AMOUNT_FEN),
                max=yuan_label(MAX_AMOUNT_FEN),
                step=yuan_label(AMOUNT_STEP_FEN),
            )
        ]
    term = data.get("term_months")
    if not isinstance(term, int) or isinstance(term, bool) or not MIN_TERM_MONTHS <= term <= MAX_TERM_MONTHS:
        problems["term_months"] = [
            Message(
                N_("The term must be %(min)s to %(max)s months."), min=MIN_TERM_MONTHS, max=MAX_TERM_MONTHS
            )
        ]
    if data.get("repayment_method") not in REPAYMENT_METHODS:
        problems["repayment_method"] = [N_("Choose a repayment method.")]
    purpose = data.get("purpose")
    if not isinstance(purpose, str) or not MIN_PURPOSE_CHARS <= len(purpose.strip()) <= MAX_PURPOSE_CHARS:
        problems["purpose"] = [
            Message(
                N_("Describe the purpose in %(min)s to %(max)s characters."),
                min=MIN_PURPOSE_CHARS,
                max=f"{MAX_PURPOSE_CHARS:,}",
            )
        ]
    if data.get("category") not in CATEGORIES:
        problems["category"] = [N_("Choose government, livelihood, industry or none.")]
    return problems


def _clean(data: dict) -> dict:
    refuse_unknown_fields(data, APPLICATION_FIELDS)
    problems = application_problems(data)
    if problems:
        raise ValidationFailed(N_("The application has errors; see the fields."), fields=problems)
    return {**data, "purpose": data["purpose"].strip()}


def outstanding_principal(session: so.Session, enterprise: Enterprise | None) -> int:
    """Principal (fen) the enterprise still owes on loans of this platform.

    No loans exist yet: the loans feature extends this function to sum outstanding principal.
    """
    return 0


def open_applications_total(session: so.Session, applicant_id: int, *, exclude_id: int | None = None) -> int:
    """Sum (fen) of the applicant's applications that may still become loans (OPEN_STATUSES)."""
    query = sa.select(sa.func.coalesce(sa.func.sum(LoanApplication.amount_fen), 0)).where(
        LoanApplication.applicant_id == applicant_id, LoanApplication.status.in_(OPEN_STATUSES)
    )
    if exclude_id is not None:
        query = query.where(LoanApplication.id != exclude_id)
    return int(session.scalar(query))


def check_cap(session: so.Session, user: User, amount_fen: int, *, exclude_id: int | None = None) -> None:
    """Refuse a request that would take the enterprise over the per-enterprise cap (art. 17)."""
    # Lock the applicant's row so that two concurrent submissions cannot both pass the check.
    session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())
    outstanding = outstanding_principal(session, enterprise_of(session, user))
    pending = open_applications_total(session, user.id, exclude_id=exclude_id)
    total = outstanding + pending + amount_fen
    if total > ENTERPRISE_CAP_FEN:
        raise ValidationFailed(
            N_(
                "An enterprise may owe at most ¥%(cap)s on this platform: outstanding principal "
                "¥%(outstanding)s + open applications ¥%(pending)s + this request ¥%(amount)s "
                "= ¥%(total)s."
            ),
            fields={"amount": [N_("This amount would exceed the ¥1,000,000 per-enterprise limit.")]},
            cap=format_yuan(ENTERPRISE_CAP_FEN),
            outstanding=format_yuan(outstanding),
            pending=format_yuan(pending),
            amount=format_yuan(amount_fen),
            total=format_yuan(total),
        )


def locked_application(session: so.Session, application_id: int) -> LoanApplication:
    """The application, row-locked until the transaction ends (NotFound if there is none)."""
    application = session.scalar(
        sa.select(LoanApplication).where(LoanApplication.id == application_id).with_for_update()
    )
    if application is None:
        raise NotFound(N_("No such application."))
    return application


def own_application(session: so.Session, user: User, application_id: int) -> LoanApplication:
    """The SME's own application, locked for a change (404 unknown, 403 someone else's)."""
    application = locked_application(session, application_id)
    if user.role != "sme" or application.applicant_id != user.id:
        raise NotAllowed(N_("This application is not yours."))
    return application


def readable_application(session: so.Session, user: User, application_id: int) -> LoanApplication:
    """An application `user` may read: the owner's; submitted ones for fund managers; all for regulators."""
    application = session.get(LoanApplication, application_id)
    if application is None:
        raise NotFound(N_("No such application."))
    if user.role == "sme" and application.applicant_id == user.id:
        return application
    if user.role == "regulator" or (user.role == "fund_manager" and application.submitted_at is not None):
        return application
    raise NotAllowed(N_("You may not see this application."))


def listed_applications() -> sa.Select:
    """Applications with what every list of them shows (enterprise, assessments, documents), loaded
    with the page in one statement each rather than one per row."""
    return sa.select(LoanApplication).options(
        so.joinedload(LoanApplication.enterprise),
        # A list shows an assessment's grade and reasons, never the stored model inputs.
        so.selectinload(LoanApplication.assessments)
        .defer(CreditAssessment.features, raiseload=True)
        .defer(CreditAssessment.statement_years, raiseload=True),
        so.selectinload(LoanApplication.documents),
    )


def applications_of(session: so.Session, user: User, page: PageRequest = FIRST_PAGE) -> Page:
    """One page of the SME's own applications, newest first."""
    query = listed_applications().where(LoanApplication.applicant_id == user.id)
    return paginate(session, query.order_by(LoanApplication.id.desc()), page)


def create_application(session: so.Session, user: User, data: dict) -> LoanApplication:
    """A new draft application (the cap is checked now and again on submit)."""
    if user.role != "sme":
        raise NotAllowed(N_("Only SME accounts apply for loans."))
    data = _clean(data)
    check_cap(session, user, data["amount_fen"])
    application = LoanApplication(applicant_id=user.id, status="draft", **data)
    session.add(application)
    session.flush()
    transition(session, application, user, "create", payload=_terms(application))
    return application


def update_application(session: so.Session, user: User, application_id: int, data: dict) -> LoanApplication:
    """Change a draft; editing after an information request moves it back to draft."""
    application = own_application(session, user, application_id)
    if application.status not in EDITABLE_STATUSES:
        raise InvalidState(N_("Only a draft or an application awaiting information can be edited."))
    data = _clean(data)
    check_cap(session, user, data["amount_fen"], exclude_id=application.id)
    for name, value in data.items():
        setattr(application, name, value)
    session.flush()
    if application.status == "info_requested":
        transition(session, application, user, "edit", payload=_terms(application))
    else:
        transition(session, application, user, "update", payload=_terms(application))
    return application


class SubmissionIncomplete(ValidationFailed):
    """What the SME must still provide before submitting: profile steps and required documents.

    `fields["application"]` holds the steps (messages), `fields["documents"]` the codes of the
    missing checklist items; the message names both in the reader's language.
    """

    def __init__(self, steps: list[str], documents: list[ChecklistItem]):
        self.steps, self.documents = list(steps), list(documents)
        fields = {"application": self.steps} if self.steps else {}
        if self.documents:
            fields["documents"] = [item.code for item in self.documents]
        super().__init__(N_("Before submitting: %(missing)s"), fields=fields, missing=" ".join(self.parts()))

    def parts(self, translate=lambda text: text) -> list[str]:
        """One sentence per missing step, and one naming the missing documents."""
        parts = [translate(step) for step in self.steps]
        if self.documents:
            names = listing((translate(item.name) for item in self.documents), translate)
            parts.append(translate(N_("Upload the required documents (%(names)s).")) % {"names": names})
        return parts

    def render(self, translate=lambda text: text) -> tuple[str, dict[str, list[str]]]:
        """The message in the reader's language; the document codes stay codes."""
        message = translate(self.message) % {"missing": " ".join(self.parts(translate))}
        fields = {"application": [translate(step) for step in self.steps]} if self.steps else {}
        if self.documents:
            fields["documents"] = [item.code for item in self.documents]
        return message, fields


def checklist_of(session: so.Session, application: LoanApplication, required) -> list[ChecklistItem]:
    """The application's document checklist (`required`: the codes that must be satisfied), in one
    query of its documents."""
    documents = session.scalars(
        sa.select(ApplicationDocument)
        .where(ApplicationDocument.application_id == application.id)
        .order_by(ApplicationDocument.id)
    )
    return checklist(required, documents)


def application_checklist(
    session: so.Session, user: User, application_id: int, required
) -> list[ChecklistItem]:
    """The checklist of an application `user` may read (as readable_application decides)."""
    return checklist_of(session, readable_application(session, user, application_id), required)


def submit_application(
    session: so.Session, user: User, application_id: int, *, assess, required_documents
) -> LoanApplication:
    """draft/info_requested -> submitted -> in_review in one transaction, scored on the way.

    `assess(session, application)` stores and returns the credit assessment
    (marketplace.services.assessments.assess_application bound to the active model);
    `required_documents` are the checklist codes that must each have a document (configuration
    DOCUMENT_CHECKLIST_REQUIRED). A missing profile step or document refuses the submission.
    """
    application = own_application(session, user, application_id)
    if application.status not in EDITABLE_STATUSES:
        raise InvalidState(N_("This application has already been submitted."))
    enterprise = enterprise_of(session, user)
    missing = missing_for_submission(enterprise)
    missing_documents = missing_items(checklist_of(session, application, required_documents))
    if missing or missing_documents:
        raise SubmissionIncomplete(missing, missing_documents)
    check_cap(session, user, application.amount_fen, exclude_id=application.id)
    application.enterprise_id = enterprise.id
    application.submitted_at = utcnow()
    application.max_rate_bps = application.listing_days = application.fund_share_bps = None
    application.first_approver_id = application.second_approver_id = None
    transition(session, application, user, "submit", payload=_terms(application))
    assessment = assess(session, application)
    transition(
        session,
        application,
        None,
        "start_review",
        payload={
            "assessment_id": assessment.id,
            "model_version": assessment.model_version,
            "grade": assessment.grade,
            "score": assessment.score,
            "pd": str(assessment.pd),
        },
    )
    return application


def withdraw_application(session: so.Session, user: User, application_id: int) -> LoanApplication:
    """The SME withdraws its application before a final decision."""
    application = own_application(session, user, application_id)
    transition(session, application, user, "withdraw")
    return application


def _terms(application: LoanApplication) -> dict:
    return {
        "amount": format_yuan(application.amount_fen),
        "term_months": application.term_months,
        "repayment_method": application.repayment_method,
        "category": application.category,
    }
