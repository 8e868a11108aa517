"""flask fund deposit --amount YUAN: the smart-city fund's capital, through the payment gateway."""

import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from marketplace.domain_errors import DomainError
from marketplace.extensions import db
from marketplace.gateways import gateway
from marketplace.models import User
from marketplace.money import format_yuan
from marketplace.services import fund, ledger, payment_flows, payments, unit_of_work, users

group = AppGroup("fund", help="The smart-city fund.")


def _admin(email: str | None) -> User:
    """The named admin, or the first active admin account when none is named."""
    if email:
        user = users.find_by_email(db.session, email)
    else:
        user = db.session.scalar(
            sa.select(User).where(User.role == "admin", User.is_active_account).order_by(User.id).limit(1)
        )
    if user is None or user.role != "admin" or not user.is_active_account:
        raise click.ClickException("an active admin account is needed (--admin EMAIL)")
    return user


@group.command("deposit")
@click.option("--amount", required=True, help="Yuan, such as 5000000.00.")
@click.option(
    "--admin", "email", default=None, help="The admin making the deposit (default: the first admin)."
)
@click.option("--key", default=None, help="An idempotency key: the same key deposits once.")
def deposit(amount: str, email: str | None, key: str | None) -> None:
    """Deposit capital into the fund's pool through the payment gateway (credited when it settles)."""
    try:
        fen = payments.parse_amount(amount, limit=fund.MAX_DEPOSIT_FEN)
        outcome = payment_flows.fund_deposit(
            db.session, gateway(), _admin(email), fen, limit=fund.MAX_DEPOSIT_FEN, idempotency_key=key
        )
    except DomainError as error:
        click.echo(f"refused: {error.render(lambda text: text)[0]}", err=True)
        sys.exit(1)
    payment = outcome.payment
    pool = ledger.balances(db.session, fund.FUND)["pool"]
    unit_of_work.end_read(db.session)
    click.echo(
        f"payment {payment.id}: deposit of {format_yuan(payment.amount)} yuan {payment.status}"
        f"{'' if outcome.created else ' (already made with this key)'}; fund pool {format_yuan(pool)} yuan"
    )
    if payment.status == "failed":
        sys.exit(1)
