"""The regulator's read-only view of every loan application."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from marketplace.application_pages import (
    CATEGORY_LABELS,
    SORT_LABELS,
    STATUS_LABELS,
    detail_context,
    queue_filters,
    register_document_download,
)
from marketplace.extensions import db
from marketplace.pagination import page_request
from marketplace.regulator import bp
from marketplace.services import applications, reviews


@bp.get("/applications")
def application_list():
    """Every application, any status by default, filtered and sorted."""
    filters = queue_filters({"status": "", **request.args.to_dict()})
    items = reviews.review_queue(
        db.session, current_user._get_current_object(), **filters, page=page_request(request.args)
    )
    return render_template(
        "fund/queue.html",
        items=items,
        filters=filters,
        statuses=STATUS_LABELS,
        categories=CATEGORY_LABELS,
        sorts=SORT_LABELS,
        age=reviews.queue_age_days,
        endpoint="regulator.application_list",
        detail_endpoint="regulator.application_detail",
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
