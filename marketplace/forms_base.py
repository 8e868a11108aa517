"""The base of every WTForms form: each text field obeys the text rule of marketplace.rules.text.

Every field that holds typed text (StringField and its kinds: text areas, passwords, hidden
fields, e-mail fields) is checked before the form counts as valid, whatever validators its form
declares, so a new field cannot forget it. Text areas may hold line breaks and tabs; the others
may not. A refused character is a field error naming it (shown next to the field, 422).

Whole-number fields read ASCII or full-width digits only, as amounts do (marketplace.money):
WTForms' IntegerField would read "٣" as 3.
"""

from __future__ import annotations

import re

from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import ValidationError

from marketplace.rules.text import text_problem


def _text_rule(form, field) -> None:
    if isinstance(field.data, str):
        problem = text_problem(field.data, multiline=isinstance(field, TextAreaField))
        if problem is not None:
            raise ValidationError(problem.render(gettext))


_WHOLE_NUMBER = re.compile(r"\s*[+-]?[0-9\uff10-\uff19]{1,18}\s*")


def _digits_rule(form, field) -> None:
    raw = field.raw_data[0] if field.raw_data else ""
    if raw and not field.process_errors and not _WHOLE_NUMBER.fullmatch(raw):
        raise ValidationError(field.gettext("Not a valid integer value."))


class CheckedForm(FlaskForm):
    """FlaskForm whose text fields refuse control, bidi-override and surrogate characters."""

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(rules) for name, rules in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if isinstance(field, StringField):
                extra.setdefault(name, []).append(_text_rule)
            elif isinstance(field, IntegerField):
                extra.setdefault(name, []).append(_digits_rule)
        return super().validate(extra_validators=extra)
