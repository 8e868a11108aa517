"""Password rules and argon2id hashing (OWASP Password Storage Cheat Sheet)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 128


def make_hasher(memory_kib: int, time_cost: int, parallelism: int) -> PasswordHasher:
    """An argon2id hasher; production uses at least m=19 MiB, t=2, p=1 (OWASP minimum)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    text = resources.files("marketplace.data").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problems(password: str, email: str = "") -> list[str]:
    """Every rule the password breaks, as message ids for gettext (empty when acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append("password_too_short")
    if len(password) > MAX_LENGTH:
        problems.append("password_too_long")
    lowered = password.lower()
    if lowered in common_passwords():
        problems.append("password_too_common")
    local_part = email.split("@", 1)[0].lower()
    if local_part and len(local_part) >= 4 and local_part in lowered:
        problems.append("password_contains_email")
    return problems


def hash_password(hasher: PasswordHasher, password: str) -> str:
    """Argon2id hash of the password."""
    return hasher.hash(password)


def verify_password(hasher: PasswordHasher, stored_hash: str, password: str) -> bool:
    """True when the password matches the stored hash."""
    try:
        return hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(hasher: PasswordHasher, stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than the current ones."""
    try:
        return hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
