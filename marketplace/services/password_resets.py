"""Password reset by e-mailed link: who gets a link, what a link proves, and setting the password.

A link carries a token signed with the app's secret (itsdangerous, timestamped): the account id
and a fingerprint of the account's password hash and session generation. Setting a new password
changes both, so a link works once; so does any other password change, "sign out everywhere", a
sign-out, disabling the account or changing its role: each ends the link with the sessions. The
signature's age bounds its life (PASSWORD_RESET_TTL). Nothing is stored for a link.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from argon2 import PasswordHasher
from itsdangerous import BadData, URLSafeTimedSerializer

from marketplace.domain_errors import N_, DomainError
from marketplace.models import User
from marketplace.models.base import utcnow
from marketplace.rules import limits
from marketplace.services import audit, passwords, users

# Keeps these tokens apart from anything else signed with the same secret (sessions, CSRF).
_SALT = "password-reset"
# A token is ~100 characters; a longer one is not worth verifying.
MAX_TOKEN_CHARS = 500


class InvalidResetLink(DomainError):
    """The link is malformed, tampered with, expired, already used or for an unusable account."""

    code = "invalid_reset_link"
    http_status = 400


def _invalid() -> InvalidResetLink:
    # One message for every cause: the page tells a visitor nothing about the account.
    return InvalidResetLink(N_("This password reset link is invalid or has expired. Ask for a new one."))


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)


def _fingerprint(user: User) -> str:
    # The signature already protects the token; the fingerprint only has to change with the
    # password hash and the session generation, and reveals neither.
    text = f"{user.password_hash}:{user.session_generation}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def make_token(secret: str, user: User) -> str:
    """A reset token for the user's current password, valid until it changes or it expires."""
    return _serializer(secret).dumps({"u": user.id, "f": _fingerprint(user)})


def _account(session: so.Session, secret: str, token: object, ttl: timedelta, *, lock: bool) -> User:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise _invalid()
    try:
        data = _serializer(secret).loads(token, max_age=int(ttl.total_seconds()))
    except BadData:  # bad signature, expired, or not our payload
        raise _invalid() from None
    if not isinstance(data, dict) or type(data.get("u")) is not int or not isinstance(data.get("f"), str):
        raise _invalid()
    query = sa.select(User).where(User.id == data["u"])
    if lock:
        # Two submissions of one link: the second waits for the first and then sees a new hash.
        query = query.with_for_update().execution_options(populate_existing=True)
    user = session.scalar(query)
    if user is None or not user.is_active_account or data["f"] != _fingerprint(user):
        raise _invalid()
    return user


def account_for_token(session: so.Session, *, secret: str, token: object, ttl: timedelta) -> User:
    """The account a live reset token is for; InvalidResetLink otherwise (one message for all)."""
    return _account(session, secret, token, ttl, lock=False)


def request_reset(session: so.Session, *, email: object, source: str) -> User | None:
    """The active account to e-mail a reset link to, or None (no such account, or disabled).

    Every request is audited, known address or not (as failed sign-ins are); the caller answers
    alike in every case, so the answer does not tell whether an account exists.
    """
    address = users.normalise_email(email)
    user = users.find_by_email(session, address)
    usable = user is not None and user.is_active_account
    audit.record(
        session,
        actor=None,  # an anonymous visitor, who may not be the account's owner
        action="user.password_reset_requested",
        object_type="user",
        object_id=user.id if user else "",
        payload={"email": address[: limits.MAX_EMAIL_CHARS], "source": source, "sent": usable},
    )
    return user if usable else None


def reset_password(
    session: so.Session,
    hasher: PasswordHasher,
    *,
    secret: str,
    token: object,
    ttl: timedelta,
    new_password: object,
) -> User:
    """Set a new password through a live reset link (the registration rules apply); every session
    and API token of the account ends, and the link with them (audited)."""
    user = _account(session, secret, token, ttl, lock=True)
    password = users.check_password(new_password, user.email, field="password")
    user.password_hash = passwords.hash_password(hasher, password)
    user.password_changed_at = utcnow()
    users.end_sessions(session, user, tokens_too=True)
    audit.record(session, actor=user, action="user.password_reset", object_type="user", object_id=user.id)
    return user
