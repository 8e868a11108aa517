"""The wallet pages of SMEs and investors: balance, deposit, withdraw, statement."""

from flask import Blueprint

from marketplace.rules.accounts import WALLET_ROLES
from marketplace.web import guard_blueprint

bp = Blueprint("wallet", __name__)
guard_blueprint(bp, *WALLET_ROLES)

from marketplace.wallet import routes  # noqa: E402,F401
