"""The Idempotency-Key header on API requests that move money (docs/payments.md, "Wallet API and pages").

The first request with a key reserves it (its own unit of work, committed at once), runs, and
stores its response; a replay with the same key and body gets that response again, with
`Idempotent-Replayed: true`; the same key with another body or endpoint is a 409. A replay that
arrives while the first is still running waits for it. Responses of 500 and above are not
stored: the reservation is dropped so that the client can retry with the same key (nothing was
charged).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable

import sqlalchemy as sa
from flask import Response, current_app, jsonify, request
from flask_babel import gettext

from marketplace.domain_errors import N_, Conflict, DomainError, ValidationFailed
from marketplace.errors import json_error
from marketplace.extensions import db
from marketplace.models import IdempotentRequest, User
from marketplace.services import unit_of_work

HEADER = "Idempotency-Key"
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces
WAIT_SECONDS = 15.0
POLL_SECONDS = (0.02, 0.25)  # first and longest pause between looks at a running request


def client_key() -> str | None:
    """The request's Idempotency-Key, validated (None when absent)."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _KEY_PATTERN.match(key):
        message = N_("Idempotency-Key must be 1 to 255 printable characters without spaces.")
        raise ValidationFailed(message, fields={HEADER: [message]})
    return key


def _fingerprint(body: dict) -> str:
    text = json.dumps(
        {"method": request.method, "path": request.path, "body": body},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _stored(record: IdempotentRequest) -> Response:
    response = jsonify(record.response_body)
    response.status_code = record.response_status
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _find(user: User, key: str) -> IdempotentRequest | None:
    return db.session.scalar(
        sa.select(IdempotentRequest)
        .where(IdempotentRequest.user_id == user.id, IdempotentRequest.key == key)
        .execution_options(populate_existing=True)
    )


def _reserve(user: User, key: str, fingerprint: str) -> IdempotentRequest | Response:
    """Our own in-progress record, or the stored response of an earlier identical request."""
    deadline = time.monotonic() + current_app.config.get("IDEMPOTENCY_WAIT_SECONDS", WAIT_SECONDS)
    pause = POLL_SECONDS[0]
    while True:
        record = _find(user, key)
        if record is None:
            try:
                return unit_of_work.run(db.session, lambda: _insert(user, key, fingerprint))
            except sa.exc.IntegrityError:
                continue  # a concurrent request took the key: read what it stored
        same, done = record.fingerprint == fingerprint, record.state == "done"
        stored = _stored(record) if same and done else None
        # End the read: it must not hold SQLite's write lock while waiting, and the next look
        # must see rows committed meanwhile.
        unit_of_work.end_read(db.session)
        if not same:
            raise Conflict(N_("This Idempotency-Key was already used for a different request."))
        if stored is not None:
            return stored
        if time.monotonic() > deadline:
            raise Conflict(N_("A request with this Idempotency-Key is still being processed."))
        time.sleep(pause)
        pause = min(pause * 1.5, POLL_SECONDS[1])  # back off: every look takes SQLite's write lock


def idempotent(user: User, body: dict, execute: Callable[[], tuple[dict, int]]) -> Response:
    """Run `execute` (returning body and status) at most once per Idempotency-Key."""
    key = client_key()
    if key is None:
        payload, status = execute()
        response = jsonify(payload)
        response.status_code = status
        return response
    reserved = _reserve(user, key, _fingerprint(body))
    if isinstance(reserved, Response):
        return reserved
    record_id = reserved.id
    try:
        payload, status = execute()
    except DomainError as error:
        unit_of_work.end_read(db.session)  # the flow's own units of work have ended already
        if error.http_status >= 500:
            _forget(record_id)
            raise
        message, fields = error.render(gettext)
        response = json_error(error.http_status, message, code=error.code, fields=fields or None)
        _store(record_id, response.get_json(), response.status_code)
        return response
    except BaseException:
        unit_of_work.end_read(db.session)
        _forget(record_id)
        raise
    _store(record_id, payload, status)
    response = jsonify(payload)
    response.status_code = status
    return response


def _insert(user: User, key: str, fingerprint: str) -> IdempotentRequest:
    record = IdempotentRequest(user_id=user.id, key=key, fingerprint=fingerprint)
    db.session.add(record)
    db.session.flush()
    return record


def _store(record_id: int, payload: dict, status: int) -> None:
    unit_of_work.run(
        db.session,
        lambda: db.session.execute(
            sa.update(IdempotentRequest)
            .where(IdempotentRequest.id == record_id)
            .values(state="done", response_status=status, response_body=payload)
        ),
    )


def _forget(record_id: int) -> None:
    unit_of_work.run(
        db.session,
        lambda: db.session.execute(sa.delete(IdempotentRequest).where(IdempotentRequest.id == record_id)),
    )
