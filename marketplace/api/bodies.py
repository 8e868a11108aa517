"""Checks on a request body before anything parses it.

JSON bodies are read by webargs (flask-smorest's `@blp.arguments`), by `request.get_json` and by
the webhook's event parser; each ends in Python's recursive JSON parser. One `before_request`
hook refuses a JSON body nested deeper than MAX_JSON_DEPTH for every route, so no parser ever
sees one; the webhook, whose provider may send no JSON content type, checks its raw body too.
"""

from __future__ import annotations

from flask import Flask, request

from marketplace.domain_errors import N_, DomainError
from marketplace.rules.json_depth import nesting_depth_exceeds
from marketplace.rules.limits import MAX_JSON_DEPTH


class MalformedBody(DomainError):
    """The request body cannot be accepted whatever its fields say (400, nothing changed)."""

    code = "bad_request"
    http_status = 400


def check_json_depth(raw: bytes | str) -> None:
    """Raise MalformedBody when `raw` nests deeper than MAX_JSON_DEPTH."""
    if nesting_depth_exceeds(raw, MAX_JSON_DEPTH):
        raise MalformedBody(
            N_("The JSON body is nested more than %(limit)s levels deep."), limit=MAX_JSON_DEPTH
        )


def _refuse_deep_json() -> None:
    if request.is_json and request.content_length != 0:
        check_json_depth(request.get_data(cache=True))


def install_body_checks(app: Flask) -> None:
    """Check every request's JSON body before a view or a parser reads it."""
    app.before_request(_refuse_deep_json)
