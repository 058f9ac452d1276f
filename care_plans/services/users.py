"""Accounts: create, set passwords, unlock. Admin-only, or the command line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from care_plans import audit
from care_plans.access import Actor, require_admin
from care_plans.db import Database
from care_plans.errors import NotFound, ValidationError
from care_plans.models import PasswordLink, Role, SigninSession, User, utcnow
from care_plans.passwords import check_password_rules, hash_password
from care_plans.services.plans import MAX_NAME_TEXT
from care_plans.tokens import new_token, token_hash

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}[a-z0-9]$")


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    full_name: str
    role: str
    is_active: bool
    locked_until: datetime | None
    failed_signin_count: int

    @classmethod
    def of(cls, user: User) -> UserInfo:
        return cls(
            user.id,
            user.username,
            user.full_name,
            user.role.value,
            user.is_active,
            user.locked_until,
            user.failed_signin_count,
        )


def normalise_username(username: str) -> str:
    return username.strip().lower()


def parse_role(role: str) -> Role:
    try:
        return Role(role.strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValidationError({"role": f"{role!r} is not a role; use one of {allowed}."}) from None


def create_user(
    db: Database,
    actor: Actor,
    *,
    username: str,
    full_name: str,
    role: str,
    password: str | None = None,
) -> UserInfo:
    """A new account; without a password it cannot sign in until one is set."""
    name = normalise_username(username)
    problems: dict[str, str] = {}
    if not USERNAME_RE.match(name):
        problems["username"] = (
            "Use 3–64 lower-case letters, digits, dots, hyphens or underscores, "
            "starting and ending with a letter or digit."
        )
    if not full_name.strip():
        problems["name"] = "Enter the person's full name."
    elif len(full_name.strip()) > MAX_NAME_TEXT:
        problems["name"] = f"Keep the name to {MAX_NAME_TEXT} characters."
    parsed_role = None
    try:
        parsed_role = parse_role(role)
    except ValidationError as exc:
        problems.update(exc.problems)
    if password is not None and "username" not in problems:
        try:
            check_password_rules(password, name)
        except ValidationError as exc:
            problems.update(exc.problems)
    if problems:
        raise ValidationError(problems)
    assert parsed_role is not None
    with db.uow() as uow:
        require_admin(uow.session, actor)
        if uow.session.scalar(select(User.id).where(User.username == name)) is not None:
            raise ValidationError({"username": f"The username {name!r} is already taken."})
        user = User(
            username=name,
            full_name=full_name.strip(),
            role=parsed_role,
            password_hash=hash_password(password) if password is not None else None,
            password_changed_at=utcnow() if password is not None else None,
            is_active=True,
            failed_signin_count=0,
        )
        uow.session.add(user)
        uow.flush()
        audit.record(
            uow.session, actor, "user.create", "user", user.id, detail={"role": parsed_role.value}
        )
        info = UserInfo.of(user)
        uow.commit()
        return info


def _user_by_name(db_session: Session, username: str) -> User:
    user = db_session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None:
        raise NotFound(f"No account with username {normalise_username(username)!r}.")
    return user


def end_all_sessions(session: Session, user_id: int, reason: str) -> int:
    """End every open sign-in of a user on the server (a copied cookie stops working)."""
    # An UPDATE gives a CursorResult (which has the rowcount); Session.execute is typed Result.
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(SigninSession)
            .where(SigninSession.user_id == user_id, SigninSession.ended_at.is_(None))
            .values(ended_at=utcnow(), ended_reason=reason)
        ),
    )
    return int(result.rowcount or 0)


def set_password(db: Database, actor: Actor, *, username: str, password: str) -> None:
    """Set a user's password (admin or CLI); ends all their sign-in sessions."""
    with db.uow() as uow:
        require_admin(uow.session, actor)
        user = _user_by_name(uow.session, username)
        check_password_rules(password, user.username)
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
        user.failed_signin_count = 0
        user.locked_until = None
        ended = end_all_sessions(uow.session, user.id, "password reset")
        audit.record(
            uow.session,
            actor,
            "user.set_password",
            "user",
            user.id,
            detail={"sessions_ended": ended},
        )
        uow.commit()


def unlock(db: Database, actor: Actor, *, username: str) -> UserInfo:
    with db.uow() as uow:
        require_admin(uow.session, actor)
        user = _user_by_name(uow.session, username)
        user.failed_signin_count = 0
        user.locked_until = None
        audit.record(uow.session, actor, "user.unlock", "user", user.id)
        info = UserInfo.of(user)
        uow.commit()
        return info


