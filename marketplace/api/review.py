"""The review queue: GET /review/applications (fund managers; regulators read it too)."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from marketplace.api.application_schemas import ApplicationListSchema, ReviewQuerySchema
from marketplace.api.security import api_user, guard_api_blueprint
from marketplace.extensions import db
from marketplace.services import reviews

URL_PREFIX = "/review"
blp = Blueprint("api_review", __name__, description="Review of loan applications")
guard_api_blueprint(blp, "fund_manager", "regulator")


@blp.get("/applications")
@blp.arguments(ReviewQuerySchema, location="query", unknown=ma.RAISE)
@blp.response(200, ApplicationListSchema)
def queue(query):
    """Applications by status (default in_review), optional category, sort oldest|newest|amount_*."""
    status = query["status"] or None
    items = reviews.review_queue(db.session, api_user(), status=status, category=query.get("category"),
                                 sort=query["sort"])
    return {"items": items}
