"""The wallet pages of SMEs and investors: balance, deposit, withdraw, statement."""

from flask import Blueprint

from marketplace.web import guard_blueprint

bp = Blueprint("wallet", __name__)
guard_blueprint(bp, "sme", "investor")

from marketplace.wallet import routes  # noqa: E402,F401
