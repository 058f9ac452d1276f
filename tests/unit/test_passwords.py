"""Password rules (OWASP ASVS 2.1): length counts, composition does not."""

from __future__ import annotations

import pytest

from care_plans import passwords
from care_plans.errors import ValidationError
from care_plans.passwords import check_password_rules, password_problem


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("a" * 11, "at least 12 characters"),
        ("b" * 65, "at most 64 characters"),
        ("ü" * 40, "bytes long in UTF-8"),
        (" leading space ok?", "begin or end with a space"),
        ("trailing space here ", "begin or end with a space"),
        ("tab\tinside the words", "printable"),
        ("my name is alice.smith!", "must not contain the username"),
        ("Password1234", "common passwords"),
    ],
)
def test_refused_with_the_reason(password: str, problem: str) -> None:
    found = password_problem(password, "alice.smith")
    assert found is not None and problem in found
    with pytest.raises(ValidationError) as info:
        check_password_rules(password, "alice.smith")
    assert problem in info.value.problems["password"]


@pytest.mark.parametrize(
    "password",
    [
        "plainlowercase",  # no composition rules
        "x" * 64,
        "ü" * 36,  # 72 bytes exactly
        "correct horse battery",  # spaces inside are fine
        "日本語のパスワードです。長い",
        "sh0rt-but-OK!",
    ],
)
def test_accepted(password: str) -> None:
    assert password_problem(password, "alice.smith") is None


def test_hash_and_verify_round_trip_and_unknown_user_costs_a_check() -> None:
    saved = passwords.BCRYPT_ROUNDS
    passwords.BCRYPT_ROUNDS = 4
    try:
        h = passwords.hash_password("a long passphrase")
        assert passwords.verify_password("a long passphrase", h)
        assert not passwords.verify_password("a long passphrasE", h)
        assert not passwords.verify_password("anything", None)
        assert not passwords.verify_password("anything", "not a bcrypt hash")
    finally:
        passwords.BCRYPT_ROUNDS = saved
