"""While the database or Redis cannot be reached, requests answer 503 with a retry hint."""

import pytest
import sqlalchemy as sa

from marketplace.app import create_app
from tests.conftest import base_config

UNREACHABLE_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:1/unreachable"  # nothing listens


@pytest.fixture
def cut_off_app():
    config = base_config(UNREACHABLE_POSTGRES)
    app = create_app({**config, "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}})
    yield app
    with app.app_context():
        from marketplace.extensions import db

        db.engine.dispose()


def test_api_answers_503_with_a_retry_hint_while_the_database_is_down(cut_off_app):
    response = cut_off_app.test_client().get("/api/v1/me", headers={"Authorization": "Bearer abc"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["code"] == "unavailable"


def test_pages_answer_503_in_the_readers_language_while_the_database_is_down(cut_off_app):
    response = cut_off_app.test_client().post(
        "/login", data={"email": "someone@example.com", "password": "whatever-it-is"}
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "暂时无法使用" in response.get_data(as_text=True)


def test_a_database_error_no_retry_can_fix_is_not_disguised_as_unavailable(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'no-tables.sqlite3'}"))  # never migrated
    with pytest.raises(sa.exc.OperationalError, match="no such table"):
        app.test_client().post("/login", data={"email": "a@example.com", "password": "whatever-it-is"})


def test_sign_in_answers_503_while_the_counters_store_is_down(app):
    app.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:1/0"
    from marketplace.throttle import init_throttle

    init_throttle(app)
    response = app.test_client().post(
        "/api/v1/auth/tokens", json={"email": "someone@example.com", "password": "wrong-password-1"}
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"


@pytest.mark.parametrize(
    ("method", "path", "allowed"), [("delete", "/api/v1/me", "GET"), ("put", "/login", "POST")]
)
def test_method_not_allowed_names_the_allowed_methods(client, method, path, allowed):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert allowed in response.headers["Allow"]
