"""Configuration read from environment variables (see README, "Configuration")."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

from marketplace.rules import limits
from marketplace.rules.accounts import DEFAULT_LOCALE, LOCALES
from marketplace.rules.documents import DEFAULT_REQUIRED, UnknownChecklistCode, required_codes

INSECURE_DEFAULT_SECRET = "dev-insecure-secret-key-change-me"  # noqa: S105 - the known-bad value
ENVIRONMENTS = ("development", "production", "testing")
REDIS_SCHEMES = ("redis://", "rediss://", "redis+sentinel://", "redis+cluster://", "redis+unix://")


class ConfigError(RuntimeError):
    """The configuration cannot run the app safely."""


def default_sqlite_url(instance_path: str) -> str:
    """SQLite file under instance/: the embedded default database."""
    return "sqlite:///" + str(Path(instance_path) / "marketplace.sqlite3")


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the short `postgresql://` form."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environment(instance_path: str, environ=os.environ) -> dict:
    """Build the Flask configuration mapping from the process environment."""
    env = environ.get("MARKETPLACE_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"MARKETPLACE_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    production = env == "production"
    redis_url = environ.get("REDIS_URL", "")
    return {
        "MARKETPLACE_ENV": env,
        "TESTING": env == "testing",
        "SECRET_KEY": environ.get("SECRET_KEY", INSECURE_DEFAULT_SECRET),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            environ.get("DATABASE_URL") or default_sqlite_url(instance_path)
        ),
        # Failed sign-in counters (marketplace.throttle): shared by every worker through Redis.
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "HSTS_ENABLED": production,
        # Argon2id at OWASP's minimum (m=19 MiB, t=2, p=1); tests may lower it for speed.
        "ARGON2_MEMORY_KIB": 19 * 1024,
        "ARGON2_TIME_COST": 2,
        "ARGON2_PARALLELISM": 1,
        "API_TOKEN_TTL": timedelta(hours=int(environ.get("API_TOKEN_TTL_HOURS", "24"))),
        "LOGIN_FAILURE_LIMIT": environ.get("LOGIN_FAILURE_LIMIT", "10/minute"),
        # Accounts one address may try to register (an office behind one NAT registers a few).
        "REGISTRATION_LIMIT": environ.get("REGISTRATION_LIMIT", "10/hour"),
        "BABEL_DEFAULT_LOCALE": DEFAULT_LOCALE,
        "BABEL_DEFAULT_TIMEZONE": environ.get("MARKETPLACE_TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": LOCALES,
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        "MODEL_REGISTRY_DIR": environ.get("MODEL_REGISTRY_DIR") or str(Path(instance_path) / "models"),
        # Suggested maximum annual rate per grade; None keeps scoring.DEFAULT_RATE_TABLE.
        "SCORING_RATE_TABLE": parse_rate_table(environ.get("SCORING_RATE_TABLE", "")),
        # Application documents live outside static/ and are served only through checked views.
        "UPLOAD_FOLDER": environ.get("UPLOAD_FOLDER") or str(Path(instance_path) / "uploads"),
        # Fund money (fen) from which an approval needs a second fund manager (four eyes).
        "FOUR_EYES_THRESHOLD_FEN": int(
            environ.get("FOUR_EYES_THRESHOLD_FEN", str(limits.DEFAULT_FOUR_EYES_THRESHOLD_FEN))
        ),
        # The checklist items an application needs before it can be submitted (docs/applications.md).
        "DOCUMENT_CHECKLIST_REQUIRED": parse_document_checklist(environ.get("DOCUMENT_CHECKLIST_REQUIRED")),
        # Trusted reverse proxies in front of the app, whose X-Forwarded-* headers are believed.
        "PROXY_COUNT": parse_proxy_count(environ.get("PROXY_COUNT", "")),
        **payment_settings(environ),
        **mail_settings(environ, env),
    }


def payment_settings(environ=os.environ) -> dict:
    """Payment gateway selection and limits (docs/payments.md, "Gateways and configuration")."""
    from marketplace.money import MoneyError, format_yuan, parse_yuan

    limit = environ.get("MAX_TRANSACTION_YUAN", format_yuan(limits.DEFAULT_MAX_TRANSACTION_FEN))
    try:
        limit_fen = parse_yuan(limit, allow_zero=False)
    except MoneyError as error:
        raise ConfigError(f"MAX_TRANSACTION_YUAN={limit!r}: {error}") from None
    return {
        "PAYMENT_GATEWAY": environ.get("PAYMENT_GATEWAY", "sandbox"),
        "STRIPE_API_KEY": environ.get("STRIPE_API_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_MAX_NETWORK_RETRIES": int(environ.get("STRIPE_MAX_NETWORK_RETRIES", "2")),
        # Empty: derived from SECRET_KEY when the app starts (marketplace.payments.init_payments).
        "SANDBOX_WEBHOOK_SECRET": environ.get("SANDBOX_WEBHOOK_SECRET", ""),
        "MAX_TRANSACTION_FEN": limit_fen,
        # After a crash (docs/payments.md, "After a crash"): how long an Idempotency-Key
        # reservation belongs to the request running it; how old a payment still `created`
        # without a provider id must be before `flask payments sync` fails it (releasing any hold);
        # how old a hold may get before `flask ledger check` reports it.
        "IDEMPOTENCY_LEASE_SECONDS": int(environ.get("IDEMPOTENCY_LEASE_SECONDS", "60")),
        "PAYMENT_STUCK_MINUTES": int(environ.get("PAYMENT_STUCK_MINUTES", "15")),
        "HOLD_MAX_AGE_HOURS": int(environ.get("HOLD_MAX_AGE_HOURS", "168")),
    }


def parse_document_checklist(text: str | None) -> tuple[str, ...]:
    """DOCUMENT_CHECKLIST_REQUIRED "business_licence,financial_statements" → the required codes;
    unset keeps the default, empty requires no document, an unknown code is refused."""
    try:
        return required_codes(DEFAULT_REQUIRED if text is None else text)
    except UnknownChecklistCode as error:
        raise ConfigError(f"DOCUMENT_CHECKLIST_REQUIRED={text!r}: {error}") from None


# Mail backends that deliver nothing: fine on a developer's machine and in tests, never in production.
UNDELIVERED_MAIL_BACKENDS = ("console", "locmem", "dummy", "file")


def mail_settings(environ, env: str) -> dict:
    """Outgoing e-mail (Flask-Mailman) and password-reset links (docs/security.md, "Accounts")."""
    default_backend = {"production": "smtp", "testing": "locmem"}.get(env, "console")
    port = environ.get("MAIL_PORT", "587").strip()
    if not re.fullmatch(r"[0-9]{1,5}", port):
        raise ConfigError(f"MAIL_PORT must be a port number, not {port!r}")
    ttl = environ.get("PASSWORD_RESET_TTL_MINUTES", "60").strip()
    if not re.fullmatch(r"[0-9]{1,4}", ttl) or int(ttl) == 0:
        raise ConfigError(
            f"PASSWORD_RESET_TTL_MINUTES must be a whole number of minutes (1-9999), not {ttl!r}"
        )
    return {
        # console: messages (reset links included) are printed on the server's standard output.
        "MAIL_BACKEND": environ.get("MAIL_BACKEND") or default_backend,
        "MAIL_SERVER": environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(port),
        "MAIL_USERNAME": environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": environ.get("MAIL_USE_TLS", "true").strip().lower() in ("1", "true", "yes", "on"),
        "MAIL_DEFAULT_SENDER": environ.get("MAIL_DEFAULT_SENDER")
        or ("" if env == "production" else "no-reply@localhost"),
        # Seconds an SMTP connection may stall before the request gives up (a worker is not held).
        "MAIL_TIMEOUT": 10,
        # The host that links in e-mail name (url_for(..., _external=True)); unset, the request's
        # Host header would decide, and a forged one would mail a reset link to another site.
        "SERVER_NAME": environ.get("SERVER_NAME") or None,
        "PASSWORD_RESET_TTL": timedelta(minutes=int(ttl)),
        # Reset e-mails one address, and one e-mail address, may ask for.
        "PASSWORD_RESET_LIMIT": environ.get("PASSWORD_RESET_LIMIT", "5/hour"),
    }


def parse_proxy_count(text: str) -> int:
    """PROXY_COUNT "1" → 1; empty means no proxy (0); anything but a whole number ≥ 0 is refused."""
    text = text.strip()
    if not text:
        return 0
    if not re.fullmatch(r"[0-9]+", text):
        raise ConfigError(f"PROXY_COUNT must be a whole number of trusted proxies (0 or more), not {text!r}")
    return int(text)


def parse_rate_table(text: str) -> dict[str, int] | None:
    """SCORING_RATE_TABLE "A=800,B=1000,C=1200,D=1500,E=1800" → {grade: max rate bps}."""
    if not text.strip():
        return None
    table = {}
    for item in text.split(","):
        grade, _, bps = item.partition("=")
        grade = grade.strip().upper()
        if grade not in "ABCDE" or len(grade) != 1 or not bps.strip().isdigit():
            raise ConfigError(f"SCORING_RATE_TABLE: cannot read {item!r} (expected e.g. A=800)")
        table[grade] = int(bps)
    if sorted(table) != list("ABCDE") or any(
        not limits.MIN_RATE_BPS <= v <= limits.MAX_RATE_BPS for v in table.values()
    ):
        raise ConfigError(
            f"SCORING_RATE_TABLE must give grades A-E a rate of {limits.MIN_RATE_BPS}-"
            f"{limits.MAX_RATE_BPS} basis points"
        )
    if [table[g] for g in "ABCDE"] != sorted(table.values()):
        raise ConfigError("SCORING_RATE_TABLE rates must not fall as grades get worse")
    return table


def check_production_safety(config) -> None:
    """Refuse to run in production with settings that are only safe on a developer's machine.

    Every problem is listed at once, so that one failed start shows the whole fix.
    """
    if config.get("MARKETPLACE_ENV") != "production":
        return
    problems = production_problems(config)
    if problems:
        raise ConfigError(
            "MARKETPLACE_ENV=production cannot start:\n"
            + "\n".join(f"  - {problem}" for problem in problems)
            + "\n(see README, 'Running in production')"
        )


def production_problems(config) -> list[str]:
    """What makes `config` unsafe for production (empty when it is safe)."""
    problems = []
    key = config.get("SECRET_KEY") or ""
    if key == INSECURE_DEFAULT_SECRET or len(key) < 32:
        problems.append(
            "SECRET_KEY is missing, the development default, or shorter than 32 characters; "
            "set a long random one (python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    # The sandbox gateway settles any deposit at once: in production it would create money.
    if config.get("PAYMENT_GATEWAY") != "stripe":
        problems.append(
            f"PAYMENT_GATEWAY is {config.get('PAYMENT_GATEWAY')!r}; production takes real payments only "
            "through PAYMENT_GATEWAY=stripe (the sandbox settles every deposit without any money)."
        )
    else:
        for name in ("STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET"):
            if not config.get(name):
                problems.append(f"{name} is not set; the Stripe gateway needs it.")
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        problems.append(
            "DATABASE_URL is not set (the SQLite file is for development); point it at PostgreSQL."
        )
    # Sign-in throttling must count across every worker process (OWASP brute force), not per process.
    if not str(config.get("RATELIMIT_STORAGE_URI", "")).startswith(REDIS_SCHEMES):
        problems.append(
            "REDIS_URL is not set; sign-in throttling must share its counters between workers "
            "(e.g. REDIS_URL=redis://127.0.0.1:6379/0)."
        )
    problems.extend(_mail_problems(config))
    return problems


def _mail_problems(config) -> list[str]:
    # Password-reset links must reach their owners, and must name this site whatever Host a
    # request carried.
    problems = []
    if config.get("MAIL_BACKEND") in UNDELIVERED_MAIL_BACKENDS:
        problems.append(
            f"MAIL_BACKEND is {config.get('MAIL_BACKEND')!r}, which delivers no e-mail; use smtp."
        )
    for name, what in (
        ("MAIL_SERVER", "the SMTP server that sends password-reset e-mail"),
        ("MAIL_DEFAULT_SENDER", "the From address of the platform's e-mail"),
        ("SERVER_NAME", "the host name that links in e-mail point to (e.g. SERVER_NAME=www.example.cn)"),
    ):
        if not config.get(name):
            problems.append(f"{name} is not set; it names {what}.")
    return problems
