"""Which characters a typed text may hold: one rule for every form field and API field.

Refused everywhere:
- NUL and the other C0 control characters, DEL and the C1 controls (PostgreSQL cannot store NUL
  in text: a DataError; the others are invisible and break exports and logs);
- surrogate code points (U+D800-U+DFFF): JSON's "\\ud800" escape makes a string that cannot be
  encoded as UTF-8, so no database, log or page can hold it (UnicodeEncodeError);
- the bidirectional embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069),
  which reorder what a reader sees ("Trojan Source"): a name or purpose must read as stored.
A multi-line field (a purpose, a note) may also hold tab, line feed and carriage return (a
browser sends a text area's line breaks as CR LF).

Pure: no Flask, no WTForms, no marshmallow; the forms' base and the API schemas' base apply it.
"""

from __future__ import annotations

import re

from marketplace.domain_errors import N_, Message

_BIDI = "\u202a-\u202e\u2066-\u2069"
_SURROGATES = "\ud800-\udfff"
_SINGLE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}{_SURROGATES}]")
_MULTI_LINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}{_SURROGATES}]")

FORBIDDEN_CHARACTER = N_("This field contains a character that is not allowed (%(char)s).")


def forbidden_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character `text` may not hold, or None when it is acceptable."""
    found = (_MULTI_LINE if multiline else _SINGLE_LINE).search(text)
    return found.group() if found else None


def text_problem(text: str, *, multiline: bool = False) -> Message | None:
    """Why `text` is refused (a message naming the character as U+XXXX), or None."""
    char = forbidden_character(text, multiline=multiline)
    if char is None:
        return None
    return Message(FORBIDDEN_CHARACTER, char=f"U+{ord(char):04X}")
