"""Browser journeys: Chromium drives the real app through its pages, in Chinese and in English.

Each test gets the app served by werkzeug on 127.0.0.1 (a free port, a thread) over a fresh migrated
database (a SQLite copy, or TEST_DATABASE_URL's PostgreSQL truncated), with CSRF on, the sandbox
gateway and the session's trained test model active; one Chromium per session, a new context per
test (1280×800, or 390×844 for a test that parametrizes `viewport` with MOBILE).

How to write a journey (a later feature's, e.g. the auction or servicing):

- A file `tests/browser/test_<role>_journey.py` with `pytestmark = pytest.mark.browser`, and a test
  taking `site` (a `tests.browser.site.Site`). It runs once per language (`lang` is "zh_CN", the
  default a visitor sees, and "en", reached through the language switcher). A test may override
  `lang` and `viewport` with `@pytest.mark.parametrize(("lang", "viewport"), [("zh_CN", MOBILE)])`.
- Seed only what the journey does not do itself: `live_server.user(role, email)` for accounts
  only an admin gives (Chinese interface unless told), `live_server.api(email)` for an SME's data
  through the JSON API (tests/app_helpers.py has valid payloads).
- Act like a user: `site.start()` (the home page, language switched for "en"), `site.sign_in`,
  `site.nav(site.t("Wallet"))`, Playwright's `get_by_role` / `get_by_label` with `site.t(msgid)`
  (the app's own catalogue in the journey's language), clicks and fills. No sleeps: `expect()`
  waits.
- After each page the journey reaches, assert what it shows (texts, amounts with `site.money`,
  statuses), then call `site.check()`: it runs axe-core (serious or critical violations fail,
  naming rule, impact and element). A page loaded but never checked fails the test at its end,
  as does any exception the server raised. `site.check("name")` also saves
  docs/screenshots/name-<zh|en>.png when SCREENSHOTS is set (`make screenshots`); keep those few.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import got_request_exception
from werkzeug.serving import WSGIRequestHandler, make_server

from marketplace.app import create_app
from marketplace.extensions import db
from tests.app_helpers import ApiUser
from tests.browser.site import DESKTOP, Site
from tests.conftest import (
    BROWSER_EXECUTABLE,
    POSTGRES_URL,
    _activate_test_model,
    _truncate_all,
    base_config,
)
from tests.helpers import make_user

CALL_PASSED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember whether the test's body passed (the unchecked-pages check only follows a pass)."""
    report = yield
    if report.when == "call":
        item.stash[CALL_PASSED] = report.passed
    return report


class _QuietHandler(WSGIRequestHandler):
    """Request logging off (the journeys make hundreds of requests); errors are still logged."""

    def log_request(self, *args, **kwargs) -> None:
        pass


class LiveServer:
    """The app served over HTTP in a thread, with helpers that seed its database directly."""

    def __init__(self, app):
        self.app = app
        self.errors: list[BaseException] = []
        got_request_exception.connect(self._record_error, app, weak=False)
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-server", daemon=True)

    def _record_error(self, sender, exception, **extra) -> None:
        self.errors.append(exception)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @contextmanager
    def database(self) -> Iterator[None]:
        """An app context for direct database work; the session ends with it (SQLite takes the
        write lock at BEGIN, so an open session here would stall the server)."""
        with self.app.app_context():
            try:
                yield
            finally:
                db.session.remove()

    def user(self, role: str, email: str, name: str | None = None, locale: str = "zh_CN"):
        """An account as an admin would make it (Chinese interface unless told), with TEST_PASSWORD."""
        with self.database():
            user = make_user(role, email, name=name, locale=locale)
            return user.id

    def api(self, email: str) -> ApiUser:
        """A JSON API client signed in as `email` (for seeding what a journey does not do itself)."""
        return ApiUser(self.app.test_client(), email)


@pytest.fixture
def live_server(database_uri, tmp_path, model_registry_dir) -> Iterator[LiveServer]:
    """The real app on 127.0.0.1 (a free port) over a fresh database: CSRF on, sandbox gateway,
    the session's trained test model active."""
    app = create_app(
        {
            **base_config(database_uri),
            "WTF_CSRF_ENABLED": True,
            "PAYMENT_GATEWAY": "sandbox",
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "MODEL_REGISTRY_DIR": model_registry_dir,
        }
    )
    with app.app_context():
        if POSTGRES_URL:
            _truncate_all()
        _activate_test_model(model_registry_dir)
        db.session.remove()
    server = LiveServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        with app.app_context():
            db.engine.dispose()
    assert not server.errors, f"the server raised: {server.errors!r}"


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run (Debian's; Playwright's download is not used)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=BROWSER_EXECUTABLE)
        yield chromium
        chromium.close()


@pytest.fixture(params=["zh_CN", "en"], ids=["zh", "en"])
def lang(request) -> str:
    """The journey's interface language: Chinese (a visitor's default) or English (switched to)."""
    return request.param


@pytest.fixture
def viewport() -> dict:
    """The window size (a test parametrizes it with MOBILE for the 390 px run)."""
    return DESKTOP


@pytest.fixture
def site(request, browser, live_server, lang, viewport) -> Iterator[Site]:
    """A fresh browser context on the live server, and the journey helper around its page."""
    context = browser.new_context(
        viewport=viewport,
        locale="zh-CN" if lang == "zh_CN" else "en-GB",
        timezone_id="Asia/Shanghai",
        accept_downloads=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    journey = Site(page, live_server.url, lang, viewport, screenshots=os.environ.get("SCREENSHOTS", ""))
    try:
        yield journey
        if request.node.stash.get(CALL_PASSED, False):  # after a failure, that failure says it all
            journey.assert_every_page_checked()
    finally:
        context.close()
