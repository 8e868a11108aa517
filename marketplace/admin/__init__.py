"""The platform admin's area: users and operations."""

from flask import Blueprint

from marketplace.web import guard_blueprint

bp = Blueprint("admin", __name__)
guard_blueprint(bp, "admin")

from marketplace.admin import accounts, fund, listings, payments, routes  # noqa: E402,F401
