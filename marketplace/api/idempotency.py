"""The Idempotency-Key header on API requests that move money (docs/payments.md, "Wallet API and pages").

The first request with a key reserves it (its own unit of work, committed at once), runs, and
stores its response; a replay with the same key and body gets that response again, with
`Idempotent-Replayed: true`; the same key with another body or endpoint is a 409. A replay that
arrives while the first is still running waits for it. Responses of 500 and above are not
stored: the reservation is dropped so that the client can retry with the same key (nothing was
charged).

A reservation is leased (`IDEMPOTENCY_LEASE_SECONDS`, docs/payments.md, "After a crash"): if the
process running the request dies, its row stays in progress, and a retry after the lease has
expired takes it over with one conditional UPDATE (of concurrent retries exactly one wins; the
others wait for its answer) and runs the request again. Running it again cannot move money twice:
the payment's key derives from the Idempotency-Key, so the work finds the payment the first run
committed and resumes it (`payment_flows`). The lease's end is also the holder's token: a request
whose reservation was taken over stores or drops nothing.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Response, current_app, jsonify, request
from flask_babel import gettext

from marketplace.domain_errors import N_, Conflict, DomainError, ValidationFailed
from marketplace.errors import json_error
from marketplace.extensions import db
from marketplace.models import IdempotentRequest, User
from marketplace.models.base import utcnow
from marketplace.services import unit_of_work

HEADER = "Idempotency-Key"
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces
WAIT_SECONDS = 15.0
LEASE_SECONDS = 60
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


class StillProcessing(Conflict):
    """The key's first request is still running (its lease has not expired): retry later."""

    def __init__(self, retry_after: int):
        super().__init__(
            N_(
                "A request with this Idempotency-Key is still being processed; "
                "retry with the same key in %(seconds)s seconds."
            ),
            seconds=retry_after,
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class Reservation:
    """Our hold on a key: its row and the end of our lease (the token that proves we hold it)."""

    record_id: int
    leased_until: datetime


def _lease_seconds() -> int:
    return current_app.config.get("IDEMPOTENCY_LEASE_SECONDS", LEASE_SECONDS)


def _reserve(user: User, key: str, fingerprint: str) -> Reservation | Response:
    """Our reservation of the key, or the stored response of an earlier identical request."""
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
        record_id, user_id, leased_until = record.id, record.user_id, record.leased_until
        # End the read: it must not hold SQLite's write lock while waiting, and the next look
        # must see rows committed meanwhile.
        unit_of_work.end_read(db.session)
        if not same:
            raise Conflict(N_("This Idempotency-Key was already used for a different request."))
        if stored is not None:
            return stored
        now = utcnow()
        if leased_until is None or leased_until <= now:
            taken = unit_of_work.run(db.session, functools.partial(_take_over, record_id))
            if taken is not None:
                current_app.logger.warning(
                    "Idempotency-Key reservation %s of user %s taken over after its lease ended "
                    "(%s); running the request again",
                    record_id,
                    user_id,
                    leased_until.isoformat() if leased_until else "no lease",
                )
                return taken
            continue  # another retry took it over first: wait for its answer
        if time.monotonic() > deadline:
            raise StillProcessing(max(1, math.ceil((leased_until - now).total_seconds())))
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
    try:
        reserved = _reserve(user, key, _fingerprint(body))
    except StillProcessing as error:
        message, _ = error.render(gettext)
        return json_error(409, message, code=error.code, headers={"Retry-After": str(error.retry_after)})
    if isinstance(reserved, Response):
        return reserved
    try:
        payload, status = execute()
    except DomainError as error:
        unit_of_work.end_read(db.session)  # the flow's own units of work have ended already
        if error.http_status >= 500:
            _forget(reserved)
            raise
        message, fields = error.render(gettext)
        response = json_error(error.http_status, message, code=error.code, fields=fields or None)
        _store(reserved, response.get_json(), response.status_code)
        return response
    except BaseException:
        unit_of_work.end_read(db.session)
        _forget(reserved)
        raise
    _store(reserved, payload, status)
    response = jsonify(payload)
    response.status_code = status
    return response


def _new_lease() -> datetime:
    return utcnow() + timedelta(seconds=_lease_seconds())


def _insert(user: User, key: str, fingerprint: str) -> Reservation:
    record = IdempotentRequest(user_id=user.id, key=key, fingerprint=fingerprint, leased_until=_new_lease())
    db.session.add(record)
    db.session.flush()
    return Reservation(record.id, record.leased_until)


def _take_over(record_id: int) -> Reservation | None:
    """A new lease on an in-progress reservation whose lease has ended, or None if another
    request got it first: the UPDATE's condition is evaluated on the row as it is when the
    UPDATE runs (PostgreSQL re-checks it after waiting for a concurrent writer's row lock;
    SQLite serialises writers), so of concurrent retries exactly one changes a row."""
    now, lease = utcnow(), _new_lease()
    result = db.session.execute(
        sa.update(IdempotentRequest)
        .where(
            IdempotentRequest.id == record_id,
            IdempotentRequest.state == "in_progress",
            sa.or_(IdempotentRequest.leased_until.is_(None), IdempotentRequest.leased_until <= now),
        )
        .values(leased_until=lease)
        .execution_options(synchronize_session=False)
    )
    return Reservation(record_id, lease) if result.rowcount == 1 else None


def _ours(reservation: Reservation):
    """The row, while the reservation is still ours (not taken over by a retry meanwhile)."""
    return sa.and_(
        IdempotentRequest.id == reservation.record_id,
        IdempotentRequest.state == "in_progress",
        IdempotentRequest.leased_until == reservation.leased_until,
    )


def _store(reservation: Reservation, payload: dict, status: int) -> None:
    # A request whose reservation was taken over stores nothing: the retry that took it stores
    # its own answer, about the same payment (the work found what this request had committed).
    unit_of_work.run(
        db.session,
        lambda: db.session.execute(
            sa.update(IdempotentRequest)
            .where(_ours(reservation))
            .values(state="done", response_status=status, response_body=payload)
            .execution_options(synchronize_session=False)
        ),
    )


def _forget(reservation: Reservation) -> None:
    unit_of_work.run(
        db.session,
        lambda: db.session.execute(
            sa.delete(IdempotentRequest)
            .where(_ours(reservation))
            .execution_options(synchronize_session=False)
        ),
    )
