"""The review queue: GET /review/applications (fund managers; regulators read it too)."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from marketplace.api.application_schemas import ApplicationSchema, ReviewQuerySchema
from marketplace.api.pagination import PageQuerySchema, page_body, page_schema, requested_page
from marketplace.api.security import api_user, guard_api_blueprint
from marketplace.extensions import db
from marketplace.rules.accounts import APPLICATION_READERS
from marketplace.services import reviews

URL_PREFIX = "/review"
blp = Blueprint("api_review", __name__, description="Review of loan applications")
guard_api_blueprint(blp, *APPLICATION_READERS)


class ReviewPageQuerySchema(ReviewQuerySchema, PageQuerySchema):
    """The queue's filters and the page."""


@blp.get("/applications")
@blp.arguments(ReviewPageQuerySchema, location="query", unknown=ma.RAISE)
@blp.response(200, page_schema(ApplicationSchema))
def queue(query):
    """Applications by status (default in_review), optional category, sort oldest|newest|amount_*;
    a page at a time (`page`, `per_page`), with `total` and `next_page`."""
    status = query["status"] or None
    return page_body(
        reviews.review_queue(
            db.session,
            api_user(),
            status=status,
            category=query.get("category"),
            sort=query["sort"],
            page=requested_page(query),
        )
    )
