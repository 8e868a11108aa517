"""Users, their roles, and API bearer tokens."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models.base import Base, UTCDateTime, enum_check, utcnow
from marketplace.rules.accounts import DEFAULT_LOCALE, LOCALES, ROLES, SELF_REGISTERED_ROLES  # noqa: F401


class User(Base):
    """A person who signs in; exactly one role decides which part of the site they use."""

    __tablename__ = "users"
    __table_args__ = (enum_check("role", ROLES), enum_check("locale", LOCALES))

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    role: so.Mapped[str] = so.mapped_column(sa.String(20))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    locale: so.Mapped[str] = so.mapped_column(sa.String(10), default=DEFAULT_LOCALE)
    is_active_account: so.Mapped[bool] = so.mapped_column(sa.Boolean, default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    password_changed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    # Bumped on password change so that other signed-in sessions end (Flask-Login alt id).
    session_generation: so.Mapped[int] = so.mapped_column(sa.Integer, default=0)

    tokens: so.WriteOnlyMapped[ApiToken] = so.relationship(back_populates="user")

    # What Flask-Login asks of a user object (written out so that models import without Flask).
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    def get_id(self) -> str:
        """Session identifier: user id plus generation, so a password change ends old sessions."""
        return f"{self.id}:{self.session_generation}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    user: so.Mapped[User] = so.relationship(back_populates="tokens")
