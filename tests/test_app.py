"""The app as a whole: configuration, headers, probes, API docs, error pages, CLI, schema."""

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import request

from marketplace.app import create_app
from marketplace.config import INSECURE_DEFAULT_SECRET, ConfigError, from_environment
from marketplace.extensions import db
from marketplace.models import User
from tests.conftest import base_config

# A production configuration that passes the safety check; nothing here connects anywhere.
SAFE_PRODUCTION = {
    "MARKETPLACE_ENV": "production",
    "TESTING": False,
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://marketplace@127.0.0.1:5432/marketplace",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "PAYMENT_GATEWAY": "stripe",
    "STRIPE_API_KEY": "sk_test_production_check",
    "STRIPE_WEBHOOK_SECRET": "whsec_production_check",
    "MAIL_BACKEND": "smtp",
    "MAIL_SERVER": "smtp.example.cn",
    "MAIL_DEFAULT_SENDER": "no-reply@example.cn",
    "SERVER_NAME": "www.example.cn",
}


def production_config(database_uri, **overrides):
    return {**base_config(database_uri), **SAFE_PRODUCTION, **overrides}


@pytest.mark.parametrize("secret", ["", INSECURE_DEFAULT_SECRET, "short-key"])
def test_production_refuses_a_missing_or_default_secret_key(database_uri, secret):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(production_config(database_uri, SECRET_KEY=secret))


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"PAYMENT_GATEWAY": "sandbox"}, "PAYMENT_GATEWAY"),
        ({"STRIPE_API_KEY": ""}, "STRIPE_API_KEY"),
        ({"STRIPE_WEBHOOK_SECRET": ""}, "STRIPE_WEBHOOK_SECRET"),
        ({"SQLALCHEMY_DATABASE_URI": "sqlite:///instance/marketplace.sqlite3"}, "DATABASE_URL"),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, "REDIS_URL"),
        ({"MAIL_BACKEND": "console"}, "MAIL_BACKEND"),
        ({"MAIL_BACKEND": "locmem"}, "MAIL_BACKEND"),
        ({"MAIL_SERVER": ""}, "MAIL_SERVER"),
        ({"MAIL_DEFAULT_SENDER": ""}, "MAIL_DEFAULT_SENDER"),
        ({"SERVER_NAME": None}, "SERVER_NAME"),
    ],
)
def test_production_refuses_settings_only_safe_on_a_developers_machine(database_uri, overrides, named):
    with pytest.raises(ConfigError, match=named):
        create_app(production_config(database_uri, **overrides))


