"""Bearer-token authentication and role guards for API blueprints."""

from __future__ import annotations

from flask import g, request
from flask_smorest import Blueprint, abort

from marketplace.extensions import db
from marketplace.services import users


def bearer_token() -> str | None:
    """The token from `Authorization: Bearer <token>`, if present."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def guard_api_blueprint(blp: Blueprint, *roles: str, public: tuple[str, ...] = ()) -> None:
    """Require a valid bearer token (and one of `roles`, if given) on every endpoint of blp.

    Endpoints named in `public` (view function names) are open to anyone.
    """
    public_endpoints = {f"{blp.name}.{name}" for name in public}

    @blp.before_request
    def _authenticate():
        if request.endpoint in public_endpoints:
            return None
        token = bearer_token()
        found = users.user_for_token(db.session, token) if token else None
        if found is None:
            abort(401, message="Missing, invalid, expired or revoked bearer token.")
        g.api_user, g.api_token = found
        if roles and g.api_user.role not in roles:
            abort(403, message="Your role may not use this endpoint.")
        return None


def api_user():
    """The user authenticated by the current request's bearer token."""
    return g.api_user
