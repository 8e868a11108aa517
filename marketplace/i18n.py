"""Language selection and locale-aware formatting for the pages."""

from __future__ import annotations

import functools
from datetime import datetime

from babel import Locale
from flask import current_app, g, session
from flask_babel import format_datetime, format_decimal, get_locale, gettext, lazy_gettext
from flask_login import current_user

from marketplace.models.base import as_utc
from marketplace.money import fen_to_decimal, format_rate

LANGUAGE_NAMES = {"zh_CN": "简体中文", "en": "English"}  # each in its own language, never translated
# Babel reads "zh_CN" as zh_Hans_CN, so the Chinese catalogue lives in translations/zh_Hans_CN.


def select_locale() -> str:
    """Signed-in users get their saved language; visitors their session choice; else Chinese."""
    api_user = g.get("api_user")
    if api_user is not None:  # JSON API: the bearer token's account decides
        return api_user.locale
    if current_user and current_user.is_authenticated:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def lazy_labels(names: dict[str, str]) -> dict[str, object]:
    """A vocabulary's names (message ids marked with N_) translated when shown on a page."""
    return {code: lazy_gettext(name) for code, name in names.items()}


def current_language() -> str:
    """The interface language as one of the app's codes ("zh_CN" or "en")."""
    return "zh_CN" if get_locale().language == "zh" else "en"


def money(fen: int | None) -> str:
    """Fen shown as CNY in the current locale ("¥12,500.00" / "CN¥12,500.00")."""
    if fen is None:
        return "—"
    # Both interface languages group by thousands with "," and use "." for decimals (CLDR), so
    # only the symbol differs; Babel's pattern engine costs ~0.1 ms a call on long lists.
    sign = "-" if fen < 0 else ""
    return f"{sign}{_cny_symbol(str(get_locale()))}{fen_to_decimal(abs(fen)):,.2f}"


@functools.cache
def _cny_symbol(locale: str) -> str:
    return Locale.parse(locale).currency_symbols.get("CNY", "¥")


def translated(labels: dict) -> dict[str, str]:
    """A vocabulary's labels in the current language, translated once for a whole page."""
    return {code: str(label) for code, label in labels.items()}


def rate(bps: int | None) -> str:
    """Basis points shown as an annual percentage."""
    return "—" if bps is None else format_rate(bps)


def number(value) -> str:
    """A number with the locale's grouping."""
    return "—" if value is None else format_decimal(value)


def when(value: datetime | str | None, format: str = "short") -> str:
    """A moment in the configured time zone (MARKETPLACE_TIMEZONE) and the reader's language;
    the one formatter for times on every page. Accepts datetimes (naive ones are UTC, as the
    database stores them) and ISO 8601 strings (model metadata)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return format_datetime(as_utc(value), format)


def stored_message(text: str | None) -> str:
    """A payment's stored failure code or history note in the reader's language: the sentence
    marketplace.rules.provider_messages gives for the code (an unknown code is named in a
    generic sentence); a provider's own words are never shown."""
    from marketplace.domain_errors import Message
    from marketplace.rules.provider_messages import describe  # the one table of payment failures

    message = describe(text)
    if message is None:
        return ""
    return message.render(gettext) if isinstance(message, Message) else gettext(message)


def install_template_helpers(app) -> None:
    """Expose formatting helpers and language names to every template."""
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["stored_message"] = stored_message
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["rate"] = rate
    app.jinja_env.filters["number"] = number
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["current_language"] = current_language
