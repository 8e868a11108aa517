"""The marketplace's calendar day for entry points (the questionnaire's validity is counted in days)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def market_today(now: datetime | None = None) -> date:
    """Today in the configured zone (Asia/Shanghai unless set): a result valid until a day ends there."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return (now or datetime.now(zone)).astimezone(zone).date()
