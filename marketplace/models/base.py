"""The models' declarative base and shared column helpers."""

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

# Stable constraint names so that Alembic migrations match on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(so.DeclarativeBase):
    """Declarative base of every model: plain SQLAlchemy, so models import without Flask.

    Flask-SQLAlchemy's `db` is built on it (marketplace.extensions) and shares its metadata.
    """

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


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
