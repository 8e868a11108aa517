"""Sign-in, sign-out, registration, password change and language switch (HTML)."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from marketplace.auth import routes  # noqa: E402,F401
