"""How deeply a JSON text nests, measured without parsing it.

Python's JSON parser recurses once per level, so a body of 100,000 `[` exhausts the stack
(RecursionError) before any schema sees it. This scan is linear, keeps no stack and stops at the
first level past the limit; strings are skipped, so brackets inside them do not count.
"""

from __future__ import annotations

import json
import re

# A JSON string (escapes included); an unterminated one runs to the end of the text.
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")


def nesting_depth_exceeds(text: str | bytes, limit: int) -> bool:
    """True when arrays and objects in `text` nest more than `limit` levels deep."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode(json.detect_encoding(text), errors="replace")
        except LookupError:
            text = bytes(text).decode("utf-8", errors="replace")
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    depth = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False
