"""Error responses: JSON {"error": {...}} under /api/, translated HTML pages elsewhere."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from marketplace.domain_errors import DomainError
from marketplace.services.unit_of_work import is_retryable

log = logging.getLogger(__name__)

API_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
TRANSIENT_SQLSTATE_PREFIXES = ("08", "57P", "53300")  # connection, shutdown, too many connections
RETRY_AFTER_SECONDS = 5  # a database or Redis restart is usually over within seconds


def json_error(status: int, message: str, *, code: str | None = None, fields=None, headers=None):
    """The API's error body and status."""
    body = {"error": {"code": code or API_CODES.get(status, "error"), "message": message}}
    if fields:
        body["error"]["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten_webargs(messages) -> dict:
    """webargs nests errors by location ({"json": {...}}); the API names fields directly."""
    fields: dict = {}
    if isinstance(messages, dict):
        for location, errors in messages.items():
            if isinstance(errors, dict):
                fields.update(errors)
            else:
                fields[location] = errors
    return fields


def http_error_response(error: HTTPException):
    """Response for an HTTPException on either the API or the HTML site."""
    status = error.code or 500
    if request.path.startswith("/api/"):
        data = getattr(error, "data", None) or {}
        fields = _flatten_webargs(data.get("messages")) if "messages" in data else None
        message = data.get("message") or _api_message(status, error)
        headers = dict(data.get("headers") or {})
        headers.update(_protocol_headers(error))
        if status == 401:
            headers.setdefault("WWW-Authenticate", "Bearer")
        return json_error(status, message, fields=fields, headers=headers)
    return render_error_page(status), status, _protocol_headers(error)


def _protocol_headers(error: HTTPException) -> dict:
    """Headers the status requires, e.g. `Allow` on a 405 (RFC 9110 §15.5.6)."""
    return {name: value for name, value in error.get_headers() if name.lower() != "content-type"}


def unavailable_response():
    """503 with a retry hint: the database or the counters' store cannot be reached right now."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.path.startswith("/api/"):
        message = gettext("The service is temporarily unavailable; try again in a few seconds.")
        return json_error(503, message, headers=headers)
    return render_error_page(503), 503, headers


def is_transient(error: Exception) -> bool:
    """True when `error` says the database or Redis cannot be reached or is busy right now:
    connection refused or lost, the pool exhausted, a server shutting down, serialization
    retries used up; False for errors a retry cannot fix (e.g. SQLite's "no such table")."""
    if isinstance(error, (sa_exc.TimeoutError, RedisConnectionError)):
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    original = getattr(error, "orig", None)
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate is not None:  # PostgreSQL: class 08 connection exception, 57P server shutdown
        return sqlstate.startswith(TRANSIENT_SQLSTATE_PREFIXES) or is_retryable(error)
    if type(original).__name__ == "OperationalError" and type(original).__module__.startswith("psycopg"):
        return True  # psycopg could not connect at all (no SQLSTATE: nothing answered)
    return is_retryable(error)


def _api_message(status: int, error: HTTPException) -> str:
    if status == 422:
        return "The request body is not valid; see fields."
    if status == 400 and isinstance(error, CSRFError):
        return "CSRF token missing or invalid."
    return error.description if status != 500 else "Internal server error."


def render_error_page(status: int) -> str:
    """A translated error page for the HTML site."""
    titles = {
        400: gettext("Bad request"),
        401: gettext("Please sign in"),
        403: gettext("Access denied"),
        404: gettext("Page not found"),
        405: gettext("Method not allowed"),
        413: gettext("File too large"),
        429: gettext("Too many requests"),
        500: gettext("Something went wrong"),
        503: gettext("Temporarily unavailable"),
    }
    explanations = {
        400: gettext(
            "The request could not be understood. If you submitted a form, reload the page and try again."
        ),
        403: gettext("Your account does not have access to this page."),
        404: gettext("The page you asked for does not exist."),
        413: gettext("The upload is larger than allowed."),
        429: gettext("Too many attempts. Wait a minute and try again."),
        500: gettext("An unexpected error occurred. The team has been notified; please try again later."),
        503: gettext("The service cannot reach its database right now. Please try again in a few seconds."),
    }
    return render_template(
        "errors/error.html",
        status=status,
        title=titles.get(status, gettext("Error")),
        explanation=explanations.get(status, ""),
    )


def register_error_handlers(app: Flask) -> None:
    """Install handlers for HTTP errors, domain errors and unexpected exceptions."""

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        message, fields = error.render(gettext)
        if request.path.startswith("/api/"):
            return json_error(error.http_status, message, code=error.code, fields=fields or None)
        return render_error_page(error.http_status), error.http_status

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        return http_error_response(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return http_error_response(error)

    @app.errorhandler(sa_exc.OperationalError)
    @app.errorhandler(sa_exc.TimeoutError)
    @app.errorhandler(RedisConnectionError)
    def _unavailable(error: Exception):
        if not is_transient(error):
            return _unexpected(error)
        # The unit of work in flight rolled back; a payment flow's earlier, committed steps are
        # resumed by a retry with the same Idempotency-Key, so the client may safely try again.
        log.warning("service unavailable on %s %s: %s", request.method, request.path, error)
        return unavailable_response()

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        propagate = app.config.get("PROPAGATE_EXCEPTIONS")
        if propagate or (propagate is None and (app.testing or app.debug)):
            raise error
        if request.path.startswith("/api/"):
            return json_error(500, "Internal server error.")
        return render_error_page(500), 500
