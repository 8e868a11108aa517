"""POST /auth/register, POST /auth/tokens, DELETE /auth/tokens/{id}."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask_babel import gettext
from flask_smorest import Blueprint, abort

from marketplace.api.schemas import StrictSchema
from marketplace.api.security import api_user, guard_api_blueprint
from marketplace.api.transactions import in_unit_of_work
from marketplace.domain_errors import AuthenticationFailed
from marketplace.extensions import db
from marketplace.rules.accounts import LOCALES, SELF_REGISTERED_ROLES
from marketplace.rules.limits import MAX_EMAIL_CHARS
from marketplace.services import unit_of_work, users
from marketplace.throttle import record_sign_in_failure, registration_allowed, sign_in_blocked

URL_PREFIX = "/auth"
blp = Blueprint("api_auth", __name__, description="Registration and API tokens")
guard_api_blueprint(blp, public=("register", "create_token"))


class RegisterSchema(StrictSchema):
    email = ma.fields.Str(required=True)
    password = ma.fields.Str(required=True, load_only=True)
    role = ma.fields.Str(required=True, validate=ma.validate.OneOf(SELF_REGISTERED_ROLES))
    name = ma.fields.Str(required=True, validate=ma.validate.Length(min=1, max=100))
    locale = ma.fields.Str(validate=ma.validate.OneOf(LOCALES))


class RegisteredSchema(ma.Schema):
    id = ma.fields.Int()
    email = ma.fields.Str()
    role = ma.fields.Str()


class TokenRequestSchema(StrictSchema):
    email = ma.fields.Str(required=True, validate=ma.validate.Length(max=MAX_EMAIL_CHARS))
    password = ma.fields.Str(required=True, load_only=True, validate=ma.validate.Length(max=1024))


class TokenSchema(ma.Schema):
    id = ma.fields.Int()
    token = ma.fields.Str()
    expires_at = ma.fields.AwareDateTime()


class RevokedSchema(ma.Schema):
    id = ma.fields.Int()
    revoked = ma.fields.Bool()


@blp.post("/register")
@blp.arguments(RegisterSchema)
@blp.response(201, RegisteredSchema)
@in_unit_of_work
def register(data):
    """Register an SME or investor account."""
    if not registration_allowed():
        abort(429, message=gettext("Too many accounts were registered from your address. Try again later."))
    data.setdefault("locale", current_app.config["BABEL_DEFAULT_LOCALE"])
    user = users.register(db.session, current_app.extensions["password_hasher"], **data)
    return user


@blp.post("/tokens")
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
def create_token(data):
    """Exchange email and password for a bearer token (expires; revocable)."""
    if sign_in_blocked(data["email"]):
        abort(429, message="Too many failed sign-ins; wait a minute and try again.")

    def issue():
        user = users.authenticate(
            db.session,
            current_app.extensions["password_hasher"],
            email=data["email"],
            password=data["password"],
            source="api",
        )
        return users.issue_token(db.session, user, current_app.config["API_TOKEN_TTL"])

    try:
        issued = unit_of_work.run(db.session, issue)
    except AuthenticationFailed:  # its audit row is kept by the unit of work
        record_sign_in_failure(data["email"])
        raise
    return {"id": issued.id, "token": issued.token, "expires_at": issued.expires_at}


@blp.delete("/tokens/current")
@blp.response(200, RevokedSchema)
@in_unit_of_work
def revoke_current_token():
    """Revoke the token used for this request."""
    from flask import g

    users.revoke_token(db.session, api_user(), g.api_token.id)
    return {"id": g.api_token.id, "revoked": True}


@blp.delete("/tokens/<int:token_id>")
@blp.response(200, RevokedSchema)
@in_unit_of_work
def revoke_token(token_id: int):
    """Revoke one of your tokens by id."""
    record = users.revoke_token(db.session, api_user(), token_id)
    return {"id": record.id, "revoked": True}
