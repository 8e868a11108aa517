"""Money at the edges: yuan strings <-> integer fen, and basis-point rates.

Inside the system amounts are integer fen (1/100 CNY) and rates integer basis points
(1250 = 12.50 % a year). Only forms, JSON and display see yuan, as decimal strings.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from marketplace.domain_errors import N_
from marketplace.rules.limits import MAX_RATE_BPS

FEN_PER_YUAN = 100
BPS_PER_UNIT = 10_000
# Nothing on this platform comes near ¥10 billion; larger figures are typing mistakes.
MAX_ABS_FEN = 10_000_000_000 * FEN_PER_YUAN

# ASCII digits only: `\d` would also match "٣" or "१", which int() reads as numbers.
_YUAN_PATTERN = re.compile(r"(?P<sign>-)?(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]{1,2}))?")
_TOO_PRECISE = re.compile(r"-?[0-9]+\.[0-9]{3,}")
# Commas are accepted only as thousands separators ("1,250,000.00"); "1,50" is refused rather
# than read as 150 (some users write a decimal comma).
_GROUPED_PATTERN = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
# Chinese input methods type full-width digits, full stop, comma and minus ("１００．００"):
# these alone are read as their ASCII forms (their NFKC normalisation); every other script's
# digits stay refused.
_FULL_WIDTH = {
    code: unicodedata.normalize("NFKC", chr(code))
    for code in (*range(0xFF10, 0xFF1A), 0xFF0C, 0xFF0D, 0xFF0E)
}


class MoneyError(ValueError):
    """An amount or rate that cannot be accepted; the message says why."""


def parse_yuan(value: object, *, allow_negative: bool = False, allow_zero: bool = True) -> int:
    """Parse a yuan amount given as a decimal string (or int/Decimal) into integer fen.

    Floats are refused: they cannot represent most fen amounts exactly. Digits are ASCII or
    full-width (read as ASCII); any other script's digits are refused.
    """
    if isinstance(value, bool | float):
        raise MoneyError(N_('amount must be a decimal string such as "12500.00", not a number'))
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError(N_("amount must be a finite number"))
        text = format(value, "f")
    elif isinstance(value, str):
        text = value.strip().translate(_FULL_WIDTH)
        if "," in text:
            if not _GROUPED_PATTERN.fullmatch(text):
                raise MoneyError(N_("amount may use commas only between groups of three digits"))
            text = text.replace(",", "")
    else:
        raise MoneyError(N_('amount must be a decimal string such as "12500.00"'))
    if not text:
        raise MoneyError(N_("amount is required"))
    match = _YUAN_PATTERN.fullmatch(text)
    if match is None:
        if _TOO_PRECISE.fullmatch(text):
            raise MoneyError(N_("amount may have at most 2 decimal places"))
        raise MoneyError(N_('amount must be a decimal number of yuan such as "12500.00"'))
    if len(match["int"]) > 15:
        raise MoneyError(N_("amount is too large"))
    fen = int(match["int"]) * FEN_PER_YUAN + int((match["frac"] or "0").ljust(2, "0"))
    if match["sign"]:
        fen = -fen
    if fen < 0 and not allow_negative:
        raise MoneyError(N_("amount must not be negative"))
    if fen == 0 and not allow_zero:
        raise MoneyError(N_("amount must be greater than zero"))
    if abs(fen) > MAX_ABS_FEN:
        raise MoneyError(N_("amount is too large"))
    return fen


def fen_to_decimal(fen: int) -> Decimal:
    """Exact yuan value of an integer fen amount."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_yuan(fen: int) -> str:
    """Yuan decimal string for JSON and CSV: always two decimals, no grouping ("12500.00")."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise MoneyError(N_("fen amount must be an integer"))
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole}.{part:02d}"


def format_yuan_grouped(fen: int) -> str:
    """Yuan for a form field: grouped by thousands, two decimals ("3,000,000.00"), read back
    by `parse_yuan`."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole:,}.{part:02d}"


def yuan_label(fen: int) -> str:
    """Yuan for people, grouped by thousands, without decimals when whole ("10,000", "12,500.50")."""
    whole, part = divmod(abs(fen), FEN_PER_YUAN)
    sign = "-" if fen < 0 else ""
    return f"{sign}{whole:,}" + (f".{part:02d}" if part else "")


def yuan_decimal_to_fen(amount: Decimal) -> int:
    """Round a computed yuan Decimal to whole fen, half up: a tie goes away from zero (¥0.005 → ¥0.01)."""
    return int((amount * FEN_PER_YUAN).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def parse_rate_bps(value: object, *, maximum: int = MAX_RATE_BPS) -> int:
    """Validate an annual rate given as integer basis points (1250 = 12.50 %)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise MoneyError(N_("rate must be an integer number of basis points (1250 = 12.50 %)"))
    if value < 0:
        raise MoneyError(N_("rate must not be negative"))
    if value > maximum:
        raise MoneyError(N_("rate is above the allowed maximum"))
    return value


def format_rate(bps: int) -> str:
    """Percentage string of a basis-point rate ("12.50%")."""
    whole, part = divmod(bps, 100)
    return f"{whole}.{part:02d}%"