def count_users(db: Database) -> int:
    with db.uow() as uow:
        return int(uow.session.scalar(select(func.count(User.id))) or 0)


def list_users(db: Database, actor: Actor) -> list[UserInfo]:
    with db.uow() as uow:
        require_admin(uow.session, actor)
        users = uow.session.scalars(select(User).order_by(User.username)).all()
        return [UserInfo.of(u) for u in users]


def set_active(db: Database, actor: Actor, *, username: str, active: bool) -> UserInfo:
    """Deactivate (ends every sign-in at once) or reactivate an account."""
    with db.uow() as uow:
        require_admin(uow.session, actor)
        user = _user_by_name(uow.session, username)
        if not active and user.id == actor.user_id:
            raise ValidationError({"": "You cannot deactivate your own account."})
        user.is_active = active
        ended = 0 if active else end_all_sessions(uow.session, user.id, "account deactivated")
        audit.record(
            uow.session,
            actor,
            "user.activate" if active else "user.deactivate",
            "user",
            user.id,
            detail={"sessions_ended": ended},
        )
        info = UserInfo.of(user)
        uow.commit()
        return info


def change_role(db: Database, actor: Actor, *, username: str, role: str) -> UserInfo:
    new_role = parse_role(role)
    with db.uow() as uow:
        require_admin(uow.session, actor)
        user = _user_by_name(uow.session, username)
        if user.id == actor.user_id and new_role != Role.ADMIN:
            raise ValidationError({"role": "You cannot remove your own administrator role."})
        old = user.role
        user.role = new_role
        # A role change alters what the open sign-ins may do: end them.
        ended = end_all_sessions(uow.session, user.id, "role changed")
        audit.record(
            uow.session,
            actor,
            "user.change_role",
            "user",
            user.id,
            detail={"from": old.value, "to": new_role.value, "sessions_ended": ended},
        )
        info = UserInfo.of(user)
        uow.commit()
        return info


PASSWORD_LINK_HOURS = 24


def issue_password_link(
    db: Database, actor: Actor, *, username: str, now: datetime | None = None
) -> str:
    """A one-time set-password token for a user (valid 24 h); the admin never sees a password.

    Returns the token for the link; only its hash is stored. Earlier unused links are voided.
    """
    now = now or utcnow()
    token = new_token()
    with db.uow() as uow:
        require_admin(uow.session, actor)
        user = _user_by_name(uow.session, username)
        uow.session.execute(
            update(PasswordLink)
            .where(PasswordLink.user_id == user.id, PasswordLink.used_at.is_(None))
            .values(used_at=now)
        )
        link = PasswordLink(
            user_id=user.id,
            token_hash=token_hash(token),
            created_at=now,
            created_by_id=actor.user_id,
            expires_at=now + timedelta(hours=PASSWORD_LINK_HOURS),
        )
        uow.session.add(link)
        uow.flush()
        audit.record(
            uow.session, actor, "user.password_link", "user", user.id, detail={"link_id": link.id}
        )
        uow.commit()
    return token


def password_link_user(db: Database, token: str, now: datetime | None = None) -> str | None:
    """The username a still-valid set-password link is for, or None."""
    now = now or utcnow()
    with db.uow() as uow:
        link = uow.session.scalar(
            select(PasswordLink).where(PasswordLink.token_hash == token_hash(token))
        )
        if link is None or link.used_at is not None or link.expires_at <= now:
            return None
        user = uow.session.get(User, link.user_id)
        return user.username if user is not None and user.is_active else None


def use_password_link(db: Database, token: str, password: str, now: datetime | None = None) -> str:
    """Set the password through a one-time link; the link is spent. Returns the username."""
    now = now or utcnow()
    with db.uow() as uow:
        s = uow.session
        link = s.scalar(select(PasswordLink).where(PasswordLink.token_hash == token_hash(token)))
        if link is None or link.used_at is not None or link.expires_at <= now:
            raise ValidationError(
                {
                    "": "This link has expired or was already used. Ask an administrator for a "
                    "new one."
                }
            )
        user = s.get(User, link.user_id)
        if user is None or not user.is_active:
            raise ValidationError({"": "This account is not active. Ask an administrator."})
        check_password_rules(password, user.username)
        user.password_hash = hash_password(password)
        user.password_changed_at = now
        user.failed_signin_count = 0
        user.locked_until = None
        link.used_at = now
        ended = end_all_sessions(s, user.id, "password reset")
        audit.record(
            s,
            Actor.of(user),
            "user.set_password",
            "user",
            user.id,
            detail={"via": "link", "sessions_ended": ended},
        )
        uow.commit()
        return user.username
