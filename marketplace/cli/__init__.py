"""Flask CLI commands; each calls a service, never re-implements one."""

from flask import Flask


def register_commands(app: Flask) -> None:
    """Attach every command group to the app."""
    from marketplace.cli import audit, demo, fund, ledger, listings, payments, scoring, users

    for group in (
        users.group,
        audit.group,
        demo.group,
        scoring.group,
        ledger.group,
        payments.group,
        fund.group,
        listings.group,
    ):
        app.cli.add_command(group)
