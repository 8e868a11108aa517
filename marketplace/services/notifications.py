"""In-app notifications: written in bulk by the operations that concern people, read by their owners."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import N_, NotAllowed, NotFound
from marketplace.models import Notification, User
from marketplace.models.base import utcnow
from marketplace.pagination import FIRST_PAGE, Page, PageRequest, paginate
from marketplace.rules.notifications import KINDS


def notify(session: so.Session, rows: Iterable[tuple[int, str, dict]]) -> int:
    """Write one notification per (user id, kind, params) in a single statement; returns how many."""
    now = utcnow()
    values = [
        {"user_id": user_id, "kind": kind, "params": params, "created_at": now}
        for user_id, kind, params in rows
    ]
    for value in values:
        if value["kind"] not in KINDS:
            raise ValueError(f"unknown notification kind {value['kind']!r}")
    if values:  # RETURNING makes SQLAlchemy batch the rows into a few multi-row INSERTs
        table = Notification.__table__
        session.execute(table.insert().returning(table.c.id), values)
    return len(values)


def user_notifications(session: so.Session, user: User, page: PageRequest = FIRST_PAGE) -> Page:
    """One page of the user's notifications, newest first."""
    query = sa.select(Notification).where(Notification.user_id == user.id)
    return paginate(session, query.order_by(Notification.id.desc()), page)


def unread_count(session: so.Session, user: User) -> int:
    """How many of the user's notifications are unread (the bell's number)."""
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def mark_read(session: so.Session, user: User, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read (again is harmless)."""
    notification = session.get(Notification, notification_id)
    if notification is None:
        raise NotFound(N_("No such notification."))
    if notification.user_id != user.id:
        raise NotAllowed(N_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification
