"""The account e-mails the site sends: a link to set a new password."""

from flask import current_app, url_for

from marketplace.domain_errors import N_
from marketplace.mail import send_to_user
from marketplace.services import password_resets

RESET_SUBJECT = N_("Set a new password for your Sanhaojie SME Finance account")
# The e-mail's sentences are marked here, not written into templates/email/password_reset.txt:
# babel.cfg extracts messages from .html templates only, and a sentence missing from the
# catalogue would reach a Chinese reader in English.
RESET_TEXT = {
    "greeting": N_("Hello %(name)s,"),
    "asked": N_(
        "Someone, hopefully you, asked to set a new password for the account %(email)s on "
        "Sanhaojie SME Finance. Open this link to choose one:"
    ),
    "sent_by_admin": N_(
        "An administrator of Sanhaojie SME Finance sent you this link to set a new password for "
        "the account %(email)s:"
    ),
    "expiry": N_(
        "The link works once, within %(minutes)s minutes. Setting a new password signs you out "
        "everywhere and revokes your API tokens."
    ),
    "ignore": N_("If you did not ask for this, ignore this e-mail: your password stays as it is."),
}


def reset_link_minutes() -> int:
    """How long a reset link works, in minutes (PASSWORD_RESET_TTL)."""
    return int(current_app.config["PASSWORD_RESET_TTL"].total_seconds() // 60)


def send_password_reset(user, *, by_admin: bool = False) -> None:
    """E-mail the user a single-use link to set a new password (MailNotSent if it cannot go)."""
    token = password_resets.make_token(current_app.config["SECRET_KEY"], user)
    # In production SERVER_NAME (required there) names the host, not the request's Host header.
    link = url_for("auth.reset_password", token=token, _external=True)
    send_to_user(
        user,
        RESET_SUBJECT,
        "password_reset.txt",
        text=RESET_TEXT,
        link=link,
        minutes=reset_link_minutes(),
        by_admin=by_admin,
    )
