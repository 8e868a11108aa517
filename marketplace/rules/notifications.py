"""What each kind of in-app notification says; the words are filled in when the reader reads them.

A notification stores its kind and plain parameters (ids, amounts in fen, rates in basis points),
so that it reads in the reader's language whenever it is shown, not the language of the moment
it was written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from marketplace.domain_errors import N_
from marketplace.money import format_rate, yuan_label

TEXTS = {
    "listing_funded": N_(
        "Your listing #%(listing)s is funded: a ¥%(loan)s loan at %(rate)s a year is in your wallet."
    ),
    "listing_failed": N_("Your listing #%(listing)s closed below its minimum fill; no loan was made."),
    "bid_accepted": N_(
        "Your bid #%(bid)s on listing #%(listing)s was accepted: ¥%(accepted)s at %(rate)s a year."
    ),
    "bid_partly_accepted": N_(
        "Your bid #%(bid)s on listing #%(listing)s was partly accepted: ¥%(accepted)s at %(rate)s a year; "
        "¥%(released)s is back in your wallet."
    ),
    "bid_released": N_(
        "Your bid #%(bid)s on listing #%(listing)s was not accepted; ¥%(released)s is back in your wallet."
    ),
}
KINDS = tuple(TEXTS)
# Parameters stored in fen or basis points, shown as yuan or a percentage.
_YUAN_PARAMS = ("loan", "accepted", "released")
_RATE_PARAMS = ("rate",)


def render(
    kind: str, params: Mapping[str, object], translate: Callable[[str], str] = lambda text: text
) -> str:
    """The notification's sentence in the reader's language (`translate` is their gettext)."""
    values = dict(params)
    for name in _YUAN_PARAMS:
        if name in values:
            values[name] = yuan_label(int(values[name]))
    for name in _RATE_PARAMS:
        if name in values:
            values[name] = format_rate(int(values[name]))
    return translate(TEXTS[kind]) % values
