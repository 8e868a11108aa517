"""Both languages render; the choice is remembered; money follows the locale."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, pgettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.app import create_app
from marketplace.extensions import db
from marketplace.i18n import when
from marketplace.models import User
from tests.conftest import base_config
from tests.helpers import login, make_user


def test_default_language_is_simplified_chinese(database_uri):
    config = base_config(database_uri)  # the production default language, as every test app
    app = create_app(config)
    page = app.test_client().get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "登录" in page


@pytest.mark.parametrize(
    ("chosen", "saved", "dashboard"), [(None, "zh_CN", "我的企业"), ("en", "en", "My enterprise")]
)
def test_registration_in_the_default_language_and_in_english(app, chosen, saved, dashboard):
    # `app` gives a clean database (truncated on PostgreSQL); this one speaks the product's default.
    config = base_config(app.config["SQLALCHEMY_DATABASE_URI"])
    chinese_app = create_app(config)
    client = chinese_app.test_client()
    if chosen:
        client.post("/language", data={"locale": chosen, "next": "/register"})
    email = f"new-{saved.lower()}@example.com"
    form = {"email": email, "password": "Correct-Horse-2026", "confirm": "Correct-Horse-2026"}
    response = client.post("/register", data={**form, "name": "新企业", "role": "sme"}, follow_redirects=True)
    assert response.status_code == 200
    assert dashboard in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User.locale).where(User.email == email)) == saved
    with chinese_app.app_context():
        db.engine.dispose()  # its pool's connections, closed now rather than when collected


@pytest.mark.parametrize(("locale", "expected"), [("zh_CN", "我的企业"), ("en", "My enterprise")])
def test_dashboard_renders_in_both_languages(app, locale, expected):
    make_user("sme", "sme@example.com", locale=locale)
    client = app.test_client()
    login(client, "sme@example.com")
    page = client.get("/sme/").get_data(as_text=True)
    assert expected in page


def test_switch_is_remembered_on_the_account(app):
    user = make_user("investor", "inv@example.com", locale="zh_CN")
    client = app.test_client()
    login(client, "inv@example.com")
    response = client.post("/language", data={"locale": "en", "next": "/investor/"})
    assert response.headers["Location"] == "/investor/"
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"
    assert "My investments" in client.get("/investor/").get_data(as_text=True)
    other_device = app.test_client()
    login(other_device, "inv@example.com")
    assert "My investments" in other_device.get("/investor/").get_data(as_text=True)


def test_visitors_switch_is_kept_in_their_session(client):
    client.post("/language", data={"locale": "zh_CN", "next": "/login"})
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_unknown_language_changes_nothing(app):
    user = make_user("sme", "sme@example.com", locale="en")
    client = app.test_client()
    login(client, "sme@example.com")
    client.post("/language", data={"locale": "fr", "next": "/sme/"})
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.locale).where(User.id == user.id)) == "en"


def test_language_switch_ignores_foreign_next(client):
    response = client.post("/language", data={"locale": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_every_page_has_the_language_switch(client):
    for path in ("/", "/login", "/register", "/no-such-page"):
        page = client.get(path).get_data(as_text=True)
        assert 'action="/language"' in page, path


@pytest.mark.parametrize(("locale", "text"), [("zh_CN", "¥12,500.00"), ("en", "CN¥12,500.00")])
def test_money_is_formatted_for_the_locale(app, locale, text):
    from flask_babel import force_locale

    from marketplace.i18n import money

    with app.test_request_context(), force_locale(locale):
        assert money(1_250_000) == text


@pytest.mark.parametrize(("locale", "title"), [("zh_CN", "页面不存在"), ("en", "Page not found")])
def test_error_pages_in_both_languages(client, locale, title):
    client.post("/language", data={"locale": locale, "next": "/"})
    response = client.get("/does-not-exist")
    assert response.status_code == 404
    assert title in response.get_data(as_text=True)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fen=st.integers(-(10**14), 10**14), locale=st.sampled_from(["zh_CN", "en"]))
def test_money_matches_babels_currency_format(app, fen, locale):
    from babel.numbers import format_currency
    from flask_babel import force_locale

    from marketplace.i18n import money
    from marketplace.money import fen_to_decimal

    with app.test_request_context(), force_locale(locale):
        assert money(fen) == format_currency(fen_to_decimal(fen), "CNY", locale=locale)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 5, 2, 19, tzinfo=UTC),  # aware, as the database hands it back
        datetime(2026, 1, 5, 2, 19),  # naive: stored in UTC
        "2026-01-05T02:19:00+00:00",  # model metadata
    ],
)
@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_time_is_shown_in_the_configured_zone(app, moment, locale):
    with app.test_request_context(), force_locale(locale):
        assert "10:19" in when(moment)  # Asia/Shanghai, UTC+8
        assert "UTC" not in when(moment) and when(None) == "—"


def test_pages_format_times_with_the_one_formatter():
    """No template formats a time by hand (strftime) or prints UTC: they use the `when` filter."""
    templates = Path(__file__).resolve().parent.parent / "templates"
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if re.search(r"strftime|datetimeformat|\bUTC\b", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_withdrawing_money_and_withdrawing_an_application_are_different_words(app):
    make_user("investor", "zh-investor@example.com", locale="zh_CN")
    client = app.test_client()
    login(client, "zh-investor@example.com")
    wallet = client.get("/wallet/").get_data(as_text=True)
    assert "提现" in wallet and "撤回" not in wallet
    with app.test_request_context(), force_locale("zh_CN"):
        assert pgettext("application", "Withdraw") == "撤回申请"
