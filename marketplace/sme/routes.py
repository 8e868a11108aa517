"""The SME's pages: enterprise profile, financial statements, applications and documents."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from marketplace.application_pages import detail_context, send_document, statements_context, upload_folder
from marketplace.credit import application_assessor
from marketplace.domain_errors import DomainError
from marketplace.extensions import db
from marketplace.services import applications, documents, enterprises, statements
from marketplace.sme import bp
from marketplace.sme.forms import ActionForm, ApplicationForm, DocumentForm, EnterpriseForm, StatementForm
from marketplace.web import apply_error_to_form, raise_access_error, translate_error


def _user():
    return current_user._get_current_object()


def _save(form, action):
    """Run `action` (a service call) if the form is valid; commit, or show its errors inline."""
    if not form.validate_on_submit():
        return None, (422 if request.method == "POST" else 200)
    try:
        result = action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        apply_error_to_form(form, error)
        return None, 422
    return result, 200


@bp.route("/enterprise", methods=["GET", "POST"])
def enterprise():
    """Create or edit the enterprise profile."""
    existing = enterprises.enterprise_of(db.session, _user())
    form = EnterpriseForm(obj=existing)
    if existing is not None and request.method == "GET":
        form.registered_capital.data = existing.registered_capital_fen
    saved, status = _save(form, lambda: enterprises.save_enterprise(
        db.session, _user(), form.service_data(), today=date.today()))
    if saved is not None:
        flash(_("Enterprise profile saved."), "success")
        return redirect(url_for("sme.enterprise"))
    return render_template("sme/enterprise.html", form=form, enterprise=existing), status


@bp.get("/statements")
def statement_list():
    """The filed statements as a table, with key ratios."""
    found = enterprises.enterprise_of(db.session, _user())
    return render_template("sme/statements.html", enterprise=found, **statements_context(found))


@bp.route("/statements/new", methods=["GET", "POST"])
@bp.route("/statements/<int:year>/edit", methods=["GET", "POST"], endpoint="statement_edit")
def statement_form(year: int | None = None):
    """File a year's statement, or correct one already filed."""
    existing = statements.statement_for_year(db.session, _user(), year) if year else None
    form = StatementForm(obj=existing)
    years = [year] if year else statements.fiscal_years(date.today())
    form.year.choices = [SelectChoice(y, str(y)) for y in years]
    saved, status = _save(form, lambda: statements.file_statement(
        db.session, _user(), form.year.data if year is None else year, form.values(),
        today=date.today(), replace=year is not None))
    if saved is not None:
        flash(_("Statement for %(year)s saved.", year=saved.year), "success")
        return redirect(url_for("sme.statement_list"))
    return render_template("sme/statement_form.html", form=form, year=year), status


@bp.get("/applications")
def application_list():
    """The SME's applications."""
    return render_template("sme/applications.html",
                           applications=applications.applications_of(db.session, _user()))


@bp.route("/applications/new", methods=["GET", "POST"])
@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"], endpoint="application_edit")
def application_form(application_id: int | None = None):
    """Create a draft, or edit a draft / an application awaiting information."""
    existing = applications.own_application(db.session, _user(), application_id) if application_id else None
    form = ApplicationForm(obj=existing)
    if existing is not None and request.method == "GET":
        form.amount.data = existing.amount_fen
    if application_id is None:
        action = lambda: applications.create_application(db.session, _user(), form.service_data())  # noqa: E731
    else:
        action = lambda: applications.update_application(  # noqa: E731
            db.session, _user(), application_id, form.service_data())
    saved, status = _save(form, action)
    if saved is not None:
        flash(_("Application saved as a draft."), "success")
        return redirect(url_for("sme.application_detail", application_id=saved.id))
    return render_template("sme/application_form.html", form=form, application=existing), status


@bp.get("/applications/<int:application_id>")
def application_detail(application_id: int):
    """One application: terms, documents, decision and timeline."""
    application = applications.readable_application(db.session, _user(), application_id)
    return render_template("sme/application.html", upload=DocumentForm(), action=ActionForm(),
                           **detail_context(application))


@bp.post("/applications/<int:application_id>/<any(submit, withdraw):verb>")
def application_action(application_id: int, verb: str):
    """Submit or withdraw (a replayed request is refused by the state machine)."""
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "danger")
        return redirect(url_for("sme.application_detail", application_id=application_id))
    try:
        if verb == "submit":
            applications.submit_application(db.session, _user(), application_id,
                                            assess=application_assessor())
        else:
            applications.withdraw_application(db.session, _user(), application_id)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        apply_error_to_form(form, error)
    else:
        flash(_("Application submitted for review.") if verb == "submit" else _("Application withdrawn."),
              "success")
    return redirect(url_for("sme.application_detail", application_id=application_id))


@bp.post("/applications/<int:application_id>/documents")
def document_upload(application_id: int):
    """Upload a supporting document."""
    form = DocumentForm()
    upload = request.files.get("file")
    if form.validate_on_submit():
        data = upload.stream.read(documents.MAX_BYTES + 1) if upload else b""
        try:
            document = documents.add_document(db.session, _user(), application_id,
                                              filename=upload and upload.filename, data=data,
                                              folder=upload_folder())
            documents.commit_upload(db.session, document, upload_folder())
        except DomainError as error:
            db.session.rollback()
            raise_access_error(error)
            flash(translate_error(error)[0], "danger")
            return redirect(url_for("sme.application_detail", application_id=application_id))
        flash(_("Document uploaded."), "success")
    return redirect(url_for("sme.application_detail", application_id=application_id))


@bp.get("/applications/<int:application_id>/documents/<int:document_id>")
def document_download(application_id: int, document_id: int):
    """Download one of the SME's own documents."""
    document, path = documents.readable_document(db.session, _user(), application_id, document_id,
                                                 upload_folder())
    return send_document(document, path)


@bp.post("/applications/<int:application_id>/documents/<int:document_id>/delete")
def document_delete(application_id: int, document_id: int):
    """Remove a document from an editable application."""
    if ActionForm().validate_on_submit():
        document = documents.remove_document(db.session, _user(), application_id, document_id)
        db.session.commit()
        documents.discard_file(upload_folder(), document)
        flash(_("Document removed."), "success")
    return redirect(url_for("sme.application_detail", application_id=application_id))
