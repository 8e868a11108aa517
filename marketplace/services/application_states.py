"""The one place where a loan application changes state; every change is audited."""

from __future__ import annotations

import sqlalchemy.orm as so

from marketplace.domain_errors import N_, InvalidState
from marketplace.models import LoanApplication, User
from marketplace.models.base import as_utc
from marketplace.rules.application_states import next_status, status_name
from marketplace.services import audit

OBJECT_TYPE = "loan_application"
# Events that record a change without moving the state (creation, edits of a draft, documents).
NON_MOVING_EVENTS = {"create": "draft", "update": "draft"}


def transition(
    session: so.Session,
    application: LoanApplication,
    actor: User | None,
    event: str,
    *,
    payload: dict | None = None,
) -> str:
    """Move `application` by `event` if the state machine allows it; audit it; return the new state."""
    current = application.status
    if event in NON_MOVING_EVENTS:
        if current != NON_MOVING_EVENTS[event]:
            raise InvalidState(N_("This application cannot be changed in its current state."))
        target = current
    else:
        target = next_status(current, event)
        if target is None:
            raise InvalidState(
                N_("The application is %(status)s; that action is not possible now."),
                status=status_name(current),
            )
    application.status = target
    record(session, application, actor, event, {"from": current, "to": target, **(payload or {})})
    return target


def record(
    session: so.Session, application: LoanApplication, actor: User | None, event: str, payload: dict
) -> None:
    """Append an event to the application's timeline (the audit chain)."""
    payload = {"actor_role": getattr(actor, "role", "system"), **payload}
    audit.record(
        session,
        actor=actor,
        action=f"application.{event}",
        object_type=OBJECT_TYPE,
        object_id=application.id,
        payload=payload,
    )
    session.flush()


def history(session: so.Session, application: LoanApplication) -> list[dict]:
    """The application's timeline: time, event, states, note, the actor's role and account (pages
    show the account only to fund managers and regulators)."""
    entries = []
    for event in audit.events_for(session, OBJECT_TYPE, application.id):
        payload = event.payload or {}
        entries.append(
            {
                "at": as_utc(event.occurred_at),
                "event": event.action.removeprefix("application."),
                "from": payload.get("from"),
                "to": payload.get("to"),
                "actor_role": payload.get("actor_role"),
                "actor": event.actor,  # shown to fund managers and regulators, never to the SME
                "note": payload.get("note"),
            }
        )
    return entries
