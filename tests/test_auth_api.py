"""The JSON API's auth: registration, tokens, /me, error shapes."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.app import create_app
from marketplace.extensions import db
from marketplace.models import ApiToken, User
from marketplace.models.base import utcnow
from tests.conftest import base_config
from tests.helpers import TEST_PASSWORD, api_token, bearer, make_user

GOOD = {"email": "buyer@invest.cn", "password": "Sturdy-Password-2026", "role": "investor", "name": "李四"}


def user_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_register_returns_201_with_id_email_role(client):
    response = client.post("/api/v1/auth/register", json=GOOD)
    assert response.status_code == 201
    body = response.get_json()
    assert body == {"id": body["id"], "email": "buyer@invest.cn", "role": "investor"}
    assert "password" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GOOD, "email": ""}, "email"),
        ({**GOOD, "email": "nope"}, "email"),
        ({**GOOD, "email": "x" * 300 + "@a.cn"}, "email"),
        ({**GOOD, "password": "short"}, "password"),
        ({**GOOD, "password": "qwertyuiop"}, "password"),
        ({**GOOD, "password": 12345678901}, "password"),
        ({**GOOD, "role": "admin"}, "role"),
        ({**GOOD, "role": "regulator"}, "role"),
        ({**GOOD, "name": ""}, "name"),
        ({**GOOD, "name": "n" * 101}, "name"),
        ({**GOOD, "is_admin": True}, "is_admin"),
        ({k: v for k, v in GOOD.items() if k != "email"}, "email"),
        ({**GOOD, "locale": "fr"}, "locale"),
    ],
)
def test_bad_registration_is_422_naming_the_field_and_creates_nothing(client, body, field):
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert field in error["fields"], error
    assert user_count() == 0


def test_duplicate_email_is_409(client):
    client.post("/api/v1/auth/register", json=GOOD)
    response = client.post("/api/v1/auth/register", json={**GOOD, "email": "BUYER@invest.cn"})
    assert response.status_code == 409
    assert response.get_json()["error"]["fields"] == {"email": ["该邮箱已注册。"]}  # the default language
    assert user_count() == 1


def test_malformed_json_is_400(client):
    response = client.post(
        "/api/v1/auth/register", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422)
    assert "error" in response.get_json()
    assert user_count() == 0


def test_token_then_me(client, users):
    token = api_token(client, "sme@example.com")
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json() == {
        "id": users["sme"].id,
        "email": "sme@example.com",
        "role": "sme",
        "name": "sme",
        "locale": "en",
    }


def test_token_is_stored_hashed(client, users):
    token = api_token(client, "sme@example.com")
    stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_wrong_password_gives_401_error_shape(client, users):
    response = client.post(
        "/api/v1/auth/tokens", json={"email": "sme@example.com", "password": "nope-nope-nope"}
    )
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "authentication_failed"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic c21lOnB3"},
        {"Authorization": "Bearer " + "x" * 500},
    ],
)
def test_me_without_valid_token_is_401(client, users, headers):
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_session_cookie_does_not_authenticate_the_api(sme_client):
    assert sme_client.get("/api/v1/me").status_code == 401


def test_expired_token_is_refused(client, users):
    token = api_token(client, "sme@example.com")
    record = db.session.scalar(sa.select(ApiToken))
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_token_can_be_revoked(client, users):
    token = api_token(client, "sme@example.com")
    response = client.delete("/api/v1/auth/tokens/current", headers=bearer(token))
    assert response.status_code == 200 and response.get_json()["revoked"] is True
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_revoke_by_id_only_for_own_tokens(client, users):
    mine = api_token(client, "sme@example.com")
    theirs = api_token(client, "investor@example.com")
    their_id = db.session.scalar(sa.select(ApiToken.id).where(ApiToken.user_id == users["investor"].id))
    assert client.delete(f"/api/v1/auth/tokens/{their_id}", headers=bearer(mine)).status_code == 404
    assert client.get("/api/v1/me", headers=bearer(theirs)).status_code == 200
    assert client.delete(f"/api/v1/auth/tokens/{their_id}", headers=bearer(theirs)).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(theirs)).status_code == 401


def test_password_change_revokes_tokens(client, users):
    from flask import current_app

    from marketplace.services import users as user_service

    token = api_token(client, "sme@example.com")
    user_service.change_password(
        db.session,
        current_app.extensions["password_hasher"],
        users["sme"],
        current=TEST_PASSWORD,
        new="Brand-New-Password-7",
    )
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_token_requests_are_rate_limited_after_ten_failures(client, users):
    for _ in range(10):
        r = client.post("/api/v1/auth/tokens", json={"email": "sme@example.com", "password": "Wrong-Wrong-1"})
        assert r.status_code == 401
    response = client.post(
        "/api/v1/auth/tokens", json={"email": "sme@example.com", "password": TEST_PASSWORD}
    )
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"


def test_token_request_bad_input(client, users):
    assert client.post("/api/v1/auth/tokens", json={"email": "sme@example.com"}).status_code == 422
    r = client.post("/api/v1/auth/tokens", json={"email": "sme@example.com", "password": "x", "extra": 1})
    assert r.status_code == 422 and "extra" in r.get_json()["error"]["fields"]


def test_inactive_user_token_stops_working(client, users):
    token = api_token(client, "sme@example.com")
    users["sme"].is_active_account = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_wrong_method_is_json_405(client):
    response = client.get("/api/v1/auth/register")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_created_user_can_get_a_token(client):
    make_user("fund_manager", "fm@example.com")
    assert api_token(client, "fm@example.com")


@pytest.mark.redis
def test_failed_sign_ins_are_counted_across_worker_processes(app, users):
    """Two apps sharing one Redis stand for two gunicorn workers: the tenth failure on one
    blocks the next attempt on the other (per-process memory counters would allow 4 x 10)."""
    other_worker = create_app(
        {
            **base_config(app.config["SQLALCHEMY_DATABASE_URI"]),
            "RATELIMIT_KEY_PREFIX": app.config["RATELIMIT_KEY_PREFIX"],  # the same Redis keys
        }
    )
    wrong = {"email": "sme@example.com", "password": "Wrong-Wrong-1"}
    with other_worker.app_context():
        for _ in range(10):
            assert other_worker.test_client().post("/api/v1/auth/tokens", json=wrong).status_code == 401
        db.session.remove()
        db.engine.dispose()
    right = {"email": "sme@example.com", "password": TEST_PASSWORD}
    assert app.test_client().post("/api/v1/auth/tokens", json=right).status_code == 429
