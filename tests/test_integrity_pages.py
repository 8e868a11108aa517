"""The regulator's and the admin's pages show stored integrity results and never scan on a view."""

from datetime import UTC, datetime

import pytest
from babel.dates import format_datetime

from marketplace.app import create_app
from marketplace.extensions import db
from marketplace.models import IntegrityCheckpoint
from marketplace.services import audit, integrity, ledger_check
from tests.conftest import POSTGRES_URL, RequestClient, _truncate_all, base_config
from tests.helpers import login, make_user

AUDIT_PAGES = ("/regulator/", "/regulator/audit")
LONG_AGO = datetime(2021, 3, 4, 1, 2, tzinfo=UTC)


@pytest.fixture
def no_scans(monkeypatch):
    """Any verification or check fails the request: a page view must only read stored results."""

    def scan(*args, **kwargs):
        raise AssertionError("a page view ran an integrity scan")

    for module, name in (
        (audit, "verify_chain"),
        (audit, "verify_chain_after"),
        (ledger_check, "check"),
        (ledger_check, "check_after"),
    ):
        monkeypatch.setattr(module, name, scan)


def shown_time(app, moment: datetime, locale="en") -> str:
    """How the pages write a time: short, in the configured zone."""
    return format_datetime(moment, "short", tzinfo=app.config["BABEL_DEFAULT_TIMEZONE"], locale=locale)


def store(check_name, **fields):
    db.session.add(
        IntegrityCheckpoint(
            check_name=check_name, mode="full", actor="system", source="cli", checked_at=LONG_AGO, **fields
        )
    )
    db.session.commit()


def test_pages_say_never_verified_without_scanning(regulator_client, admin_client, no_scans):
    for path in AUDIT_PAGES:
        page = regulator_client.get(path).get_data(as_text=True)
        assert "The audit chain has never been verified." in page and "Verify now" in page
    page = admin_client.get("/admin/payments").get_data(as_text=True)
    assert "The ledger has never been checked." in page and "Check now" in page


def test_pages_show_the_stored_result_and_its_time_without_scanning(
    app, regulator_client, admin_client, no_scans
):
    store("audit_chain", ok=True, last_id=5, last_hash="a" * 64, covered=5, rows_read=5)
    store("ledger", ok=True, last_id=3, last_entry_id=6, covered=3, entries=6, accounts=4, rows_read=3)
    when = shown_time(app, LONG_AGO)
    for path in AUDIT_PAGES:
        page = regulator_client.get(path).get_data(as_text=True)
        assert "Audit chain intact: 5 events verified." in page
        assert f"Verified {when} (full check) by the command line." in page
    page = admin_client.get("/admin/payments").get_data(as_text=True)
    assert "Ledger consistent: 3 transactions, 4 accounts." in page
    assert f"Checked {when} (full check) by the command line." in page


def test_pages_show_a_stored_break_and_stored_problems(regulator_client, admin_client, no_scans):
    store(
        "audit_chain",
        ok=False,
        last_id=6,
        last_hash="a" * 64,
        first_broken_seq=7,
        covered=7,
        problems=["event content does not match its hash"],
        problem_count=1,
    )
    store(
        "ledger",
        ok=False,
        covered=3,
        accounts=4,
        problems=["account 2 (wallet): negative balance -1.00"],
        problem_count=1,
    )
    assert "Audit chain broken at event 7 (7 events read)." in regulator_client.get("/regulator/").get_data(
        as_text=True
    )
    page = admin_client.get("/admin/payments").get_data(as_text=True)
    assert "The ledger check found 1 problems:" in page and "negative balance -1.00" in page


