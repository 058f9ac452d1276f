"""Sign-in, server-side sessions, lockout and automatic sign-out.

The browser's cookie (streamlit-authenticator's signed JWT) only says who and until when. What
makes a sign-in valid is a row in `signin_sessions`, looked up by the SHA-256 of that cookie on
every script run, on every app server: sign-out, deactivation and password changes end the rows,
so a copied cookie stops working everywhere. Failed attempts and lockouts live in the database.
Messages never reveal whether a username exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from care_plans import audit
from care_plans.access import Actor
from care_plans.config import Settings
from care_plans.db import Database
from care_plans.models import SigninSession, User, utcnow
from care_plans.passwords import dummy_hash, verify_password
from care_plans.tokens import token_hash

SIGN_IN_REFUSED = (
    "Sign-in failed: the username or password is wrong, or the account is locked or "
    "inactive. After {n} failed attempts an account is locked for {m} minutes."
)
UNKNOWN = Actor(user_id=None, username="unknown", role="none")
#: However active, a sign-in ends after this long (a working day); the cookie lasts a day, and a
#: copied cookie kept alive by use must not work for ever.
MAX_SESSION_AGE = timedelta(hours=12)
#: Activity is written to the session row at most this often (and at most every tenth of the
#: idle timeout): every click reruns the page, and a write per rerun is a write per click for
#: every user. The cost is that an idle sign-out can come up to this much early.
TOUCH_INTERVAL = timedelta(seconds=60)


def touch_interval(idle_seconds: int) -> timedelta:
    """How stale `last_seen_at` may be before a rerun writes it again."""
    return min(TOUCH_INTERVAL, timedelta(seconds=idle_seconds / 10))


def refusal_message(settings: Settings) -> str:
    return SIGN_IN_REFUSED.format(n=settings.lockout_threshold, m=settings.lockout_minutes)


@dataclass(frozen=True)
class SignedIn:
    """A live sign-in: the session row and the acting user it stands for."""

    session_id: int
    actor: Actor
    last_seen_at: datetime


def _can_sign_in(user: User, now: datetime) -> bool:
    return (
        user.is_active
        and user.password_hash is not None
        and (user.locked_until is None or user.locked_until <= now)
    )


def credentials(
    db: Database, now: datetime | None = None
) -> dict[str, dict[str, dict[str, object]]]:
    """The credentials dict streamlit-authenticator checks passwords against.

    Accounts that may not sign in now (locked, inactive, no password yet) get a hash of a random
    secret: the library still spends bcrypt's time on them and then fails like a wrong password.
    """
    now = now or utcnow()
    with db.uow() as uow:
        users = uow.session.scalars(select(User)).all()
        out: dict[str, dict[str, object]] = {}
        for u in users:
            usable = _can_sign_in(u, now)
            out[u.username] = {
                "name": u.full_name,
                "password": u.password_hash if usable else dummy_hash().decode("ascii"),
                "roles": [u.role.value],
                "email": "",
            }
    return {"usernames": out}


def record_failure(
    db: Database,
    settings: Settings,
    username: str | None,
    *,
    now: datetime | None = None,
    spend_hash_time: bool = False,
    source_address: str | None = None,
) -> None:
    """Count a failed sign-in; lock the account at the threshold. Audited either way.

    `spend_hash_time` makes an unknown username cost what a wrong password costs.
    """
    now = now or utcnow()
    if spend_hash_time:
        verify_password("", None)
    with db.uow() as uow:
        s = uow.session
        user = s.scalar(select(User).where(User.username == (username or "").strip().lower()))
        if user is None:
            audit.record(s, UNKNOWN, "signin.failed", "user", None, source_address=source_address)
            uow.commit()
            return
        actor = Actor.of(user)
        if user.locked_until is not None and user.locked_until > now:
            audit.record(
                s, actor, "signin.refused_locked", "user", user.id, source_address=source_address
            )
            uow.commit()
            return
        if user.locked_until is not None:  # an old lock has run out: count afresh
            user.locked_until = None
            user.failed_signin_count = 0
        user.failed_signin_count += 1
        audit.record(
            s,
            actor,
            "signin.failed",
            "user",
            user.id,
            detail={"failed_count": user.failed_signin_count},
            source_address=source_address,
        )
        if user.failed_signin_count >= settings.lockout_threshold:
            user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            audit.record(
                s,
                actor,
                "signin.locked",
                "user",
                user.id,
                detail={"minutes": settings.lockout_minutes},
                source_address=source_address,
            )
        uow.commit()


def start_session(
    db: Database,
    username: str,
    cookie_token: str,
    *,
    now: datetime | None = None,
    source_address: str | None = None,
) -> SignedIn | None:
    """Record a password sign-in as a server-side session; None when the account may not."""
    now = now or utcnow()
    with db.uow() as uow:
        s = uow.session
        user = s.scalar(select(User).where(User.username == username.strip().lower()))
        if user is None or not _can_sign_in(user, now):
            return None
        user.failed_signin_count = 0
        user.locked_until = None
        row = SigninSession(
            user_id=user.id, token_hash=token_hash(cookie_token), created_at=now, last_seen_at=now
        )
        s.add(row)
        s.flush()
        actor = Actor.of(user)
        audit.record(s, actor, "signin", "signin_session", row.id, source_address=source_address)
        signed = SignedIn(row.id, actor, now)
        uow.commit()
        return signed


def _end(s: Session, row: SigninSession, reason: str, now: datetime) -> None:
    row.ended_at = now
    row.ended_reason = reason
    action = {"sign-out": "signout", "idle": "signout.idle"}.get(reason, "signout.ended")
    audit.record(s, Actor.of(row.user), action, "signin_session", row.id, detail={"reason": reason})


def _check(
    s: Session, row: SigninSession | None, now: datetime, idle_seconds: int, touch: bool
) -> SignedIn | None:
    if row is None or row.ended_at is not None:
        return None
    user = row.user
    if not user.is_active:
        _end(s, row, "account deactivated", now)
        return None
    if user.password_changed_at is not None and user.password_changed_at > row.created_at:
        _end(s, row, "password changed", now)
        return None
    if (now - row.last_seen_at).total_seconds() > idle_seconds:
        _end(s, row, "idle", now)
        return None
    if now - row.created_at > MAX_SESSION_AGE:
        _end(s, row, "expired", now)
        return None
    if touch and now - row.last_seen_at >= touch_interval(idle_seconds):
        row.last_seen_at = now
    return SignedIn(row.id, Actor.of(user), row.last_seen_at)


def resume(
    db: Database,
    *,
    idle_seconds: int,
    session_id: int | None = None,
    cookie_token: str | None = None,
    now: datetime | None = None,
    touch: bool = True,
) -> SignedIn | None:
    """The live sign-in for this browser (by session id, or by its cookie after a reload).

    Ends it, and returns None, when it was signed out, idle too long, or its account was
    deactivated or its password changed. `touch` marks the user as active now.
    """
    now = now or utcnow()
    with db.uow() as uow:
        s = uow.session
        if session_id is not None:
            row = s.get(SigninSession, session_id)
        elif cookie_token:
            row = s.scalar(
                select(SigninSession).where(SigninSession.token_hash == token_hash(cookie_token))
            )
        else:
            return None
        signed = _check(s, row, now, idle_seconds, touch)
        uow.commit()
        return signed


def seconds_left(
    db: Database, session_id: int, idle_seconds: int, now: datetime | None = None
) -> float:
    """How long until this sign-in ends for inactivity (0 when it has ended)."""
    now = now or utcnow()
    with db.uow() as uow:
        row = uow.session.get(SigninSession, session_id)
        if row is None or row.ended_at is not None:
            return 0.0
        return max(0.0, idle_seconds - (now - row.last_seen_at).total_seconds())


def end_session(
    db: Database, session_id: int, reason: str = "sign-out", now: datetime | None = None
) -> None:
    with db.uow() as uow:
        row = uow.session.get(SigninSession, session_id)
        if row is not None and row.ended_at is None:
            _end(uow.session, row, reason, now or utcnow())
            uow.commit()
