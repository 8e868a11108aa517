"""Where the credit model plugs into the submit step (DESIGN.md, lifecycle step 2).

The scoring feature replaces `assess` with a call into `scoring`; until then every submitted
application is recorded as "not scored yet" and its `assessment` stays None.
"""

from __future__ import annotations

import sqlalchemy.orm as so


def assess(session: so.Session, application) -> dict | None:
    """The application's assessment ({pd, score, grade, reasons, max_rate_bps, model_version}) or None.

    Called inside the submit transaction; must not commit.
    """
    return None