def test_the_verify_button_runs_from_the_checkpoint_and_the_page_shows_the_new_time(
    app, regulator_client, users
):
    integrity.verify_audit_chain(db.session, actor=None, source="cli", full=True)
    db.session.commit()
    old = integrity.latest(db.session, "audit_chain")
    response = regulator_client.post("/regulator/audit/verify", data={"next": "/regulator/audit?page=1"})
    assert response.status_code == 302 and response.headers["Location"] == "/regulator/audit?page=1"
    new = integrity.latest(db.session, "audit_chain")
    assert new.id != old.id and (new.mode, new.source, new.actor) == (
        "incremental",
        "web",
        users["regulator"].email,
    )
    assert new.ok and new.rows_read == new.covered - old.covered
    page = regulator_client.get("/regulator/").get_data(as_text=True)
    assert (
        f"Verified {shown_time(app, new.checked_at)} (from the previous checkpoint) by regulator@example.com."
        in page
    )
    assert f"Audit chain intact: {new.covered} events verified." in page


def test_the_verify_button_does_not_redirect_elsewhere(regulator_client):
    response = regulator_client.post("/regulator/audit/verify", data={"next": "https://example.com/"})
    assert response.headers["Location"] == "/regulator/"


def test_the_ledger_button_checks_and_the_page_shows_the_result(app, admin_client, users):
    store("ledger", ok=True, last_id=0, last_entry_id=0, covered=0, entries=0, accounts=0)
    response = admin_client.post("/admin/payments/ledger-check")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/payments"
    new = integrity.latest(db.session, "ledger")
    assert (new.mode, new.source, new.actor, new.ok) == ("incremental", "web", "admin@example.com", True)
    page = admin_client.get("/admin/payments").get_data(as_text=True)
    assert (
        f"Checked {shown_time(app, new.checked_at)} (from the previous checkpoint) by admin@example.com."
        in page
    )
    assert shown_time(app, LONG_AGO) not in page


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/regulator/audit/verify", "admin"),
        ("/regulator/audit/verify", "investor"),
        ("/admin/payments/ledger-check", "regulator"),
        ("/admin/payments/ledger-check", "sme"),
    ],
)
def test_other_roles_cannot_press_the_buttons(app, users, path, role):
    client = app.test_client()
    login(client, f"{role}@example.com")
    assert client.post(path).status_code == 403
    assert (
        integrity.latest(db.session, "audit_chain") is None and integrity.latest(db.session, "ledger") is None
    )


@pytest.mark.parametrize(
    ("role", "path", "before", "after"),
    [
        ("regulator", "/regulator/", "审计链尚未验证过。", "审计链完整"),
        ("admin", "/admin/payments", "账本尚未检查过。", "账本一致"),
    ],
)
def test_the_results_are_translated(app, role, path, before, after):
    make_user(role, f"{role}@example.com", locale="zh_CN")
    client = app.test_client()
    login(client, f"{role}@example.com")
    page = client.get(path).get_data(as_text=True)
    assert before in page and ("立即验证" in page or "立即检查" in page)
    button = "/regulator/audit/verify" if role == "regulator" else "/admin/payments/ledger-check"
    client.post(button, data={"next": path})
    checkpoint = integrity.latest(db.session, "audit_chain" if role == "regulator" else "ledger")
    page = client.get(path).get_data(as_text=True)
    assert after in page
    assert f"于 {shown_time(app, checkpoint.checked_at, 'zh_CN')}" in page and "完整检查" in page


@pytest.fixture
def csrf_app(database_uri):
    application = create_app({**base_config(database_uri), "WTF_CSRF_ENABLED": True})
    application.test_client_class = RequestClient  # the CSRF token is cached in `g` per request
    with application.app_context():
        if POSTGRES_URL:
            _truncate_all()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(
    ("role", "path", "button"),
    [
        ("regulator", "/regulator/", "/regulator/audit/verify"),
        ("admin", "/admin/payments", "/admin/payments/ledger-check"),
    ],
)
def test_the_buttons_need_a_csrf_token(csrf_app, role, path, button):
    make_user(role, f"{role}@example.com")
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/login",
        data={"email": f"{role}@example.com", "password": "Correct-Horse-Battery-42", "csrf_token": token},
    )
    assert client.post(button).status_code == 400
    page = client.get(path).get_data(as_text=True)
    token = page.split(f'action="{button}">')[1].split('value="')[1].split('"')[0]
    assert client.post(button, data={"csrf_token": token}).status_code == 302
