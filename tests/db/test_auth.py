"""Sign-in sessions, lockout, account administration: the server-side half of issue 3."""

from __future__ import annotations

from datetime import timedelta

import bcrypt
import pytest
from sqlalchemy import select

from care_plans.access import Actor
from care_plans.config import Settings
from care_plans.errors import AccessDenied, ValidationError
from care_plans.models import AuditEvent, utcnow
from care_plans.services import auth, users
from tests.factories import TEST_PASSWORD, make_user

SETTINGS = Settings(lockout_threshold=5, lockout_minutes=15)
IDLE = 900


def actions(db, action_prefix: str = "") -> list[str]:
    with db.uow() as uow:
        return [
            a
            for a in uow.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))
            if a.startswith(action_prefix)
        ]


def test_credentials_hold_real_hashes_only_for_accounts_that_may_sign_in(db):
    make_user(db, "alice")
    make_user(db, "nopass", password=None)
    creds = auth.credentials(db)["usernames"]
    assert bcrypt.checkpw(TEST_PASSWORD.encode(), creds["alice"]["password"].encode())
    assert not bcrypt.checkpw(b"", creds["nopass"]["password"].encode())
    assert creds["alice"]["roles"] == ["clinician"]


def test_five_failures_lock_the_account_for_fifteen_minutes(db):
    make_user(db, "alice")
    now = utcnow()
    for _ in range(4):
        auth.record_failure(db, SETTINGS, "alice", now=now)
    assert bcrypt.checkpw(
        TEST_PASSWORD.encode(), auth.credentials(db, now)["usernames"]["alice"]["password"].encode()
    )
    auth.record_failure(db, SETTINGS, "alice", now=now)
    locked_hash = auth.credentials(db, now)["usernames"]["alice"]["password"].encode()
    assert not bcrypt.checkpw(TEST_PASSWORD.encode(), locked_hash)
    assert auth.start_session(db, "alice", "cookie-1", now=now) is None
    later = now + timedelta(minutes=15, seconds=1)
    assert auth.start_session(db, "alice", "cookie-2", now=later) is not None
    assert actions(db, "signin") == ["signin.failed"] * 5 + ["signin.locked", "signin"]


def test_failures_while_locked_do_not_extend_the_lock_but_are_audited(db):
    make_user(db, "alice")
    now = utcnow()
    for _ in range(6):
        auth.record_failure(db, SETTINGS, "alice", now=now)
    assert actions(db, "signin")[-1] == "signin.refused_locked"
    info = users.list_users(db, Actor.cli())[0]
    assert info.locked_until == now + timedelta(minutes=15)


def test_unknown_username_is_audited_without_revealing_anything(db):
    auth.record_failure(db, SETTINGS, "nobody", spend_hash_time=True)
    with db.uow() as uow:
        event = uow.session.scalars(select(AuditEvent)).one()
        assert (event.actor, event.action, event.entity_id) == ("unknown", "signin.failed", None)
    assert "username or password is wrong" in auth.refusal_message(SETTINGS)
    assert "5 failed attempts" in auth.refusal_message(SETTINGS)


def test_a_session_resumes_by_cookie_until_signed_out(db):
    make_user(db, "alice")
    signed = auth.start_session(db, "alice", "jwt-abc")
    again = auth.resume(db, cookie_token="jwt-abc", idle_seconds=IDLE)
    assert again is not None and again.session_id == signed.session_id
    assert again.actor.username == "alice"
    auth.end_session(db, signed.session_id)
    assert auth.resume(db, cookie_token="jwt-abc", idle_seconds=IDLE) is None
    assert auth.resume(db, session_id=signed.session_id, idle_seconds=IDLE) is None
    assert auth.resume(db, cookie_token="never-issued", idle_seconds=IDLE) is None
    assert actions(db, "sign") == ["signin", "signout"]


def test_idle_sessions_end_and_activity_keeps_them_alive(db):
    make_user(db, "alice")
    t0 = utcnow()
    signed = auth.start_session(db, "alice", "jwt", now=t0)
    assert (
        auth.resume(
            db, session_id=signed.session_id, idle_seconds=60, now=t0 + timedelta(seconds=50)
        )
        is not None
    )
    assert auth.seconds_left(db, signed.session_id, 60, now=t0 + timedelta(seconds=80)) == 30
    # a timer check that does not touch does not count as activity
    assert (
        auth.resume(
            db,
            session_id=signed.session_id,
            idle_seconds=60,
            touch=False,
            now=t0 + timedelta(seconds=100),
        )
        is not None
    )
    assert (
        auth.resume(
            db, session_id=signed.session_id, idle_seconds=60, now=t0 + timedelta(seconds=111)
        )
        is None
    )
    assert actions(db, "signout") == ["signout.idle"]


