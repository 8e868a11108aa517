"""flask demo seed: one account per role so a new user can click through the site."""

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.services import users

group = AppGroup("demo", help="Demonstration data.")

DEMO_PASSWORD = "Demo-Password-2026"  # noqa: S105 - printed on purpose, demo accounts only
DEMO_ACCOUNTS = (
    ("sme", "sme@demo.sanhaojie.cn", "星河智能制造有限公司"),
    ("investor", "investor@demo.sanhaojie.cn", "王晓明"),
    ("fund_manager", "fund@demo.sanhaojie.cn", "智慧城市基金 李经理"),
    ("regulator", "regulator@demo.sanhaojie.cn", "区金融监管局 张科长"),
    ("admin", "admin@demo.sanhaojie.cn", "平台管理员"),
)


@group.command("seed")
def seed() -> None:
    """Create the demo accounts (skipping any that exist) and print how to sign in."""
    hasher = current_app.extensions["password_hasher"]
    for role, email, name in DEMO_ACCOUNTS:
        if users.find_by_email(db.session, email) is None:
            users.create_user(
                db.session, hasher, actor=None, email=email, password=DEMO_PASSWORD,
                role=role, name=name,
            )
    db.session.commit()
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD})")
    for role, email, _name in DEMO_ACCOUNTS:
        click.echo(f"  {role:<13} {email}")
