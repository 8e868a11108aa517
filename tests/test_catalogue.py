"""Every message the code and templates show has a Simplified Chinese translation.

The catalogue is extracted afresh from the sources (as `make messages` does), so a new string
without a translation, or a catalogue not updated after a change, fails here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "marketplace" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
KEYWORDS = ["-k", "_l", "-k", "N_", "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2"]  # as the Makefile


def _key(message) -> tuple:
    return (message.context, message.id if isinstance(message.id, str) else tuple(message.id))


def test_every_message_of_the_sources_is_translated_into_chinese(tmp_path):
    template = tmp_path / "messages.pot"
    babel = [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", *KEYWORDS]
    subprocess.run(
        [*babel, "--no-location", "-o", str(template), "."], cwd=ROOT, check=True, capture_output=True
    )
    with template.open("rb") as source:
        wanted = {_key(message) for message in read_po(source) if message.id}
    assert len(wanted) > 500  # the extraction found the sources' messages
    with CATALOGUE.open("rb") as source:
        catalogue = read_po(source)
    translated = {
        _key(message)
        for message in catalogue
        if message.id
        and not message.fuzzy
        and (all(message.string) if isinstance(message.string, tuple) else message.string)
    }
    missing = sorted(str(key[1]) for key in wanted - translated)
    assert missing == [], f"{len(missing)} messages without a Chinese translation (run `make messages`)"