def test_deactivation_password_change_and_role_change_end_every_session(db):
    admin = make_user(db, "ada", "admin")
    make_user(db, "alice")
    s1 = auth.start_session(db, "alice", "browser-1")
    s2 = auth.start_session(db, "alice", "browser-2")
    users.set_active(db, admin, username="alice", active=False)
    assert auth.resume(db, session_id=s1.session_id, idle_seconds=IDLE) is None
    assert auth.resume(db, session_id=s2.session_id, idle_seconds=IDLE) is None
    assert auth.start_session(db, "alice", "browser-3") is None
    users.set_active(db, admin, username="alice", active=True)
    s3 = auth.start_session(db, "alice", "browser-4")
    users.set_password(db, admin, username="alice", password="a brand new passphrase")
    assert auth.resume(db, session_id=s3.session_id, idle_seconds=IDLE) is None
    s4 = auth.start_session(db, "alice", "browser-5")
    users.change_role(db, admin, username="alice", role="supervisor")
    assert auth.resume(db, session_id=s4.session_id, idle_seconds=IDLE) is None
    with db.uow() as uow:
        detail = uow.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "user.change_role")
        ).one()
    assert detail["from"] == "clinician" and detail["to"] == "supervisor"


def test_admin_actions_are_refused_to_other_roles(db):
    make_user(db, "ada", "admin")
    clinician = make_user(db, "alice")
    supervisor = make_user(db, "sam", "supervisor")
    for actor in (clinician, supervisor):
        with pytest.raises(AccessDenied):
            users.set_active(db, actor, username="ada", active=False)
        with pytest.raises(AccessDenied):
            users.change_role(db, actor, username="alice", role="admin")
        with pytest.raises(AccessDenied):
            users.issue_password_link(db, actor, username="alice")
        with pytest.raises(AccessDenied):
            users.unlock(db, actor, username="alice")
        with pytest.raises(AccessDenied):
            users.create_user(db, actor, username="eve", full_name="Eve", role="admin")


def test_admin_cannot_lock_themselves_out(db):
    admin = make_user(db, "ada", "admin")
    with pytest.raises(ValidationError, match="your own account"):
        users.set_active(db, admin, username="ada", active=False)
    with pytest.raises(ValidationError, match="own administrator role"):
        users.change_role(db, admin, username="ada", role="clinician")


def test_password_link_is_one_time_and_expires(db):
    admin = make_user(db, "ada", "admin")
    make_user(db, "newbie", password=None)
    now = utcnow()
    token = users.issue_password_link(db, admin, username="newbie", now=now)
    assert users.password_link_user(db, token, now=now) == "newbie"
    with pytest.raises(ValidationError, match="at least 12"):
        users.use_password_link(db, token, "short", now=now)
    assert users.use_password_link(db, token, "my own long passphrase", now=now) == "newbie"
    assert auth.start_session(db, "newbie", "c", now=now + timedelta(seconds=1)) is not None
    with pytest.raises(ValidationError, match="expired or was already used"):
        users.use_password_link(db, token, "another long passphrase", now=now)
    late = users.issue_password_link(db, admin, username="newbie", now=now)
    assert users.password_link_user(db, late, now=now + timedelta(hours=24, seconds=1)) is None
    with pytest.raises(ValidationError, match="expired"):
        users.use_password_link(
            db, late, "another long passphrase", now=now + timedelta(hours=24, seconds=1)
        )
    with db.uow() as uow:
        stored = [str(d) for d in uow.session.scalars(select(AuditEvent.detail))]
    assert token not in str(stored)


def test_a_new_password_link_voids_the_previous_one(db):
    admin = make_user(db, "ada", "admin")
    make_user(db, "newbie", password=None)
    first = users.issue_password_link(db, admin, username="newbie")
    users.issue_password_link(db, admin, username="newbie")
    assert users.password_link_user(db, first) is None


def test_a_sign_in_kept_busy_still_ends_after_a_working_day(db):
    make_user(db, "alice")
    t0 = utcnow()
    signed = auth.start_session(db, "alice", "copied-cookie", now=t0)
    moment = t0
    while moment - t0 < auth.MAX_SESSION_AGE - timedelta(minutes=10):
        moment += timedelta(minutes=10)
        assert auth.resume(db, cookie_token="copied-cookie", idle_seconds=IDLE, now=moment)
    moment += timedelta(minutes=11)
    assert auth.resume(db, cookie_token="copied-cookie", idle_seconds=IDLE, now=moment) is None
    assert auth.resume(db, session_id=signed.session_id, idle_seconds=IDLE, now=moment) is None
    assert actions(db, "signout") == ["signout.ended"]
