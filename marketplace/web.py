"""Helpers shared by the HTML blueprints: role guards, password hasher, error messages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, request
from flask_babel import gettext
from flask_login import current_user
from wtforms import Form

from marketplace.domain_errors import DomainError
from marketplace.extensions import login_manager

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
