"""Accounts: registration, sign-in, passwords, roles, language, API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
import sqlalchemy.orm as so
from argon2 import PasswordHasher
from email_validator import EmailNotValidError, validate_email

from marketplace.domain_errors import (
    N_,
    AuthenticationFailed,
    Conflict,
    NotAllowed,
    NotFound,
    ValidationFailed,
)
from marketplace.models import LOCALES, ROLES, SELF_REGISTERED_ROLES, ApiToken, User
from marketplace.models.base import as_utc, utcnow
from marketplace.rules import limits
from marketplace.rules.accounts import DEFAULT_LOCALE
from marketplace.services import audit, passwords

PASSWORD_MESSAGES = {
    "password_too_short": N_("Password must be at least 10 characters long."),
    "password_too_long": N_("Password must be at most 128 characters long."),
    "password_too_common": N_("This password is too common; choose another."),
    "password_contains_email": N_("Password must not contain your email name."),
}
# Compared against when the email is unknown, so both paths cost one argon2 verification.
_DUMMY_HASH_PASSWORD = "not-a-real-password-but-long-enough"  # noqa: S105


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return passwords.hash_password(hasher, _DUMMY_HASH_PASSWORD)


def normalise_email(raw: object) -> str:
    """Validated, normalised email address (domain lower-cased); raises ValidationFailed."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationFailed(N_("Email is required."), fields={"email": [N_("Email is required.")]})
    if len(raw) > limits.MAX_EMAIL_CHARS:
        raise ValidationFailed(N_("Email is too long."), fields={"email": [N_("Email is too long.")]})
    try:
        info = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        message = N_("Enter a valid email address.")
        raise ValidationFailed(message, fields={"email": [message]}) from None
    return info.normalized.lower()


def validate_name(raw: object) -> str:
    """A display name: 1-100 printable characters."""
    name = raw.strip() if isinstance(raw, str) else ""
    if not name:
        raise ValidationFailed(N_("Name is required."), fields={"name": [N_("Name is required.")]})
    if len(name) > limits.MAX_NAME_CHARS or re.search(r"[\x00-\x1f\x7f]", name):
        message = N_("Name must be at most 100 printable characters.")
        raise ValidationFailed(message, fields={"name": [message]})
    return name


def check_password(password: object, email: str = "", field: str = "password") -> str:
    """The password if it meets the rules; otherwise ValidationFailed naming each rule broken."""
    if not isinstance(password, str) or not password:
        raise ValidationFailed(N_("Password is required."), fields={field: [N_("Password is required.")]})
    problems = [PASSWORD_MESSAGES[p] for p in passwords.password_problems(password, email)]
    if problems:
        raise ValidationFailed(problems[0], fields={field: problems})
    return password


def find_by_email(session: so.Session, email: str) -> User | None:
    """The user with this (normalised) email, if any."""
    return session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def _email_taken() -> Conflict:
    message = N_("An account with this email already exists.")
    return Conflict(message, fields={"email": [message]})


