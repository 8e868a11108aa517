"""The OpenAPI document tells the truth: requests generated from it, for every operation and as
every role, never get a 5xx, and every answer matches the document (status, content type,
headers, body schema).

schemathesis reads /api/v1/openapi.json and generates bodies, queries and path values from it
(valid ones and, with Hypothesis' help, edge cases); a fixed seed and a bounded number of
examples per operation keep the run repeatable.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from marketplace.app import create_app
from tests.conftest import base_config
from tests.helpers import api_token, bearer

EXAMPLES_PER_OPERATION = 8
ROLES = ("sme", "investor", "fund_manager", "regulator", "admin")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _schema():
    # The document needs no database: an app on an in-memory SQLite serves it.
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", create_app(base_config("sqlite://")))


OPERATIONS = [result.ok() for result in _schema().get_all_operations()]


@pytest.mark.slow
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_every_answer_matches_the_document_for_every_role(app, users, operation):
    client = app.test_client()

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case):
        # Fresh tokens each time: an example may revoke the token it was sent with.
        identities = {"anonymous": {}} | {
            role: bearer(api_token(client, users[role].email)) for role in ROLES
        }
        for headers in identities.values():
            response = case.call(app=app, headers=headers)
            case.validate_response(response, checks=CHECKS)

    check()
