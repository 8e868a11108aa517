"""flask users create --role ROLE --email E [--name N] [--password P]."""

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.domain_errors import DomainError
from marketplace.extensions import db
from marketplace.models import ROLES
from marketplace.services import unit_of_work, users

group = AppGroup("users", help="Manage accounts.")


@group.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--email", required=True)
@click.option("--name", default=None, help="Display name (defaults to the email's name).")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked for when not given; pass it, or set MARKETPLACE_NEW_PASSWORD, only in scripts.",
    envvar="MARKETPLACE_NEW_PASSWORD",
)
def create(role: str, email: str, name: str | None, password: str) -> None:
    """Create an account of any role (audited as done by the command line)."""
    try:
        user = unit_of_work.run(
            db.session,
            lambda: users.create_user(
                db.session,
                current_app.extensions["password_hasher"],
                actor=None,
                email=email,
                password=password,
                role=role,
                name=name or email.split("@")[0],
            ),
        )
    except DomainError as error:
        message, fields = error.render()
        details = "; ".join(m for msgs in fields.values() for m in msgs) or message
        raise click.ClickException(details) from None
    click.echo(f"created {user.role} {user.email} (id {user.id})")
