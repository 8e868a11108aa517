"""Outgoing e-mail through Flask-Mailman, in the recipient's language.

MAIL_BACKEND chooses where messages go: `smtp` (production: MAIL_SERVER, MAIL_PORT, MAIL_USERNAME,
MAIL_PASSWORD, MAIL_USE_TLS, from MAIL_DEFAULT_SENDER), `console` (development: printed on the
server's standard output, links included) or `locmem` (tests: kept in
`app.extensions["mailman"].outbox`).
"""

from __future__ import annotations

import logging
import smtplib

from flask import Flask, render_template
from flask_babel import force_locale, gettext
from flask_mailman import EmailMessage, Mail

from marketplace.domain_errors import N_, DomainError

log = logging.getLogger(__name__)
mail = Mail()


class MailNotSent(DomainError):
    """The mail server did not take the message."""

    code = "mail_not_sent"
    http_status = 503


def init_mail(app: Flask) -> None:
    """Bind Flask-Mailman to the app (the MAIL_* settings)."""
    mail.init_app(app)


def send(to: str, subject: str, body: str) -> None:
    """Hand one plain-text message to the configured backend; MailNotSent when it cannot."""
    try:
        EmailMessage(subject=subject, body=body, to=[to]).send()
    except (smtplib.SMTPException, OSError) as error:  # refused, unreachable, timed out
        log.warning("e-mail not sent: %r", error)
        raise MailNotSent(N_("The e-mail could not be sent; try again later.")) from None


def send_to_user(user, subject: str, template: str, **context) -> None:
    """Send templates/email/`template` to the user: subject (a message id) and body in the
    user's language, whatever language the current page is in."""
    with force_locale(user.locale):
        subject_text = gettext(subject)
        body = render_template(f"email/{template}", user=user, **context)
    send(user.email, subject_text, body)
