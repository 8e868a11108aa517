"""Domain errors and translatable labels shared by every layer; imports nothing of the marketplace."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for translation without translating it (translated at the edge)."""
    return message


class Label(str):
    """A message parameter that is itself a message id (a status name, a missing item)."""


class Message(str):
    """A message id with parameters, filled in after translation (e.g. a limit in a field error)."""

    def __new__(cls, message: str, **params):
        text = super().__new__(cls, message)
        text.params = params
        return text

    def render(self, translate=lambda text: text) -> str:
        """The message in the reader's language with its parameters (labels translated too) filled in."""
        if not self.params:
            return translate(str(self))
        return translate(str(self)) % {
            name: _render_param(value, translate) for name, value in self.params.items()
        }


class DomainError(Exception):
    """Base of every business-rule failure; `code` is stable, `message` is for people."""

    code = "domain_error"
    http_status = 400
    # True when the attempt itself must be kept although the operation failed: the unit of work
    # commits before the error propagates (a failed sign-in's audit row, for instance).
    keeps_changes = False

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params
        self.fields = fields or {}

    def render(self, translate=lambda text: text) -> tuple[str, dict[str, list[str]]]:
        """Message and field errors translated by `translate`, parameters filled in afterwards."""
        message = translate(self.message)
        if self.params:
            message = message % {name: _render_param(value, translate) for name, value in self.params.items()}
        fields = {name: [_render_message(m, translate) for m in msgs] for name, msgs in self.fields.items()}
        return message, fields


class ValidationFailed(DomainError):
    """Input breaks a rule; `fields` names each bad field."""

    code = "validation_failed"
    http_status = 422


class NotFound(DomainError):
    """The object does not exist."""

    code = "not_found"
    http_status = 404


class NotAllowed(DomainError):
    """The acting user may not do this to this object."""

    code = "forbidden"
    http_status = 403


class InvalidState(DomainError):
    """The object is not in a state that allows the operation."""

    code = "invalid_state"
    http_status = 409


class Conflict(DomainError):
    """The request conflicts with an earlier one (duplicate, idempotency mismatch)."""

    code = "conflict"
    http_status = 409


class AuthenticationFailed(DomainError):
    """Wrong credentials; deliberately does not say which part was wrong."""

    code = "authentication_failed"
    http_status = 401
    keeps_changes = True  # the audit row of the failed attempt is evidence (brute-force review)


def refuse_unknown_fields(data, allowed) -> None:
    """ValidationFailed naming any key of `data` outside `allowed` (nothing is mass-assigned)."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationFailed(N_("Unknown fields: %(names)s."), names=", ".join(sorted(unknown)))


def _render_message(message, translate) -> str:
    return message.render(translate) if isinstance(message, Message) else translate(message)


def _render_param(value, translate):
    if isinstance(value, Label):
        return translate(value)
    if isinstance(value, list | tuple):
        return " ".join(translate(item) for item in value)
    return value
