"""Wallet forms; amounts are checked by the same rule as the API (services.payments.parse_amount)."""

import uuid

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from marketplace.domain_errors import ValidationFailed
from marketplace.forms_base import CheckedForm
from marketplace.services import payments
from marketplace.web import translate_error


def _amount_rule(form, field):
    try:
        field.fen = payments.parse_amount(field.data, limit=current_app.config["MAX_TRANSACTION_FEN"])
    except ValidationFailed as error:
        raise ValidationError(translate_error(error)[1]["amount"][0]) from None


class MoneyForm(CheckedForm):
    """An amount in yuan and a one-time key: submitting the same form twice moves money once."""

    amount = StringField(_l("Amount (yuan)"), validators=[DataRequired(), Length(max=32), _amount_rule])
    idempotency_key = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted() or not self.idempotency_key.data:
            self.idempotency_key.data = uuid.uuid4().hex

    def renew_key(self) -> None:
        """A fresh key for the next, different request shown on the same page."""
        self.idempotency_key.data = uuid.uuid4().hex


class DepositForm(MoneyForm):
    submit = SubmitField(_l("Deposit"))


class WithdrawForm(MoneyForm):
    submit = SubmitField(lazy_pgettext("money", "Withdraw"))  # 提现, not 撤回


class StatementFilterForm(CheckedForm):
    """Date range of the statement (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    start = StringField(_l("From"), validators=[Optional(), Regexp(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")])
    end = StringField(_l("To"), validators=[Optional(), Regexp(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")])