def test_production_from_the_environment_alone_names_every_missing_setting(tmp_path, monkeypatch):
    """The review's case: MARKETPLACE_ENV=production and a key, nothing else → a sandbox deposit
    would have created money; now the app does not start and says what to set."""
    for name in (
        "PAYMENT_GATEWAY",
        "DATABASE_URL",
        "REDIS_URL",
        "STRIPE_API_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "MAIL_BACKEND",
        "MAIL_SERVER",
        "MAIL_DEFAULT_SENDER",
        "SERVER_NAME",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MARKETPLACE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    with pytest.raises(ConfigError) as refused:
        create_app({"TESTING": False})
    message = str(refused.value)
    named = (
        "PAYMENT_GATEWAY",
        "DATABASE_URL",
        "REDIS_URL",
        "MAIL_SERVER",
        "MAIL_DEFAULT_SENDER",
        "SERVER_NAME",
    )
    assert all(name in message for name in named)
    assert "MAIL_BACKEND" not in message  # production's default is smtp
    assert "SECRET_KEY" not in message


def test_production_settings_harden_cookies_and_headers(database_uri):
    app = create_app(production_config(database_uri, SESSION_COOKIE_SECURE=True, HSTS_ENABLED=True))
    response = app.test_client().get("/healthz")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_environment_defaults(tmp_path):
    config = from_environment(str(tmp_path), environ={})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/marketplace.sqlite3"
    assert config["MARKETPLACE_ENV"] == "development"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["SESSION_COOKIE_SECURE"] is False
    assert (config["ARGON2_MEMORY_KIB"], config["ARGON2_TIME_COST"], config["ARGON2_PARALLELISM"]) == (
        19456,
        2,
        1,
    )
    prod = from_environment(
        str(tmp_path),
        environ={
            "MARKETPLACE_ENV": "production",
            "DATABASE_URL": "postgresql://u@h/db",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        },
    )
    assert prod["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert prod["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert prod["SESSION_COOKIE_SECURE"] is True and prod["SESSION_COOKIE_HTTPONLY"] is True
    assert prod["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_mail_settings_are_read_from_the_environment(tmp_path):
    development = from_environment(str(tmp_path), environ={})
    assert development["MAIL_BACKEND"] == "console"  # the reset link is printed on the console
    assert development["PASSWORD_RESET_TTL"] == timedelta(hours=1)
    assert development["PASSWORD_RESET_LIMIT"] == "5/hour"
    assert from_environment(str(tmp_path), environ={"MARKETPLACE_ENV": "testing"})["MAIL_BACKEND"] == "locmem"
    production = from_environment(
        str(tmp_path),
        environ={
            "MARKETPLACE_ENV": "production",
            "MAIL_SERVER": "smtp.example.cn",
            "MAIL_PORT": "465",
            "MAIL_USERNAME": "mailer",
            "MAIL_PASSWORD": "secret",
            "MAIL_USE_TLS": "false",
            "MAIL_DEFAULT_SENDER": "三好街 <no-reply@example.cn>",
            "SERVER_NAME": "www.example.cn",
            "PASSWORD_RESET_TTL_MINUTES": "30",
        },
    )
    assert production["MAIL_BACKEND"] == "smtp"
    assert (production["MAIL_SERVER"], production["MAIL_PORT"], production["MAIL_USE_TLS"]) == (
        "smtp.example.cn",
        465,
        False,
    )
    assert (production["MAIL_USERNAME"], production["MAIL_PASSWORD"]) == ("mailer", "secret")
    assert production["MAIL_DEFAULT_SENDER"] == "三好街 <no-reply@example.cn>"
    assert production["SERVER_NAME"] == "www.example.cn"
    assert production["PASSWORD_RESET_TTL"] == timedelta(minutes=30)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("MAIL_PORT", "smtp"),
        ("MAIL_PORT", "-25"),
        ("PASSWORD_RESET_TTL_MINUTES", "0"),
        ("PASSWORD_RESET_TTL_MINUTES", "1h"),
    ],
)
def test_mail_numbers_that_are_not_whole_numbers_are_refused(tmp_path, name, text):
    with pytest.raises(ConfigError, match=name):
        from_environment(str(tmp_path), environ={name: text})


def test_unknown_environment_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="MARKETPLACE_ENV"):
        from_environment(str(tmp_path), environ={"MARKETPLACE_ENV": "staging"})


@pytest.mark.parametrize(("text", "count"), [("", 0), ("0", 0), ("2", 2), (" 1 ", 1)])
def test_proxy_count_is_read_from_the_environment(tmp_path, text, count):
    assert from_environment(str(tmp_path), environ={"PROXY_COUNT": text})["PROXY_COUNT"] == count


@pytest.mark.parametrize("text", ["-1", "one", "1.5", "١"])
def test_a_proxy_count_that_is_not_a_whole_number_is_refused(tmp_path, text):
    with pytest.raises(ConfigError, match="PROXY_COUNT"):
        from_environment(str(tmp_path), environ={"PROXY_COUNT": text})


