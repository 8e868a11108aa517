"""The regulator's read-only view of every loan application."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext
from flask_login import current_user

from marketplace.application_pages import (
    detail_context,
    queue_filters,
    register_document_download,
    render_queue,
)
from marketplace.extensions import db
from marketplace.regulator import bp
from marketplace.services import applications


@bp.get("/applications")
def application_list():
    """Every application, any status by default, filtered and sorted."""
    filters = queue_filters({"status": "", **request.args.to_dict()})
    return render_queue(
        filters, "regulator.application_list", "regulator.application_detail", gettext("Loan applications")
    )


@bp.get("/applications/<int:application_id>")
def application_detail(application_id: int):
    """One application's file, read-only."""
    application = applications.readable_application(
        db.session, current_user._get_current_object(), application_id
    )
    return render_template(
        "regulator/application.html",
        download_endpoint="regulator.document_download",
        **detail_context(application),
    )


register_document_download(bp)
