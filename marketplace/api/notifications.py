"""Notifications: yours, worded in your language, and marking one read."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import gettext
from flask_smorest import Blueprint

from marketplace.api.pagination import PageQuerySchema, PageSchema, page_body, requested_page
from marketplace.api.security import api_user, guard_api_blueprint
from marketplace.api.transactions import in_unit_of_work
from marketplace.extensions import db
from marketplace.rules.notifications import render
from marketplace.services import notifications

URL_PREFIX = "/notifications"
blp = Blueprint("api_notifications", __name__, description="In-app notifications")
guard_api_blueprint(blp)


class NotificationSchema(ma.Schema):
    id = ma.fields.Int()
    kind = ma.fields.Str()
    text = ma.fields.Function(lambda n: render(n.kind, n.params, gettext))
    created_at = ma.fields.AwareDateTime()
    read = ma.fields.Function(lambda n: n.read_at is not None)


class NotificationPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(NotificationSchema))
    unread = ma.fields.Int(metadata={"description": "how many of yours are unread"})


@blp.get("")
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, NotificationPageSchema)
def list_notifications(query):
    """Your notifications, newest first, in your language, with the unread count."""
    user = api_user()
    body = page_body(notifications.user_notifications(db.session, user, requested_page(query)))
    return body | {"unread": notifications.unread_count(db.session, user)}


@blp.post("/<int:notification_id>/read")
@blp.response(200, NotificationSchema)
@in_unit_of_work
def mark_read(notification_id: int):
    """Mark one of your notifications read (again is harmless)."""
    return notifications.mark_read(db.session, api_user(), notification_id)
