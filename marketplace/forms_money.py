"""WTForms fields shared by the money forms."""

from __future__ import annotations

from flask_babel import gettext
from wtforms import StringField

from marketplace.money import MoneyError, format_yuan_grouped, parse_yuan


class YuanField(StringField):
    """A yuan amount typed as a decimal ("12500.00"); `data` is integer fen (None when empty)."""

    def __init__(self, *args, allow_negative: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_negative = allow_negative

    def process_formdata(self, valuelist):
        self.raw_text = valuelist[0] if valuelist else ""
        if not self.raw_text.strip():
            self.data = None
            return
        try:
            self.data = parse_yuan(self.raw_text, allow_negative=self.allow_negative)
        except MoneyError as error:
            self.data = None
            raise ValueError(gettext(str(error))) from error

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_yuan_grouped(self.data) if isinstance(self.data, int) else ""
