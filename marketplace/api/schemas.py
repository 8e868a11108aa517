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


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.Str(
        required=True,
        metadata={"description": "Stable machine-readable code, e.g. validation_failed, conflict."},
    )
    message = ma.fields.Str(required=True, metadata={"description": "In the reader's language."})
    fields = ma.fields.Dict(
        keys=ma.fields.Str(),
        values=ma.fields.Raw(),
        metadata={"description": "Per field (or per location), the list of its problems."},
    )


class ErrorSchema(ma.Schema):
    """The body of every error answer: {"error": {"code", "message", "fields"?}}."""

    error = ma.fields.Nested(ErrorDetailSchema, required=True)


# Yuan amounts travel as decimal strings with at most two decimals (never floats): the document
# says so with a pattern (the server also reads full-width digits, as Chinese input methods type).
YUAN_PATTERN = r"^[0-9]+(\.[0-9]{1,2})?$"
SIGNED_YUAN_PATTERN = r"^-?[0-9]+(\.[0-9]{1,2})?$"


def yuan_doc(*, signed: bool = False) -> dict:
    """OpenAPI description of a yuan amount field (its `metadata`)."""
    return {
        "type": "string",
        "pattern": SIGNED_YUAN_PATTERN if signed else YUAN_PATTERN,
        "example": "-12500.00" if signed else "12500.00",
        "description": "Yuan as a decimal string with at most 2 decimals",
    }


def enum_doc(values, description: str | None = None) -> dict:
    """OpenAPI description of a string that takes one of `values` (checked by the service, which
    answers 422 with a translated message naming the field)."""
    return {"enum": list(values), **({"description": description} if description else {})}


class UserSchema(ma.Schema):
    """A user as the API shows it."""

    id = ma.fields.Int()
    email = ma.fields.Str()
    role = ma.fields.Str()
    name = ma.fields.Str()
    locale = ma.fields.Str()
