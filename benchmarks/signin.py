"""Sign-in timing: an unknown username must cost what a wrong password costs.

Measured in one run, as a ratio: the wrong-password path (bcrypt against the user's real hash,
as streamlit-authenticator does) against the unknown-username path (the dummy bcrypt that
care_plans.services.auth.record_failure spends). A ratio near 1.0 means the two cannot be told
apart by timing.
"""

from __future__ import annotations

import time

import bcrypt

from benchmarks import Measurement, Options
from care_plans import passwords

ATTEMPTS = 8


def bench_signin(options: Options) -> list[Measurement]:
    """Wrong password vs unknown username, at the production bcrypt work factor."""
    saved = passwords.BCRYPT_ROUNDS
    passwords.BCRYPT_ROUNDS = 12
    try:
        real_hash = passwords.hash_password("the real long passphrase").encode("ascii")
        passwords.dummy_hash()  # made once per process, not per attempt
        started = time.perf_counter()
        for _ in range(ATTEMPTS):
            bcrypt.checkpw(b"a wrong password guess", real_hash)
        wrong = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(ATTEMPTS):
            passwords.verify_password("a wrong password guess", None)
        unknown = time.perf_counter() - started
    finally:
        passwords.BCRYPT_ROUNDS = saved
    return [
        Measurement(
            benchmark="signin",
            scale="wrong password",
            seconds=wrong,
            rows=ATTEMPTS,
            note="bcrypt, 12 rounds",
        ),
        Measurement(
            benchmark="signin",
            scale="unknown username",
            seconds=unknown,
            rows=ATTEMPTS,
            note="dummy bcrypt; time × should be ~1.0",
        ),
    ]
