"""Plain helpers for tests: users, sign-in, API tokens."""

from __future__ import annotations

from flask import current_app

from marketplace.extensions import db
from marketplace.services import users as user_service

TEST_PASSWORD = "Correct-Horse-Battery-42"


def make_user(role: str, email: str, password: str = TEST_PASSWORD, name: str | None = None, locale="en"):
    """Create and commit a user of any role (English interface unless asked otherwise)."""
    user = user_service.create_user(
        db.session,
        current_app.extensions["password_hasher"],
        actor=None,
        email=email,
        password=password,
        role=role,
        name=name or email.split("@")[0],
        locale=locale,
    )
    db.session.commit()
    return user


def login(client, email: str, password: str = TEST_PASSWORD):
    """Sign in through the web form; returns the response (not followed)."""
    return client.post("/login", data={"email": email, "password": password})


def api_token(client, email: str, password: str = TEST_PASSWORD) -> str:
    """A bearer token obtained through the API."""
    response = client.post("/api/v1/auth/tokens", json={"email": email, "password": password})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def bearer(token: str) -> dict:
    """Authorization header for a bearer token."""
    return {"Authorization": f"Bearer {token}"}
