"""Shared column helpers for the models."""

from datetime import UTC, datetime

import sqlalchemy as sa


def utcnow() -> datetime:
    """Current time in UTC (a callable default: evaluated per row, not at import)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Attach UTC to a naive datetime read back from SQLite (which drops the offset)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class UTCDateTime(sa.TypeDecorator):
    """A timestamp with time zone that always reads back as an aware UTC datetime.

    SQLite drops the offset and PostgreSQL answers in the session's zone; both become UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value, dialect):
        return None if value is None else as_utc(value)


def enum_check(column: str, values) -> sa.CheckConstraint:
    """A CHECK constraint restricting a text column to a fixed set of values."""
    allowed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_allowed")
