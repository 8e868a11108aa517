"""The role matrix: every role against every guarded page and endpoint."""

import pytest

from tests.helpers import api_token, bearer

ROLES = ("sme", "investor", "fund_manager", "regulator", "admin")
PAGES = {
    "/sme/": "sme",
    "/investor/": "investor",
    "/fund/": "fund_manager",
    "/regulator/": "regulator",
    "/regulator/audit": "regulator",
    "/admin/": "admin",
    "/admin/users": "admin",
}
API = {
    "/api/v1/regulator/audit/verify": "regulator",
}
DASHBOARD = {
    "sme": "/sme/",
    "investor": "/investor/",
    "fund_manager": "/fund/",
    "regulator": "/regulator/",
    "admin": "/admin/",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("path", "owner"), PAGES.items())
def test_pages_allow_only_their_role(app, users, role, path, owner):
    from tests.helpers import login

    client = app.test_client()
    login(client, users[role].email)
    response = client.get(path)
    if role == owner:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "Access denied" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", PAGES)
def test_pages_redirect_anonymous_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("path", "owner"), API.items())
def test_api_allows_only_its_role(client, users, role, path, owner):
    token = api_token(client, users[role].email)
    response = client.get(path, headers=bearer(token))
    if role == owner:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("path", [*API, "/api/v1/me"])
def test_api_without_token_is_401(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lands_on_its_dashboard(app, users, role):
    from tests.helpers import login

    client = app.test_client()
    response = login(client, users[role].email)
    assert response.headers["Location"] == DASHBOARD[role]
    page = client.get(DASHBOARD[role])
    assert page.status_code == 200
    assert users[role].name in page.get_data(as_text=True)
    # signed-in users visiting the home page go to their dashboard too
    assert client.get("/").headers["Location"] == DASHBOARD[role]


def test_admin_creates_a_fund_manager(admin_client):
    response = admin_client.post(
        "/admin/users",
        data={
            "role": "fund_manager",
            "name": "基金经理",
            "email": "fm2@example.com",
            "password": "Sturdy-Password-2026",
        },
    )
    assert response.status_code == 302
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "fm2@example.com" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"role": "fund_manager", "name": "x", "email": "bad", "password": "Sturdy-Password-2026"},
            "Invalid email",
        ),
        (
            {"role": "root", "name": "x", "email": "r@example.com", "password": "Sturdy-Password-2026"},
            "Not a valid choice",
        ),
        ({"role": "regulator", "name": "x", "email": "r@example.com", "password": "short"}, "at least 10"),
        (
            {"role": "regulator", "name": "", "email": "r@example.com", "password": "Sturdy-Password-2026"},
            "required",
        ),
        (
            {
                "role": "regulator",
                "name": "x",
                "email": "sme@example.com",
                "password": "Sturdy-Password-2026",
            },
            "already exists",
        ),
    ],
)
def test_admin_user_form_bad_input(admin_client, data, message):
    from marketplace.extensions import db
    from marketplace.models import User

    before = db.session.query(User).count()
    response = admin_client.post("/admin/users", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.query(User).count() == before


def test_non_admin_cannot_create_accounts(sme_client):
    response = sme_client.post(
        "/admin/users",
        data={"role": "admin", "name": "x", "email": "x@example.com", "password": "Sturdy-Password-2026"},
    )
    assert response.status_code == 403


def test_service_refuses_non_admin_actor(app, users):
    from flask import current_app

    from marketplace.domain_errors import NotAllowed
    from marketplace.extensions import db
    from marketplace.services import users as user_service

    with pytest.raises(NotAllowed):
        user_service.create_user(
            db.session,
            current_app.extensions["password_hasher"],
            actor=users["fund_manager"],
            email="new@example.com",
            password="Sturdy-Password-2026",
            role="admin",
            name="x",
        )
