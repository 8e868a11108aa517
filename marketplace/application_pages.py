"""Helpers shared by the SME, fund manager and regulator pages about loan applications."""

from __future__ import annotations

import io
from pathlib import Path

from flask import current_app, render_template, request, send_file
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user

from marketplace.extensions import db
from marketplace.i18n import current_language, lazy_labels, translated
from marketplace.pagination import page_request
from marketplace.rules.accounts import APPLICATION_READERS, ROLE_NAMES
from marketplace.rules.application_states import EVENT_NAMES, STATUS_NAMES, allowed_events, is_editable
from marketplace.rules.catalogue import CATEGORY_NAMES, INDUSTRIES, METHOD_NAMES, industry_label
from marketplace.rules.documents import KIND_NAMES, checklist, listing, missing_items, required_codes
from marketplace.services import documents, reviews, statements, users
from marketplace.services.application_states import history
from scoring.labels import feature_label

SORT_LABELS = {
    "oldest": _l("Oldest first"),
    "newest": _l("Newest first"),
    "amount_desc": _l("Largest amount"),
    "amount_asc": _l("Smallest amount"),
}


def queue_filters(args) -> dict:
    """The queue's filters from the query string ('' = any status)."""
    status = args.get("status", "in_review")
    return {
        "status": status or None,
        "category": args.get("category") or None,
        "sort": args.get("sort", "oldest"),
    }


# Each vocabulary's words live once, in the rules; pages translate them when shown.
STATUS_LABELS = lazy_labels(STATUS_NAMES)
EVENT_LABELS = lazy_labels(EVENT_NAMES)
METHOD_LABELS = lazy_labels(METHOD_NAMES)
CATEGORY_LABELS = lazy_labels(CATEGORY_NAMES)
ROLE_LABELS = lazy_labels(ROLE_NAMES)
DOCUMENT_KIND_LABELS = lazy_labels(KIND_NAMES)
STATEMENT_LABELS = {
    "revenue": _l("Revenue"),
    "cost_of_sales": _l("Cost of sales"),
    "operating_profit": _l("Operating profit"),
    "profit_before_tax": _l("Profit before tax"),
    "net_profit": _l("Net profit"),
    "depreciation": _l("Depreciation"),
    "interest_expense": _l("Interest expense"),
    "total_assets": _l("Total assets"),
    "fixed_assets": _l("Fixed assets"),
    "current_assets": _l("Current assets"),
    "inventory": _l("Inventory"),
    "receivables": _l("Receivables"),
    "cash": _l("Cash"),
    "total_liabilities": _l("Total liabilities"),
    "current_liabilities": _l("Current liabilities"),
    "equity": _l("Equity"),
    "share_capital": _l("Share capital"),
    "retained_earnings": _l("Retained earnings"),
}
RATIO_LABELS = {
    "debt_ratio": _l("Debt ratio"),
    "current_ratio": _l("Current ratio"),
    "gross_margin": _l("Gross margin"),
    "net_margin": _l("Net margin"),
    "return_on_assets": _l("Return on assets"),
    "interest_coverage": _l("Interest coverage"),
    "revenue_growth": _l("Revenue growth"),
}
PERCENT_RATIOS = {"debt_ratio", "gross_margin", "net_margin", "return_on_assets", "revenue_growth"}


def feature_name(code: str) -> str:
    """A model feature's name in the reader's language ("流动比率" / "Current ratio")."""
    english, chinese = feature_label(code)
    return chinese if current_language() == "zh_CN" else english


def feature_rows(features: dict) -> list[tuple[str, str, object]]:
    """(code, name, value) of each feature, in the model's order (Attr2 before Attr10)."""
    number = lambda code: int(code[4:]) if code.startswith("Attr") and code[4:].isdigit() else 10**6  # noqa: E731
    return [
        (code, feature_name(code), features[code]) for code in sorted(features, key=lambda c: (number(c), c))
    ]


def reader_industry_label(code: str | None) -> str:
    """The industry section in the reader's language ('C 制造业' / 'C Manufacturing')."""
    return industry_label(code, current_language())


INDUSTRY_CHOICES = [(code, LazyString(reader_industry_label, code)) for code in INDUSTRIES]


