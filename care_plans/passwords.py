"""Password rules (OWASP ASVS 2.1) and bcrypt hashing.

Length is what matters: 12–64 characters and at most 72 bytes in UTF-8 (bcrypt reads no further),
any printable characters, no composition rules. Refused: the username itself or a password that
contains it, and a short list of passwords attackers try first.
"""

from __future__ import annotations

import secrets

import bcrypt

from care_plans.errors import ValidationError

MIN_LENGTH = 12
MAX_LENGTH = 64
MAX_BYTES = 72
#: bcrypt work factor. The test suite lowers it (a speed setting, not a different algorithm).
BCRYPT_ROUNDS = 12

COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "qwertyuiopas",
        "password1234",
        "password12345",
        "passwordpassword",
        "password123!",
        "qwerty123456",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "changeme1234",
        "administrator",
        "abcdefghijkl",
        "aaaaaaaaaaaa",
        "111111111111",
        "000000000000",
        "qwertyuiop123",
        "1q2w3e4r5t6y",
        "football1234",
        "baseball1234",
        "sunshine1234",
        "princess1234",
        "trustno1trustno1",
        "monkey123456",
        "dragon123456",
        "master123456",
        "correcthorsebatterystaple",
        "careplans1234",
        "care-plans123",
    }
)


def password_problem(password: str, username: str = "") -> str | None:
    """What is wrong with `password` in plain words, or None when it may be used."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters (this one has {len(password)})."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters (this one has {len(password)})."
    if len(password.encode("utf-8")) > MAX_BYTES:
        return (
            f"This password is {len(password.encode('utf-8'))} bytes long in UTF-8; the limit is "
            f"{MAX_BYTES} bytes. Use fewer accented or non-Latin characters."
        )
    if password != password.strip():
        # The sign-in form trims what is typed, so such a password could never be used.
        return "The password must not begin or end with a space."
    if not password.isprintable():
        return "Use printable characters only (no tabs, line breaks or control characters)."
    name = username.strip().lower()
    if name and name in password.lower():
        return "The password must not contain the username."
    if password.lower() in COMMON_PASSWORDS:
        return "This password is on a list of common passwords; choose another."
    return None


def check_password_rules(password: str, username: str = "") -> None:
    problem = password_problem(password, username)
    if problem:
        raise ValidationError({"password": problem})


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_ROUNDS)).decode("ascii")


def verify_password(password: str, password_hash: str | None) -> bool:
    """Check a password; with no hash, still spend bcrypt's time so timing reveals nothing."""
    if not password_hash:
        bcrypt.checkpw(password.encode("utf-8")[:MAX_BYTES], dummy_hash())
        return False
    try:
        return bcrypt.checkpw(password.encode("utf-8")[:MAX_BYTES], password_hash.encode("ascii"))
    except ValueError:
        return False


_dummy: dict[int, bytes] = {}


def dummy_hash() -> bytes:
    """A hash of a random secret at the current work factor: checking any password against it
    costs what a real check costs and never succeeds (nobody knows the secret)."""
    if BCRYPT_ROUNDS not in _dummy:
        secret = secrets.token_urlsafe(32).encode("ascii")
        _dummy[BCRYPT_ROUNDS] = bcrypt.hashpw(secret, bcrypt.gensalt(BCRYPT_ROUNDS))
    return _dummy[BCRYPT_ROUNDS]