def _is_unique_violation(error: sa.exc.IntegrityError) -> bool:
    # PostgreSQL's SQLSTATE unique_violation; SQLite has no SQLSTATE and names it in the text.
    original = error.orig
    return getattr(original, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(original)


def _create(session, hasher, *, email, password, role, name, actor, action, locale) -> User:
    if locale not in LOCALES:
        raise ValidationFailed(N_("Unknown language."), fields={"locale": [N_("Unknown language.")]})
    email = normalise_email(email)
    name = validate_name(name)
    check_password(password, email)
    if find_by_email(session, email) is not None:
        raise _email_taken()
    user = User(
        email=email,
        name=name,
        role=role,
        password_hash=passwords.hash_password(hasher, password),
        locale=locale,
    )
    try:
        # A savepoint: when a concurrent registration took the email between the check above
        # and this insert, the unique constraint refuses it and the caller's transaction stays usable.
        with session.begin_nested():
            session.add(user)
    except sa.exc.IntegrityError as error:
        if not _is_unique_violation(error):
            raise
        raise _email_taken() from None
    audit.record(
        session,
        actor=actor or user,
        action=action,
        object_type="user",
        object_id=user.id,
        payload={"email": email, "role": role},
    )
    return user


def register(
    session: so.Session, hasher: PasswordHasher, *, email, password, role, name, locale=DEFAULT_LOCALE
) -> User:
    """Self-registration of an SME or investor account (audited; caller commits)."""
    if role not in SELF_REGISTERED_ROLES:
        message = N_("Choose either SME or investor.")
        raise ValidationFailed(message, fields={"role": [message]})
    return _create(
        session,
        hasher,
        email=email,
        password=password,
        role=role,
        name=name,
        actor=None,
        action="user.registered",
        locale=locale,
    )


def create_user(
    session: so.Session,
    hasher: PasswordHasher,
    *,
    actor: User | None,
    email,
    password,
    role,
    name,
    locale=DEFAULT_LOCALE,
) -> User:
    """Create an account of any role; only an admin (or the CLI, actor None) may (audited)."""
    if actor is not None and actor.role != "admin":
        raise NotAllowed(N_("Only administrators can create accounts."))
    if role not in ROLES:
        message = N_("Unknown role.")
        raise ValidationFailed(message, fields={"role": [message]})
    return _create(
        session,
        hasher,
        email=email,
        password=password,
        role=role,
        name=name,
        actor=actor,
        action="user.created",
        locale=locale,
    )


def authenticate(session: so.Session, hasher: PasswordHasher, *, email, password, source: str) -> User:
    """The user whose credentials these are; every attempt is audited (success and failure)."""
    email_text = email.strip().lower() if isinstance(email, str) else ""
    user = find_by_email(session, email_text) if email_text else None
    password_text = password if isinstance(password, str) else ""
    stored = user.password_hash if user else _dummy_hash(hasher)
    ok = passwords.verify_password(hasher, stored, password_text) and user is not None
    if ok and not user.is_active_account:
        ok = False
    if not ok:
        audit.record(
            session,
            actor=user,
            action="auth.sign_in_failed",
            object_type="user",
            object_id=user.id if user else "",
            payload={"email": email_text[: limits.MAX_EMAIL_CHARS], "source": source},
        )
        raise AuthenticationFailed(N_("Email or password is incorrect."))
    if passwords.needs_rehash(hasher, user.password_hash):
        user.password_hash = passwords.hash_password(hasher, password_text)
    audit.record(
        session,
        actor=user,
        action="auth.signed_in",
        object_type="user",
        object_id=user.id,
        payload={"source": source},
    )
    return user


def change_password(session: so.Session, hasher: PasswordHasher, user: User, *, current, new) -> User:
    """Change the password after checking the current one; ends other sessions and tokens."""
    if not passwords.verify_password(hasher, user.password_hash, current if isinstance(current, str) else ""):
        message = N_("Current password is incorrect.")
        raise ValidationFailed(message, fields={"current_password": [message]})
    check_password(new, user.email, field="new_password")
    if passwords.verify_password(hasher, user.password_hash, new):
        message = N_("New password must differ from the current one.")
        raise ValidationFailed(message, fields={"new_password": [message]})
    user.password_hash = passwords.hash_password(hasher, new)
    user.password_changed_at = utcnow()
    end_sessions(session, user, tokens_too=True)
    audit.record(session, actor=user, action="user.password_changed", object_type="user", object_id=user.id)
    return user


def sign_out(session: so.Session, user: User) -> None:
    """End the user's browser sessions on the server: a copied session cookie signs no one in
    afterwards (API tokens are revoked on their own, DELETE /auth/tokens/current)."""
    end_sessions(session, user, tokens_too=False)
    audit.record(session, actor=user, action="auth.signed_out", object_type="user", object_id=user.id)


def sign_out_everywhere(session: so.Session, actor: User, user_id: int) -> User:
    """An administrator ends every browser session and API token of an account (audited)."""
    if actor.role != "admin":
        raise NotAllowed(N_("Only administrators can sign an account out everywhere."))
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No such account."))
    end_sessions(session, user, tokens_too=True)
    audit.record(
        session, actor=actor, action="user.signed_out_everywhere", object_type="user", object_id=user.id
    )
    return user


def end_sessions(session: so.Session, user: User, *, tokens_too: bool) -> None:
    """End every browser session of the user (and revoke the API tokens when `tokens_too`)."""
    # Session ids carry the generation (User.get_id), so a new generation ends every cookie.
    user.session_generation += 1
    if tokens_too:
        session.execute(
            sa.update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def names_of(session: so.Session, *, ids=(), emails=()) -> dict:
    """Display names of the accounts with these ids or emails (one query), keyed by both."""
    ids, emails = {i for i in ids if i is not None}, {e for e in emails if e}
    if not ids and not emails:
        return {}
    rows = session.execute(
        sa.select(User.id, User.email, User.name).where(sa.or_(User.id.in_(ids), User.email.in_(emails)))
    )
    return {key: name for user_id, email, name in rows for key in (user_id, email)}


def set_locale(session: so.Session, user: User, locale: str) -> None:
    """Remember the user's interface language."""
    if locale not in LOCALES:
        raise ValidationFailed(N_("Unknown language."), fields={"locale": [N_("Unknown language.")]})
    user.locale = locale


def load_session_user(session: so.Session, session_id: str) -> User | None:
    """The user behind a Flask-Login session id "<id>:<generation>", if still valid."""
    user_id, _, generation = session_id.partition(":")
    if not user_id.isdigit() or not generation.isdigit():
        return None
    user = session.get(User, int(user_id))
    if user is None or user.session_generation != int(generation) or not user.is_active_account:
        return None
    return user


# --- API tokens -------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    """A token as shown once to its owner; only its hash is stored."""

    id: int
    token: str
    expires_at: datetime


def _token_hash(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def issue_token(session: so.Session, user: User, ttl: timedelta) -> IssuedToken:
    """Create a bearer token for the user valid for `ttl`."""
    token = secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, token_hash=_token_hash(token), expires_at=utcnow() + ttl)
    session.add(record)
    session.flush()
    audit.record(
        session, actor=user, action="auth.token_issued", object_type="api_token", object_id=record.id
    )
    return IssuedToken(record.id, token, record.expires_at)


def user_for_token(session: so.Session, token: str) -> tuple[User, ApiToken] | None:
    """The user and token record for a live (unexpired, unrevoked) bearer token."""
    if not token or len(token) > 200:
        return None
    # One round trip: the token row and its user together (this runs on every API request).
    record = session.scalar(
        sa.select(ApiToken)
        .options(so.joinedload(ApiToken.user, innerjoin=True))
        .where(ApiToken.token_hash == _token_hash(token))
    )
    if record is None or record.revoked_at is not None or as_utc(record.expires_at) <= utcnow():
        return None
    user = record.user
    return (user, record) if user.is_active_account else None


def revoke_token(session: so.Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens."""
    record = session.get(ApiToken, token_id)
    if record is None or record.user_id != user.id:
        raise NotFound(N_("Token not found."))
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        audit.record(
            session,
            actor=user,
            action="auth.token_revoked",
            object_type="api_token",
            object_id=record.id,
        )
    return record


def get_user(session: so.Session, user_id: int) -> User:
    """The user with this id or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("User not found."))
    return user
