"""POST /webhooks/payments: signed events from the payment provider (public, no bearer token)."""

from __future__ import annotations

import logging

import marshmallow as ma
from flask import request
from flask_smorest import Blueprint

from marketplace.api.bodies import check_json_depth
from marketplace.extensions import db
from marketplace.gateways import gateway
from marketplace.services import payment_flows

URL_PREFIX = "/webhooks"
blp = Blueprint("api_webhooks", __name__, description="Payment provider events")
log = logging.getLogger(__name__)


class WebhookAckSchema(ma.Schema):
    received = ma.fields.Bool()
    outcome = ma.fields.Str(
        metadata={"description": "applied, stale, duplicate, ignored, unknown_payment or mismatch"}
    )


@blp.post("/payments")
@blp.response(200, WebhookAckSchema)
@blp.alt_response(
    400,
    description="Missing, malformed, wrong or stale Stripe-Signature, or a body nested too deeply; "
    "nothing changed",
)
def payment_event():
    """Verify the Stripe-Signature header, store the event once and apply it."""
    payload = request.get_data(cache=False)
    check_json_depth(payload)  # whatever its content type: the event parser reads it as JSON
    outcome = payment_flows.receive_webhook(
        db.session, gateway(), payload, request.headers.get("Stripe-Signature")
    )
    log.info("payment webhook processed: %s", outcome)
    return {"received": True, "outcome": outcome}
