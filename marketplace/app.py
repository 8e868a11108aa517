"""The Flask application factory: configuration, extensions, blueprints, CLI."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from marketplace import config as config_module
from marketplace.extensions import babel, csrf, db, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MAX_DATABASE_ID = 2**31 - 1  # PostgreSQL integer


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` limited to what an integer primary key can hold."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(url_map, *args, **kwargs)


def create_app(config: dict | None = None) -> Flask:
    """Build a configured app: environment settings first, then `config` overrides."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    # Ids in URLs are database integers: a larger number is simply not found (404), instead
    # of overflowing the database driver.
    app.url_map.converters["int"] = DatabaseIdConverter
    app.config.update(config_module.from_environment(app.instance_path))
    if config:
        app.config.update(config)
    config_module.check_production_safety(app.config)
    os.makedirs(app.instance_path, exist_ok=True)
    _configure_logging(app)

    proxies = app.config["PROXY_COUNT"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _configure_logging(app: Flask) -> None:
    """Log to stderr (INFO, or WARNING when testing) unless logging is already set up.

    A host that configures logging itself (gunicorn's --log-config, pytest, an embedding program)
    keeps its handlers; creating a second app adds no second handler.
    """
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.WARNING if app.testing else logging.INFO)


def _init_extensions(app: Flask) -> None:
    from marketplace import models  # noqa: F401  (registers every table with the metadata)
    from marketplace.api.bodies import install_body_checks
    from marketplace.application_pages import install_application_helpers
    from marketplace.database import configure_sqlite, engine_options
    from marketplace.errors import register_error_handlers
    from marketplace.gateways import init_payments
    from marketplace.i18n import install_template_helpers, select_locale
    from marketplace.mail import init_mail
    from marketplace.security import install_security_headers
    from marketplace.services.passwords import make_hasher
    from marketplace.throttle import init_throttle

    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), compare_type=True, render_as_batch=True
    )
    csrf.init_app(app)
    init_throttle(app)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent / "translations"))
    babel.init_app(app, locale_selector=select_locale)
    _init_login(app)
    app.extensions["password_hasher"] = make_hasher(
        app.config["ARGON2_MEMORY_KIB"],
        app.config["ARGON2_TIME_COST"],
        app.config["ARGON2_PARALLELISM"],
    )
    install_template_helpers(app)
    install_application_helpers(app)
    install_security_headers(app)
    install_body_checks(app)
    init_payments(app)
    init_mail(app)
    register_error_handlers(app)


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext

    from marketplace.services.users import load_session_user

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to see this page.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(session_id: str):
        return load_session_user(db.session, session_id)


def _register_blueprints(app: Flask) -> None:
    from marketplace.admin import bp as admin_bp
    from marketplace.api import init_api
    from marketplace.auth import bp as auth_bp
    from marketplace.fund import bp as fund_bp
    from marketplace.investor import bp as investor_bp
    from marketplace.loans import bp as loans_bp
    from marketplace.notifications import bp as notifications_bp
    from marketplace.public import bp as public_bp
    from marketplace.regulator import bp as regulator_bp
    from marketplace.sme import bp as sme_bp
    from marketplace.wallet import bp as wallet_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(sme_bp, url_prefix="/sme")
    app.register_blueprint(investor_bp, url_prefix="/investor")
    app.register_blueprint(fund_bp, url_prefix="/fund")
    app.register_blueprint(regulator_bp, url_prefix="/regulator")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(wallet_bp, url_prefix="/wallet")
    app.register_blueprint(loans_bp, url_prefix="/loans")
    app.register_blueprint(notifications_bp, url_prefix="/notifications")
    init_api(app)


def _register_cli(app: Flask) -> None:
    from marketplace.cli import register_commands

    register_commands(app)
