"""The JSON API at /api/v1 (flask-smorest): OpenAPI document, bearer auth, error format."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template, url_for
from flask_smorest import Api as SmorestApi

from marketplace.api.schemas import ErrorSchema
from marketplace.extensions import csrf

API_PREFIX = "/api/v1"


class Api(SmorestApi):
    """flask-smorest Api whose errors use the contract's {"error": {...}} shape.

    The app's own handlers (marketplace.errors) format every error, for the API and the pages,
    so flask-smorest's handler is not installed; the document describes that shape.
    """

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        return None


def _docs_blueprint() -> Blueprint:
    bp = Blueprint("api_docs", __name__)

    @bp.get(f"{API_PREFIX}/docs")
    def docs():
        """Browsable API documentation (Swagger UI served from static/vendor, no CDN)."""
        html = render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"))
        # Swagger UI sets inline styles on its elements; everything else stays 'self'.
        csp = (
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
        )
        return html, 200, {"Content-Security-Policy": csp}

    return bp


def init_api(app: Flask) -> Api:
    """Create the API for this app and register its blueprints."""
    from marketplace.api import (
        applications,
        auth,
        autoinvest,
        bids,
        enterprise,
        investor,
        listings,
        me,
        regulator,
        review,
        wallet,
        webhooks,
    )

    app.config.setdefault("API_TITLE", "Sanhaojie SME Finance Marketplace API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = Api(
        app,
        spec_kwargs={
            "info": {
                "description": "Amounts are decimal strings in yuan; rates integer basis points. "
                "Authenticate with `Authorization: Bearer <token>` from POST /auth/tokens."
            }
        },
    )
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for module in (
        auth,
        me,
        regulator,
        enterprise,
        applications,
        review,
        wallet,
        webhooks,
        investor,
        listings,
        bids,
        autoinvest,
    ):
        csrf.exempt(module.blp)  # bearer tokens, not cookies: CSRF cannot apply
        api.register_blueprint(module.blp, url_prefix=API_PREFIX + module.URL_PREFIX)
    from marketplace.api import closing, fund, loans, notifications, portfolio

    for module in (closing, loans, portfolio, notifications, fund):  # after a listing closes; the fund
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp, url_prefix=API_PREFIX + module.URL_PREFIX)
    app.register_blueprint(_docs_blueprint())
    app.extensions["marketplace_api"] = api
    return api
