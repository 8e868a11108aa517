"""Sign-in throttling: failures counted per account and per address (OWASP brute force)."""

from __future__ import annotations

from flask import current_app, request
from limits import parse

from marketplace.extensions import limiter


def _keys(email: str) -> list[tuple[str, str]]:
    address = request.remote_addr or "unknown"
    return [
        ("login-failures-account", (email or "").strip().lower()[:254]),
        ("login-failures-address", address),
    ]


def _limit():
    return parse(current_app.config["LOGIN_FAILURE_LIMIT"])


def sign_in_blocked(email: str) -> bool:
    """True when this account or this address has used up its failed sign-ins for now."""
    if not limiter.enabled:
        return False
    strategy, limit = limiter.limiter, _limit()
    return any(not strategy.test(limit, *key) for key in _keys(email))


def record_sign_in_failure(email: str) -> None:
    """Count one failed sign-in against the account and the address."""
    if not limiter.enabled:
        return
    strategy, limit = limiter.limiter, _limit()
    for key in _keys(email):
        strategy.hit(limit, *key)
