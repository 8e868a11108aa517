"""The app's payment gateway: built once per app from its configuration, found by views."""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, current_app

from marketplace.config import ConfigError
from marketplace.payments import build_gateway
from marketplace.payments.base import PaymentGateway


def init_payments(app: Flask) -> None:
    """Build the configured gateway and keep it on the app."""
    if not app.config.get("SANDBOX_WEBHOOK_SECRET"):
        derived = hmac.new(app.config["SECRET_KEY"].encode(), b"sandbox-webhook-secret", hashlib.sha256)
        app.config["SANDBOX_WEBHOOK_SECRET"] = "whsec_sandbox_" + derived.hexdigest()
    try:
        app.extensions["payment_gateway"] = build_gateway(app.config)
    except ValueError as error:
        raise ConfigError(str(error)) from None


def gateway() -> PaymentGateway:
    """The current app's payment gateway."""
    return current_app.extensions["payment_gateway"]
