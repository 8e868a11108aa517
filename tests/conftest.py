"""Fixtures: an app per test on a fresh database (SQLite always, PostgreSQL when configured).

SQLite: the schema is migrated once into a template file, copied for each test.
PostgreSQL (TEST_DATABASE_URL): migrated once per run, every table truncated per test.
Tests marked `postgres` skip with a stated reason without TEST_DATABASE_URL, tests marked `redis`
without TEST_REDIS_URL (which also moves every app's throttling counters to Redis), tests marked
`browser` (tests/browser) without Chromium at BROWSER_EXECUTABLE; with REQUIRE_POSTGRES=1 /
REQUIRE_REDIS=1 / REQUIRE_BROWSER=1 (CI) such a skip is an error instead.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient
from flask_migrate import upgrade

from marketplace.app import create_app
from marketplace.extensions import db
from marketplace.models.base import utcnow
from tests.helpers import TEST_PASSWORD, login, make_user

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
# Redis for the throttling counters (CI sets it, as production requires Redis); each app gets
# keys of its own, so counters never leak from one test into the next.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
FAST_ARGON2 = {"ARGON2_MEMORY_KIB": 1024, "ARGON2_TIME_COST": 1, "ARGON2_PARALLELISM": 1}
# The browser journeys (tests/browser) drive Debian's Chromium; Playwright's own download is not used.
BROWSER_EXECUTABLE = os.environ.get("BROWSER_EXECUTABLE", "/usr/bin/chromium")
BROWSER_MISSING = (
    f"browser journeys skipped: Chromium not found at {BROWSER_EXECUTABLE}; "
    "apt-get install chromium fonts-noto-cjk"
)
REQUIRED = (("postgres", "REQUIRE_POSTGRES"), ("redis", "REQUIRE_REDIS"), ("browser", "REQUIRE_BROWSER"))


def browser_available() -> bool:
    """Whether the Chromium the browser journeys launch is installed (an executable file)."""
    return os.path.isfile(BROWSER_EXECUTABLE) and os.access(BROWSER_EXECUTABLE, os.X_OK)


def base_config(database_uri: str) -> dict:
    """Configuration every test app starts from: the product's own defaults, Simplified Chinese
    included (visitors' pages and anonymous API answers are tested in the language users get;
    accounts from `make_user` read English unless a test gives them `locale="zh_CN"`)."""
    return {
        "MARKETPLACE_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": REDIS_URL or "memory://",
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        # E-mail is kept in memory (flask_mailman's outbox), never printed or sent.
        "MAIL_BACKEND": "locmem",
        **FAST_ARGON2,
    }


def pytest_configure(config):
    if os.environ.get("REQUIRE_POSTGRES") == "1" and not POSTGRES_URL:
        raise pytest.UsageError("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
    if os.environ.get("REQUIRE_REDIS") == "1" and not REDIS_URL:
        raise pytest.UsageError("REQUIRE_REDIS=1 but TEST_REDIS_URL is not set")
    if os.environ.get("REQUIRE_BROWSER") == "1" and not browser_available():
        raise pytest.UsageError(f"REQUIRE_BROWSER=1 but {BROWSER_MISSING}")


_skipped_required_tests: list[str] = []


def pytest_runtest_logreport(report):
    if not report.skipped or hasattr(report, "wasxfail"):  # an expected failure ran: not a skip
        return
    for marker, required in REQUIRED:
        if marker in report.keywords and os.environ.get(required) == "1":
            _skipped_required_tests.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """With REQUIRE_POSTGRES=1 / REQUIRE_REDIS=1 / REQUIRE_BROWSER=1 a skipped test of that kind
    fails the run (CI must run them all)."""
    if _skipped_required_tests:
        print(
            "\nRequired PostgreSQL, Redis or browser tests were skipped:",
            *_skipped_required_tests,
            sep="\n  ",
        )
        session.exitstatus = 1


def pytest_collection_modifyitems(config, items):
    for marker, url, reason in (
        ("postgres", POSTGRES_URL, "needs PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://... to run"),
        ("redis", REDIS_URL, "needs Redis: set TEST_REDIS_URL=redis://127.0.0.1:6379/15 to run"),
    ):
        if url:
            continue
        for item in items:
            if marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))
    if not browser_available():
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(pytest.mark.skip(reason=BROWSER_MISSING))


def _migrate(database_uri: str, instance: Path) -> None:
    app = create_app(base_config(database_uri))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> str:
    """URI of a database at the head migration (a template file for SQLite)."""
    if POSTGRES_URL:
        _migrate(POSTGRES_URL, tmp_path_factory.mktemp("instance"))
        return POSTGRES_URL
    template = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _migrate(f"sqlite:///{template}", template.parent)
    return str(template)


@pytest.fixture
def database_uri(migrated_database, tmp_path) -> str:
    """A fresh, migrated, empty database for one test."""
    if POSTGRES_URL:
        return POSTGRES_URL
    copy = tmp_path / f"test-{uuid.uuid4().hex}.sqlite3"
    shutil.copyfile(migrated_database, copy)
    return f"sqlite:///{copy}"


class RequestClient(FlaskClient):
    """Test client that gives every request a clean `g`, as a real server would.

    The fixture keeps one app context open for the whole test (so tests can use db.session);
    without this, values cached in `g` (the signed-in user, the locale) would leak from one
    request into the next.
    """

    def open(self, *args, **kwargs):
        for name in list(vars(g)):
            delattr(g, name)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def model_registry_dir(tmp_path_factory) -> str:
    """A registry whose active model is a small statement model (trained once per run)."""
    from scoring import ModelRegistry
    from tests.scoring.conftest import train_small

    registry = ModelRegistry(tmp_path_factory.mktemp("models"))
    registry.save(train_small(), trained_by="pytest")
    return str(registry.root)


def _activate_test_model(registry_dir: str) -> None:
    """Make the registry's only version the active model, as `flask scoring ensure` would (the
    row only: its audit event would shift every test's audit sequence)."""
    from marketplace.models import CreditModelVersion
    from scoring import ModelRegistry

    (metadata,) = ModelRegistry(Path(registry_dir)).versions()
    db.session.add(
        CreditModelVersion(
            version=metadata["version"],
            artifact_sha256=metadata["artifact_sha256"],
            active=True,
            promoted_at=utcnow(),
            promoted_by="pytest",
        )
    )
    db.session.commit()


