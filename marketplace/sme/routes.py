"""The SME's pages: enterprise profile, financial statements, applications and documents."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from marketplace.application_pages import (
    detail_context,
    register_document_download,
    required_documents,
    statements_context,
    upload_folder,
)
from marketplace.credit import application_assessor
from marketplace.extensions import db
from marketplace.pagination import page_request
from marketplace.rules.documents import OTHER
from marketplace.services import applications, documents, enterprises, statements
from marketplace.sme import bp
from marketplace.sme.forms import ActionForm, ApplicationForm, DocumentForm, EnterpriseForm, StatementForm
from marketplace.web import run_button, run_form


def _user():
    return current_user._get_current_object()


@bp.route("/enterprise", methods=["GET", "POST"])
def enterprise():
    """Create or edit the enterprise profile."""
    existing = enterprises.enterprise_of(db.session, _user())
    form = EnterpriseForm(obj=existing)
    if existing is not None and request.method == "GET":
        form.registered_capital.data = existing.registered_capital_fen
    saved, status = run_form(
        form,
        lambda: enterprises.save_enterprise(db.session, _user(), form.service_data(), today=date.today()),
    )
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
    saved, status = run_form(
        form,
        lambda: statements.file_statement(
            db.session,
            _user(),
            form.year.data if year is None else year,
            form.values(),
            today=date.today(),
            replace=year is not None,
        ),
    )
    if saved is not None:
        flash(_("Statement for %(year)s saved.", year=saved.year), "success")
        return redirect(url_for("sme.statement_list"))
    return render_template("sme/statement_form.html", form=form, year=year), status


@bp.get("/applications")
def application_list():
    """The SME's applications, a page at a time."""
    return render_template(
        "sme/applications.html",
        applications=applications.applications_of(db.session, _user(), page_request(request.args)),
    )


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
            db.session, _user(), application_id, form.service_data()
        )
    saved, status = run_form(form, action)
    if saved is not None:
        flash(_("Application saved as a draft."), "success")
        return redirect(url_for("sme.application_detail", application_id=saved.id))
    return render_template("sme/application_form.html", form=form, application=existing), status


@bp.get("/applications/<int:application_id>")
def application_detail(application_id: int):
    """One application: terms, document checklist, documents, decision and timeline."""
    application = applications.readable_application(db.session, _user(), application_id)
    context = detail_context(application)
    upload = DocumentForm()
    # The upload form offers the first required item still missing, then any unsatisfied one.
    waiting = context["missing_documents"] or [item for item in context["checklist"] if not item.satisfied]
    upload.kind.data = waiting[0].code if waiting else OTHER
    return render_template("sme/application.html", upload=upload, action=ActionForm(), **context)


@bp.get("/applications/<int:application_id>/withdraw")
def application_withdraw_confirm(application_id: int):
    """Ask before withdrawing: it cannot be undone (works without JavaScript)."""
    application = applications.readable_application(db.session, _user(), application_id)
    return render_template("sme/withdraw_confirm.html", application=application, action=ActionForm())


@bp.post("/applications/<int:application_id>/<any(submit, withdraw):verb>")
def application_action(application_id: int, verb: str):
    """Submit or withdraw (a replayed request is refused by the state machine); a withdrawal
    runs only from its confirmation page."""
    if verb == "withdraw" and request.form.get("confirmed") != "yes":
        applications.readable_application(db.session, _user(), application_id)  # 403/404 first
        return redirect(url_for("sme.application_withdraw_confirm", application_id=application_id))
    if verb == "submit":
        action = lambda: applications.submit_application(  # noqa: E731
            db.session,
            _user(),
            application_id,
            assess=application_assessor(),
            required_documents=required_documents(),
        )
    else:
        action = lambda: applications.withdraw_application(db.session, _user(), application_id)  # noqa: E731
    if run_button(ActionForm(), action) is not None:
        flash(
            _("Application submitted for review.") if verb == "submit" else _("Application withdrawn."),
            "success",
        )
    return redirect(url_for("sme.application_detail", application_id=application_id))


@bp.post("/applications/<int:application_id>/documents")
def document_upload(application_id: int):
    """Upload a supporting document."""
    upload = request.files.get("file")
    data = upload.stream.read(documents.MAX_BYTES + 1) if upload else b""
    if (
        run_button(
            DocumentForm(),
            lambda: documents.add_document(
                db.session,
                _user(),
                application_id,
                filename=upload and upload.filename,
                data=data,
                folder=upload_folder(),
                kind=request.form.get("kind"),
            ),
        )
        is not None
    ):
        flash(_("Document uploaded."), "success")
    return redirect(url_for("sme.application_detail", application_id=application_id))


@bp.post("/applications/<int:application_id>/documents/<int:document_id>/delete")
def document_delete(application_id: int, document_id: int):
    """Remove a document from an editable application."""
    if (
        run_button(
            ActionForm(),
            lambda: documents.remove_document(
                db.session, _user(), application_id, document_id, upload_folder()
            ),
        )
        is not None
    ):
        flash(_("Document removed."), "success")
    return redirect(url_for("sme.application_detail", application_id=application_id))


register_document_download(bp)