def render_queue(filters: dict, endpoint: str, detail_endpoint: str, title: str):
    """The review queue page (fund managers) or the list of every application (regulators).

    Labels are translated once for the page, not once a row: a page shows up to 500 rows.
    """
    page = reviews.review_queue_rows(
        db.session, current_user._get_current_object(), **filters, page=page_request(request.args)
    )
    user = current_user._get_current_object()
    return render_template(
        "fund/queue.html",
        waiting_second=reviews.second_approvals_waiting(db.session, user)
        if user.role == "fund_manager"
        else 0,
        title=title,
        items=page,
        filters=filters,
        statuses=translated(STATUS_LABELS),
        categories=translated(CATEGORY_LABELS),
        sorts=translated(SORT_LABELS),
        months=gettext("%(n)s months"),
        not_scored=gettext("not scored"),
        endpoint=endpoint,
        detail_endpoint=detail_endpoint,
    )


def format_ratio(name: str, value) -> str:
    """A ratio for display: percentages for margins and shares, '1.67×' for multiples."""
    if value is None:
        return "—"
    if name in PERCENT_RATIOS:
        return f"{value * 100:.2f}%"
    return f"{value:.2f}×"


def statements_context(enterprise) -> dict:
    """Statements (newest first) and their key ratios for the statements table."""
    found = statements.statements_of(db.session, enterprise)
    return {"statements": found, "ratios": statements.ratios_by_year(found)}


def required_documents() -> tuple[str, ...]:
    """The checklist codes an application needs before submission (DOCUMENT_CHECKLIST_REQUIRED)."""
    return required_codes(current_app.config["DOCUMENT_CHECKLIST_REQUIRED"])


def document_names(items) -> str:
    """Checklist items' names as one list in the reader's language ("营业执照、最近一期财务报表")."""
    return listing((gettext(item.name) for item in items), gettext)


def detail_context(application) -> dict:
    """Everything the application detail partial shows."""
    enterprise = application.enterprise or _applicant_enterprise(application)
    items = checklist(required_documents(), application.documents)
    timeline = history(db.session, application)
    people = {}
    if current_user.role in APPLICATION_READERS:  # which fund manager decided: not for the SME
        people = users.names_of(
            db.session,
            ids=(application.first_approver_id, application.second_approver_id),
            emails=[entry["actor"] for entry in timeline if entry["actor_role"] == "fund_manager"],
        )
    return {
        "application": application,
        "enterprise": enterprise,
        "history": timeline,
        "people": people,
        "checklist": items,
        "missing_documents": missing_items(items),
        **statements_context(enterprise),
    }


def _applicant_enterprise(application):
    from marketplace.services.enterprises import enterprise_of

    return enterprise_of(db.session, application.applicant)


def upload_folder() -> Path:
    """Where documents are stored (config UPLOAD_FOLDER, outside static/)."""
    return Path(current_app.config["UPLOAD_FOLDER"])


def send_document(document, path: Path):
    """The file as a download that browsers never sniff, render inline or run."""
    # Read whole (documents are at most 10 MB) so that no file handle outlives the request.
    response = send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=documents.download_name(document.original_name, document.content_type),
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def document_response(user, application_id: int, document_id: int):
    """The document as a download, if `user` may read the application (else 403/404)."""
    document, path = documents.readable_document(
        db.session, user, application_id, document_id, upload_folder()
    )
    return send_document(document, path)


def download_document(application_id: int, document_id: int):
    """Download a document of an application the signed-in user may read."""
    return document_response(current_user._get_current_object(), application_id, document_id)


def register_document_download(bp) -> None:
    """Serve `download_document` under the role's blueprint (its guard applies; the service decides
    which applications the user may read)."""
    bp.add_url_rule(
        "/applications/<int:application_id>/documents/<int:document_id>",
        "document_download",
        download_document,
        methods=["GET"],
    )


def install_application_helpers(app) -> None:
    """Expose the labels and the ratio formatter to templates."""
    app.jinja_env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        EVENT_LABELS=EVENT_LABELS,
        METHOD_LABELS=METHOD_LABELS,
        CATEGORY_LABELS=CATEGORY_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        DOCUMENT_KIND_LABELS=DOCUMENT_KIND_LABELS,
        STATEMENT_LABELS=STATEMENT_LABELS,
        RATIO_LABELS=RATIO_LABELS,
        industry_label=reader_industry_label,
        feature_name=feature_name,
        document_names=document_names,
        feature_rows=feature_rows,
        allowed_events=allowed_events,
        is_editable=is_editable,
    )
    app.jinja_env.filters["ratio"] = format_ratio
