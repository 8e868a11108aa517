"""Helpers shared by the HTML blueprints: role guards, password hasher, error messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, request
from flask_babel import gettext
from flask_login import current_user
from wtforms import Form

from marketplace.domain_errors import DomainError
from marketplace.extensions import db, login_manager
from marketplace.services import unit_of_work

T = TypeVar("T")
DASHBOARDS = {
    "sme": "sme.dashboard",
    "investor": "investor.dashboard",
    "fund_manager": "fund.dashboard",
    "regulator": "regulator.dashboard",
    "admin": "admin.dashboard",
}


def guard_blueprint(bp: Blueprint, *roles: str) -> None:
    """Require a signed-in user with one of `roles` for every view of the blueprint."""

    @bp.before_request
    def _require_role():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in roles:
            abort(403)
        return None


def password_hasher():
    """The app's argon2id hasher (configured in create_app)."""
    return current_app.extensions["password_hasher"]


def translate_error(error: DomainError) -> tuple[str, dict[str, list[str]]]:
    """The domain error's message and field errors in the current language."""
    return error.render(gettext)


def raise_access_error(error: DomainError) -> None:
    """Raise again an error that is about access (403/404), not about what was typed."""
    if error.http_status in (403, 404):
        raise error


def apply_error_to_form(form: Form, error: DomainError) -> None:
    """Show a domain error inline on the form fields it names, else as a flash message.

    A missing object or a forbidden one is not a form mistake: it is raised again, so that the
    error handler answers 404/403.
    """
    raise_access_error(error)
    message, fields = translate_error(error)
    shown = False
    for name, messages in fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + messages
            shown = True
    if not shown:
        flash(message, "danger")


def run_form(form: Form, action: Callable[[], T]) -> tuple[T | None, int]:
    """Validate `form` and run `action` (a service call) as one unit of work.

    Returns (result, 200) when it ran; (None, 200) for a page shown for the first time; (None,
    422) when the form is invalid or the service refused, with the errors shown on the form.
    """
    if not form.validate_on_submit():
        return None, (422 if request.method == "POST" else 200)
    try:
        return unit_of_work.run(db.session, action), 200
    except DomainError as error:
        apply_error_to_form(form, error)
        return None, 422


def run_button(form: Form, action: Callable[[], T]) -> T | None:
    """Run the action of a POST button (a form with only a CSRF token) as one unit of work.

    Returns its result, or None after flashing why it did not run (a refused action changes
    nothing); access errors are raised for the error handler (403/404).
    """
    if not form.validate_on_submit():
        flash(gettext("The form expired; please try again."), "danger")
        return None
    try:
        return unit_of_work.run(db.session, action)
    except DomainError as error:
        raise_access_error(error)
        flash(translate_error(error)[0], "danger")
        return None


def safe_next(target: str | None) -> str | None:
    """`target` if it is a local path on this site, otherwise None (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def wants_json() -> bool:
    """True for requests to the JSON API."""
    return request.path.startswith("/api/")
