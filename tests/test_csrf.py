"""Every HTML form refuses a POST without a valid CSRF token."""

import pytest

from marketplace.app import create_app
from marketplace.extensions import db
from tests.conftest import base_config
from tests.helpers import TEST_PASSWORD, make_user

FORMS = [
    ("/login", {"email": "sme@example.com", "password": TEST_PASSWORD}),
    (
        "/register",
        {
            "role": "sme",
            "name": "x",
            "email": "x@example.com",
            "password": "Sturdy-Password-2026",
            "confirm": "Sturdy-Password-2026",
        },
    ),
    ("/logout", {}),
    ("/language", {"locale": "en"}),
    (
        "/account/password",
        {
            "current_password": TEST_PASSWORD,
            "new_password": "Another-Password-99",
            "confirm": "Another-Password-99",
        },
    ),
    (
        "/admin/users",
        {"role": "regulator", "name": "r", "email": "r@example.com", "password": "Sturdy-Password-2026"},
    ),
]


@pytest.fixture
def csrf_app(database_uri):
    application = create_app({**base_config(database_uri), "WTF_CSRF_ENABLED": True})
    with application.app_context():
        from tests.conftest import POSTGRES_URL, _truncate_all

        if POSTGRES_URL:
            _truncate_all()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(("path", "data"), FORMS)
def test_post_without_csrf_token_is_refused(csrf_app, path, data):
    make_user("admin", "admin@example.com")
    client = csrf_app.test_client()
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True) or "无法处理该请求" in response.get_data(as_text=True)


def test_login_with_csrf_token_works(csrf_app):
    make_user("sme", "sme@example.com")
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"email": "sme@example.com", "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_api_does_not_need_csrf(csrf_app):
    make_user("sme", "sme@example.com")
    response = csrf_app.test_client().post(
        "/api/v1/auth/tokens", json={"email": "sme@example.com", "password": TEST_PASSWORD}
    )
    assert response.status_code == 201
