"""The notifications page, marking one read, and the bell's unread count on every signed-in page."""

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from marketplace.extensions import db, login_manager
from marketplace.pagination import page_request
from marketplace.rules.notifications import render
from marketplace.services import notifications
from marketplace.sme.forms import ActionForm
from marketplace.web import run_button

bp = Blueprint("notifications", __name__)


@bp.before_request
def _signed_in():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def unread_notifications() -> int:
    """The signed-in user's unread count, counted once per request (one query a page)."""
    if "unread_notifications" not in g:
        g.unread_notifications = notifications.unread_count(db.session, current_user._get_current_object())
    return g.unread_notifications


@bp.app_context_processor
def _bell() -> dict:
    # Only signed-in pages show the bell; visitors' pages make no query for it.
    if current_user and current_user.is_authenticated:
        return {"unread_notifications": unread_notifications}
    return {}


@bp.get("/")
def index():
    """The user's notifications, newest first, in their language."""
    page = notifications.user_notifications(
        db.session, current_user._get_current_object(), page_request(request.args)
    )
    texts = {item.id: render(item.kind, item.params, gettext) for item in page}
    return render_template("notifications/index.html", page=page, texts=texts, action=ActionForm())


@bp.post("/<int:notification_id>/read")
def mark_read(notification_id: int):
    """Mark one notification read and go back to the list's page."""
    user = current_user._get_current_object()
    run_button(ActionForm(), lambda: notifications.mark_read(db.session, user, notification_id))
    return redirect(url_for("notifications.index", page=request.args.get("page", type=int)))
