"""Marshmallow schemas shared by API endpoints."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import RAISE


class StrictSchema(ma.Schema):
    """Rejects unknown fields: a client can never set a field it was not offered."""

    class Meta:
        unknown = RAISE


class ErrorSchema(ma.Schema):
    """The error body: {"error": {"code", "message", "fields"}}."""

    error = ma.fields.Dict(required=True)


class UserSchema(ma.Schema):
    """A user as the API shows it."""

    id = ma.fields.Int()
    email = ma.fields.Str()
    role = ma.fields.Str()
    name = ma.fields.Str()
    locale = ma.fields.Str()
