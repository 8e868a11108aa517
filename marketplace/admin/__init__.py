"""The platform admin's area: users and operations."""

from flask import Blueprint

from marketplace.web import guard_blueprint

bp = Blueprint("admin", __name__)
guard_blueprint(bp, "admin")

from marketplace.admin import accounts, fund, payments, routes  # noqa: E402,F401
from marketplace.admin import listings  # noqa: E402,F401  (open listings, close now)
