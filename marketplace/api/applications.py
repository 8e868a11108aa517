"""Loan applications: the SME's drafts, submit, withdraw and documents; reading for reviewers."""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint

from marketplace.api.application_schemas import (
    ApplicationDetailSchema,
    ApplicationInSchema,
    ApplicationSchema,
    ChecklistSchema,
    DecisionInSchema,
    DecisionSchema,
    DocumentSchema,
)
from marketplace.api.pagination import PageQuerySchema, page_body, page_schema, requested_page
from marketplace.api.security import api_user, guard_api_blueprint
from marketplace.api.transactions import in_unit_of_work
from marketplace.application_pages import document_response, required_documents, upload_folder
from marketplace.credit import application_assessor
from marketplace.domain_errors import N_, NotAllowed, ValidationFailed
from marketplace.extensions import db
from marketplace.rules.accounts import APPLICATION_READERS
from marketplace.services import applications, documents, listings, reviews, unit_of_work
from marketplace.services.application_states import history

URL_PREFIX = "/applications"
blp = Blueprint("api_applications", __name__, description="Loan applications")
guard_api_blueprint(blp, "sme", *APPLICATION_READERS)


class _Detail:
    """The application plus its history, for ApplicationDetailSchema."""

    def __init__(self, application, entries: list[dict]):
        self._application = application
        self.history = entries

    def __getattr__(self, name):
        return getattr(self._application, name)


def detail(application) -> _Detail:
    """The application as GET /applications/{id} shows it: with documents and history."""
    return _Detail(application, history(db.session, application))


def _sme_only() -> None:
    if api_user().role != "sme":
        raise NotAllowed(N_("Only SME accounts apply for loans."))


@blp.get("")
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, page_schema(ApplicationSchema))
def list_own(query):
    """Your applications, newest first, a page at a time (fund managers and regulators use
    /review/applications)."""
    _sme_only()
    return page_body(applications.applications_of(db.session, api_user(), requested_page(query)))


@blp.post("")
@blp.arguments(ApplicationInSchema)
@blp.response(201, ApplicationSchema)
@in_unit_of_work
def create(data):
    """Create a draft application (checked against the ¥1,000,000 per-enterprise cap)."""
    application = applications.create_application(db.session, api_user(), data)
    return application


@blp.get("/<int:application_id>")
@blp.response(200, ApplicationDetailSchema)
def get(application_id: int):
    """One application with its assessment, documents and history."""
    return detail(applications.readable_application(db.session, api_user(), application_id))


@blp.put("/<int:application_id>")
@blp.arguments(ApplicationInSchema)
@blp.response(200, ApplicationSchema)
@in_unit_of_work
def update(data, application_id: int):
    """Change a draft (or answer an information request: the application goes back to draft)."""
    application = applications.update_application(db.session, api_user(), application_id, data)
    return application


@blp.post("/<int:application_id>/submit")
@blp.response(200, ApplicationDetailSchema)
@in_unit_of_work
def submit(application_id: int):
    """Submit for review: scored (when the model is available) and put in the review queue."""
    application = applications.submit_application(
        db.session,
        api_user(),
        application_id,
        assess=application_assessor(),
        required_documents=required_documents(),
    )
    return detail(application)


@blp.get("/<int:application_id>/checklist")
@blp.response(200, ChecklistSchema)
def checklist(application_id: int):
    """The document checklist: each item, whether it is required before submission, and whether a
    document of its kind was uploaded (names in your language)."""
    items = applications.application_checklist(db.session, api_user(), application_id, required_documents())
    return {"items": items}


@blp.post("/<int:application_id>/withdraw")
@blp.response(200, ApplicationSchema)
@in_unit_of_work
def withdraw(application_id: int):
    """Withdraw your application before a final decision."""
    application = applications.withdraw_application(db.session, api_user(), application_id)
    return application


@blp.post("/<int:application_id>/decision")
@blp.arguments(DecisionInSchema)
@blp.response(200, DecisionSchema)
@in_unit_of_work
def decision(data, application_id: int):
    """Approve (max rate, listing days, fund share), reject (reason) or request information."""
    application = reviews.decide(
        db.session,
        api_user(),
        application_id,
        four_eyes_threshold_fen=current_app.config["FOUR_EYES_THRESHOLD_FEN"],
        **data,
    )
    # The final approval opened the application's listing in the same transaction.
    listing = listings.listing_for_application(db.session, application.id)
    return {**DecisionSchema().dump(application), **({"listing_id": listing.id} if listing else {})}


@blp.post("/<int:application_id>/documents")
@blp.response(201, DocumentSchema)
def upload_document(application_id: int):
    """Upload a PDF, JPEG or PNG (multipart field `file`, at most 10 MB, 20 per application) and,
    optionally, its `kind`: the checklist code it satisfies (GET .../checklist), or "other" (the
    default), which satisfies nothing."""
    unexpected = (set(request.files) | set(request.form)) - {"file", "kind"}
    if unexpected or len(request.files.getlist("file")) != 1 or "file" in request.form:
        message = N_("Send one multipart file field named 'file' and, optionally, a text field 'kind'.")
        raise ValidationFailed(message, fields={"file": [message]})
    if "kind" in request.files or len(request.form.getlist("kind")) > 1:
        message = N_("Send the kind once, as a text field holding a checklist code.")
        raise ValidationFailed(message, fields={"kind": [message]})
    upload = request.files["file"]
    data = upload.stream.read(documents.MAX_BYTES + 1)
    return unit_of_work.run(
        db.session,
        lambda: documents.add_document(
            db.session,
            api_user(),
            application_id,
            filename=upload.filename,
            data=data,
            folder=upload_folder(),
            kind=request.form.get("kind"),
        ),
    )


@blp.get("/<int:application_id>/documents/<int:document_id>")
@blp.response(200)
def download_document(application_id: int, document_id: int):
    """Download a document (owner, fund managers, regulators) as an attachment."""
    return document_response(api_user(), application_id, document_id)


@blp.delete("/<int:application_id>/documents/<int:document_id>")
@blp.response(200, DocumentSchema)
@in_unit_of_work
def delete_document(application_id: int, document_id: int):
    """Remove a document from your draft (or an application awaiting information)."""
    # A deleted row is detached, not expired, by the commit: it still shows what was removed.
    return documents.remove_document(db.session, api_user(), application_id, document_id, upload_folder())
