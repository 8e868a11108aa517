"""Payment providers behind one PaymentGateway protocol: the sandbox (default) and Stripe.

`build_gateway(config)` builds the one the configuration names (the app keeps it:
marketplace.gateways). Business rules about payments live in marketplace.services.payments;
the flows that call a provider between two commits live in marketplace.services.payment_flows.
Nothing here imports Flask or the services.
"""

from __future__ import annotations

from marketplace.payments.base import PaymentGateway

GATEWAYS = ("sandbox", "stripe")


def build_gateway(config) -> PaymentGateway:
    """The gateway the configuration selects (raises ValueError when it is incomplete)."""
    name = config.get("PAYMENT_GATEWAY", "sandbox")
    if name == "sandbox":
        from marketplace.payments.sandbox import SandboxGateway

        return SandboxGateway(
            config["SANDBOX_WEBHOOK_SECRET"], auto_settle=config.get("SANDBOX_AUTO_SETTLE", True)
        )
    if name == "stripe":
        from marketplace.payments.stripe_gateway import StripeGateway

        missing = [key for key in ("STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET") if not config.get(key)]
        if missing:
            raise ValueError(f"PAYMENT_GATEWAY=stripe needs {' and '.join(missing)}")
        return StripeGateway(
            config["STRIPE_API_KEY"],
            config["STRIPE_WEBHOOK_SECRET"],
            max_network_retries=config.get("STRIPE_MAX_NETWORK_RETRIES", 2),
            api_base=config.get("STRIPE_API_BASE") or None,
        )
    raise ValueError(f"PAYMENT_GATEWAY must be one of {', '.join(GATEWAYS)}, not {name!r}")
