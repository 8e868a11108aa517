"""Marshmallow schemas shared by API endpoints."""

from __future__ import annotations

from collections.abc import Mapping

import marshmallow as ma
from flask_babel import gettext
from marshmallow import RAISE

from marketplace.domain_errors import Message
from marketplace.rules.text import text_problem

MULTILINE = {"multiline": True}  # field metadata: the text may hold line breaks and tabs


def _first_problem(value, multiline: bool) -> Message | None:
    """The text rule's objection to any string in `value` (nested lists and objects included)."""
    if isinstance(value, str):
        return text_problem(value, multiline=multiline)
    if isinstance(value, Mapping):
        value = [item for pair in value.items() for item in pair]
    if isinstance(value, list | tuple):
        for item in value:
            problem = _first_problem(item, multiline)
            if problem is not None:
                return problem
    return None


class StrictSchema(ma.Schema):
    """The base of every input schema (bodies and query strings).

    Rejects unknown fields: a client can never set a field it was not offered. Every string it
    receives obeys the text rule of marketplace.rules.text (no control, bidi-override or surrogate
    characters; line breaks and tabs only in fields marked MULTILINE), checked before any field
    reads it: a refused character is a 422 naming the field.
    """

    class Meta:
        unknown = RAISE

    @ma.pre_load
    def _refuse_unsafe_text(self, data, **kwargs):
        if not isinstance(data, Mapping):
            return data
        by_key = {field.data_key or name: field for name, field in self.fields.items()}
        errors = {}
        for key in data:
            field = by_key.get(key)
            multiline = bool(field is not None and field.metadata.get("multiline"))
            problem = _first_problem(data[key], multiline) or _first_problem(key, False)
            if problem is not None:
                errors[key] = [problem.render(gettext)]
        if errors:
            raise ma.ValidationError(errors)
        return data


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