@pytest.fixture
def app(database_uri, tmp_path, model_registry_dir):
    """The application under test, bound to a fresh database (uploads go to a tmp dir)."""
    application = create_app(
        {
            **base_config(database_uri),
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "MODEL_REGISTRY_DIR": model_registry_dir,
        }
    )
    application.test_client_class = RequestClient
    with application.app_context():
        if POSTGRES_URL:
            _truncate_all()
        _activate_test_model(model_registry_dir)
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def no_model(app):
    """No credit model active (the app fixture's test model switched off)."""
    from marketplace.models import CreditModelVersion

    db.session.execute(sa.delete(CreditModelVersion))
    db.session.commit()


def _truncate_all() -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def users(app):
    """One account per role, all with TEST_PASSWORD."""
    return {
        role: make_user(role, f"{role}@example.com")
        for role in ("sme", "investor", "fund_manager", "regulator", "admin")
    }


def _role_client(app, users, role):
    test_client = app.test_client()
    login(test_client, users[role].email, TEST_PASSWORD)
    return test_client


@pytest.fixture
def sme_client(app, users):
    return _role_client(app, users, "sme")


@pytest.fixture
def investor_client(app, users):
    return _role_client(app, users, "investor")


@pytest.fixture
def fund_client(app, users):
    return _role_client(app, users, "fund_manager")


@pytest.fixture
def regulator_client(app, users):
    return _role_client(app, users, "regulator")


@pytest.fixture
def admin_client(app, users):
    return _role_client(app, users, "admin")


@pytest.fixture
def ledger_consistent(app):
    """After the test, the ledger check and the audit chain must find nothing wrong (every ledger test)."""
    yield
    from marketplace.services import audit
    from marketplace.services.ledger_check import check

    db.session.rollback()
    report = check(db.session)
    assert report.ok, report.problems
    chain = audit.verify_chain(db.session)
    assert chain.ok, chain
