"""Throttling: failed sign-ins per account and per address (OWASP brute force), registrations
per address (mass account creation), password-reset e-mails per address and per e-mail address
(mail bombing, and guessing through the reset form).

The counters live in the `limits` library's storage: in memory by default, in Redis when
RATELIMIT_STORAGE_URI (from REDIS_URL) names it, so that every worker process shares them. Only
sign-in failures, registrations and reset requests are counted, so nothing runs on other requests.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from limits import parse, storage, strategies

_EXTENSION = "sign_in_throttle"


def init_throttle(app: Flask) -> None:
    """Open the counters' storage named by RATELIMIT_STORAGE_URI (unless RATELIMIT_ENABLED is off)."""
    if not app.config.get("RATELIMIT_ENABLED", True):
        app.extensions[_EXTENSION] = None
        return
    uri = app.config["RATELIMIT_STORAGE_URI"]
    options = {}
    if uri.startswith("redis"):  # one Redis may serve several apps (or test runs): keys apart
        options["key_prefix"] = app.config.get("RATELIMIT_KEY_PREFIX", "sanhaojie")
    store = storage.storage_from_string(uri, **options)
    app.extensions[_EXTENSION] = strategies.FixedWindowRateLimiter(store)


def _counters() -> strategies.RateLimiter | None:
    return current_app.extensions[_EXTENSION]


def _account_key(email: str) -> str:
    return (email or "").strip().lower()[:254]


def _keys(email: str) -> list[tuple[str, str]]:
    address = request.remote_addr or "unknown"
    return [
        ("login-failures-account", _account_key(email)),
        ("login-failures-address", address),
    ]


def _limit():
    return parse(current_app.config["LOGIN_FAILURE_LIMIT"])


def sign_in_blocked(email: str) -> bool:
    """True when this account or this address has used up its failed sign-ins for now."""
    counters = _counters()
    if counters is None:
        return False
    limit = _limit()
    return any(not counters.test(limit, *key) for key in _keys(email))


def record_sign_in_failure(email: str) -> None:
    """Count one failed sign-in against the account and the address."""
    counters = _counters()
    if counters is None:
        return
    limit = _limit()
    for key in _keys(email):
        counters.hit(limit, *key)


def registration_allowed() -> bool:
    """Count one registration attempt from this address; False once REGISTRATION_LIMIT is used up."""
    counters = _counters()
    if counters is None:
        return True
    limit = parse(current_app.config["REGISTRATION_LIMIT"])
    return counters.hit(limit, "registrations-address", request.remote_addr or "unknown")


def clear_sign_in_failures(email: str) -> None:
    """Forget the failed sign-ins counted against this account (an administrator's unlock); the
    address counters stay, since they count guesses at every account from one place."""
    counters = _counters()
    if counters is None:
        return
    counters.clear(_limit(), "login-failures-account", _account_key(email))


def password_reset_allowed(email: str) -> bool:
    """Count one reset request from this address and for this e-mail address; False once either
    has used up PASSWORD_RESET_LIMIT. Counted whether or not an account uses the e-mail, so the
    answer tells nothing about accounts."""
    counters = _counters()
    if counters is None:
        return True
    limit = parse(current_app.config["PASSWORD_RESET_LIMIT"])
    keys = [
        ("password-resets-address", request.remote_addr or "unknown"),
        ("password-resets-email", _account_key(email)),
    ]
    return all([counters.hit(limit, *key) for key in keys])  # both counted, even when one is spent