@pytest.mark.parametrize(("proxies", "seen"), [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_the_client_address_comes_from_x_forwarded_for_only_behind_a_proxy(database_uri, proxies, seen):
    app = create_app({**base_config(database_uri), "PROXY_COUNT": proxies})
    app.add_url_rule("/_address", "address", lambda: request.remote_addr)
    response = app.test_client().get("/_address", headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.get_data(as_text=True) == seen


def test_creating_apps_sets_up_one_log_handler_and_keeps_one_already_there(database_uri, monkeypatch):
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    level = root.level
    try:
        create_app(base_config(database_uri))
        create_app(base_config(database_uri))
        assert len(root.handlers) == 1
        assert root.level == logging.WARNING  # a testing app
        existing = [logging.NullHandler()]
        monkeypatch.setattr(root, "handlers", existing)
        create_app(base_config(database_uri))
        assert root.handlers == existing
    finally:
        root.setLevel(level)


def test_security_headers_on_pages(client):
    headers = client.get("/login").headers
    csp = headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"):
        assert directive in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers  # only in production (HTTPS)


def test_session_cookie_flags(client, users):
    from tests.helpers import login

    response = login(client, "sme@example.com")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_argon2_hash_uses_owasp_parameters(database_uri):
    config = base_config(database_uri)
    for key in ("ARGON2_MEMORY_KIB", "ARGON2_TIME_COST", "ARGON2_PARALLELISM"):
        config.pop(key)
    app = create_app(config)
    hashed = app.extensions["password_hasher"].hash("Sturdy-Password-2026")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_health_and_readiness(client):
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["database"] == "ok"


def test_readiness_fails_when_the_database_is_unreachable(tmp_path):
    app = create_app({**base_config("sqlite:///" + str(tmp_path / "missing-dir" / "x.db"))})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_openapi_document_lists_the_contract(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"].startswith("Sanhaojie")
    for path in (
        "/api/v1/auth/register",
        "/api/v1/auth/tokens",
        "/api/v1/me",
        "/api/v1/regulator/audit/verify",
    ):
        assert path in spec["paths"], path
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_openapi_document_describes_the_error_shape_the_api_answers(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    for name in ("DEFAULT_ERROR", "UNPROCESSABLE_ENTITY"):
        reference = spec["components"]["responses"][name]["content"]["application/json"]["schema"]["$ref"]
        error = schemas[reference.rsplit("/", 1)[1]]
        assert error["required"] == ["error"] and set(error["properties"]) == {"error"}
    detail = schemas["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message"}
    answered = client.post("/api/v1/auth/tokens", json={"email": "x@example.com"}).get_json()
    assert set(answered) == {"error"} and set(answered["error"]) <= set(detail["properties"])


def test_openapi_document_states_the_real_constraints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    for schema, field in (
        ("DepositRequest", "amount"),
        ("ApplicationIn", "amount"),
        ("StatementIn", "revenue"),
    ):
        amount = schemas[schema]["properties"][field]
        assert amount["type"] == "string" and amount["pattern"].startswith("^"), (schema, amount)
    queue = {
        p["name"]: p["schema"] for p in spec["paths"]["/api/v1/review/applications"]["get"]["parameters"]
    }
    assert "in_review" in queue["status"]["enum"] and "oldest" in queue["sort"]["enum"]
    assert queue["page"]["minimum"] == 1 and queue["per_page"]["maximum"] == 500
    statement = spec["paths"]["/api/v1/wallet/transactions"]["get"]["parameters"]
    assert {p["name"]: p["schema"].get("format") for p in statement}["from"] == "date"


def test_api_docs_are_served_from_local_files(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "http://" not in html and "https://" not in html
    with client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200


def test_pages_load_no_remote_assets(client):
    html = client.get("/").get_data(as_text=True)
    assert "https://" not in html and "http://" not in html
    with client.get("/static/vendor/bootstrap/bootstrap.min.css") as asset:
        assert asset.status_code == 200


def test_500_page_is_rendered_without_details(database_uri):
    app = create_app({**base_config(database_uri), "PROPAGATE_EXCEPTIONS": False})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "出错了" in response.get_data(as_text=True)
    assert "secret internals" not in response.get_data(as_text=True)


def test_cli_creates_users_and_refuses_bad_input(runner):
    ok = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "regulator",
            "--email",
            "reg@gov.cn",
            "--password",
            "Sturdy-Password-2026",
        ]
    )
    assert ok.exit_code == 0, ok.output
    assert db.session.scalar(sa.select(User.role).where(User.email == "reg@gov.cn")) == "regulator"
    weak = runner.invoke(
        args=["users", "create", "--role", "admin", "--email", "a@gov.cn", "--password", "short"]
    )
    assert weak.exit_code != 0 and "at least 10" in weak.output
    bad_role = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "root",
            "--email",
            "b@gov.cn",
            "--password",
            "Sturdy-Password-2026",
        ]
    )
    assert bad_role.exit_code == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_cli_asks_for_the_password(runner):
    result = runner.invoke(
        args=["users", "create", "--role", "fund_manager", "--email", "fm@gov.cn"],
        input="Sturdy-Password-2026\nSturdy-Password-2026\n",
    )
    assert result.exit_code == 0, result.output
    assert "created fund_manager fm@gov.cn" in result.output


def test_demo_seed_creates_one_user_per_role_and_is_repeatable(runner):
    first = runner.invoke(args=["demo", "seed"])
    second = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0 and second.exit_code == 0
    roles = sorted(db.session.scalars(sa.select(User.role)))
    assert roles == ["admin", "fund_manager", "investor", "regulator", "sme"]
    assert "Demo-Password-2026" in first.output and "sme@demo.sanhaojie.cn" in first.output
    from marketplace.models import FinancialStatement, LoanApplication

    assert db.session.scalar(sa.select(sa.func.count()).select_from(FinancialStatement)) == 3
    application = db.session.scalars(sa.select(LoanApplication)).one()
    assert application.status == "in_review" and application.assessment.grade in "ABCDE"
    from marketplace.services import ledger

    investor = db.session.scalar(sa.select(User).where(User.role == "investor"))
    assert ledger.balances(db.session, investor)["wallet"] == 20_000_000  # deposited once


def test_models_and_migrations_do_not_differ(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []
