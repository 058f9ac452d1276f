"""The audit trail is tamper-evident: `care-plans verify-audit` finds every edit, insertion,
removal (the newest events too, back to the last checkpoint) and reordering, and names the first
bad sequence number. Tampering is done the way an attacker with database access would: with the
append-only triggers switched off, straight SQL on the table.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from care_plans import audit
from care_plans.access import Actor
from care_plans.config import Settings
from care_plans.db import Database
from care_plans.errors import AuditKeyMissing
from care_plans.models import AuditChainHead, AuditEvent
from care_plans.services import auth, users
from tests.conftest import AUDIT_KEY
from tests.db.test_cli import run

CLI = Actor.cli()


def url_of(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def env(db: Database, tmp_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": url_of(db),
        "CARE_PLANS_AUDIT_KEY": AUDIT_KEY,
        "CARE_PLANS_AUDIT_CHECKPOINT": str(tmp_path / "checkpoint.json"),
    }


def some_events(db: Database, n: int = 6, prefix: str = "user") -> None:
    settings = Settings()
    for i in range(n):
        if i % 2:
            auth.record_failure(db, settings, f"nobody{i}", source_address="10.0.0.9")
        else:
            users.create_user(
                db, CLI, username=f"{prefix}{i}", full_name=f"User {i}", role="clinician"
            )


def tamper(db: Database, *statements: str) -> None:
    """Change the table as someone with database access would, triggers switched off."""
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        for statement in statements:
            conn.execute(text(statement))


def verify(env: dict[str, str]) -> tuple[int, str, str]:
    return run(env, "verify-audit")


def test_an_untouched_trail_verifies_and_is_checkpointed(db, env, tmp_path):
    some_events(db)
    code, out, err = verify(env)
    assert (code, err) == (0, "")
    assert "intact: 6 events, head at sequence 6" in out
    checkpoint = audit.read_checkpoint(tmp_path / "checkpoint.json", AUDIT_KEY)
    assert checkpoint is not None and checkpoint.seq == 6


def test_events_are_numbered_without_gaps_and_each_names_its_predecessor(db):
    some_events(db, 4)
    with db.uow() as uow:
        rows = uow.session.execute(
            select(AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash).order_by(AuditEvent.seq)
        ).all()
    assert [r.seq for r in rows] == [1, 2, 3, 4]
    assert rows[0].prev_hash == audit.GENESIS
    assert all(rows[i].prev_hash == rows[i - 1].hash for i in range(1, 4))


def test_an_edited_actor_is_named_by_its_sequence_number(db, env):
    some_events(db)
    tamper(db, "UPDATE audit_events SET actor = 'someone.else' WHERE seq = 3")
    code, _, err = verify(env)
    assert code == 1
    assert "broken at sequence 3" in err and "edited" in err


def test_an_edited_detail_is_found(db, env):
    some_events(db)
    tamper(db, "UPDATE audit_events SET source_address = '10.9.9.9' WHERE seq = 2")
    code, _, err = verify(env)
    assert code == 1 and "sequence 2" in err


def test_a_deleted_sign_in_failure_is_found(db, env):
    some_events(db)
    tamper(db, "DELETE FROM audit_events WHERE seq = 4")
    code, _, err = verify(env)
    assert code == 1 and "broken at sequence 4" in err and "removed" in err


def test_a_deleted_event_renumbered_over_is_found(db, env):
    some_events(db)
    tamper(
        db,
        "DELETE FROM audit_events WHERE seq = 2",
        "UPDATE audit_events SET seq = seq - 1 WHERE seq > 2",
    )
    code, _, err = verify(env)
    assert code == 1 and "broken at sequence 2" in err


def test_a_forged_event_is_found(db, env):
    some_events(db, 3)
    with db.uow() as uow:
        last = uow.session.scalar(select(AuditEvent).where(AuditEvent.seq == 3))
        forged_prev = last.hash
    tamper(
        db,
        "INSERT INTO audit_events (seq, prev_hash, hash, at, actor, action, entity) "
        f"VALUES (4, '{forged_prev}', '{'f' * 64}', '2026-01-01 00:00:00', 'cli', "
        "'user.create', 'user')",
    )
    code, _, err = verify(env)
    assert code == 1 and "broken at sequence 4" in err and "signature" in err


def test_reordered_events_are_found(db, env):
    some_events(db)
    tamper(
        db,
        "UPDATE audit_events SET seq = -1 WHERE seq = 2",
        "UPDATE audit_events SET seq = 2 WHERE seq = 3",
        "UPDATE audit_events SET seq = 3 WHERE seq = -1",
    )
    code, _, err = verify(env)
    assert code == 1 and "broken at sequence 2" in err


def test_the_newest_events_removed_after_a_checkpoint_are_found(db, env):
    some_events(db)
    assert verify(env)[0] == 0  # checkpoint at 6
    # The attacker removes the newest events and makes the head row agree.
    tamper(
        db,
        "DELETE FROM audit_events WHERE seq >= 5",
        "UPDATE audit_chain_head SET last_seq = 4, "
        "last_hash = (SELECT hash FROM audit_events WHERE seq = 4)",
    )
    code, _, err = verify(env)
    assert code == 1 and "broken at sequence 5" in err and "checkpoint" in err


def test_newest_events_removed_before_any_checkpoint_are_found_by_the_chain_head(db, env):
    some_events(db)
    tamper(db, "DELETE FROM audit_events WHERE seq = 6")
    code, _, err = verify(env)
    assert code == 1 and "broken at sequence 6" in err


def test_a_chain_rewritten_with_a_guessed_key_does_not_match_the_checkpoint(db, env, tmp_path):
    some_events(db, 3)
    assert verify(env)[0] == 0
    # Same events recorded again under another key (the attacker's): internally consistent.
    other = Database(db.engine, "another-key-" + "z" * 40)
    tamper(db, "DELETE FROM audit_events", "DELETE FROM audit_chain_head")
    some_events(other, 3, prefix="again")
    code, _, err = verify(env)
    assert code == 1 and "sequence 1" in err


def test_a_changed_checkpoint_file_is_refused(db, env, tmp_path):
    some_events(db, 2)
    assert verify(env)[0] == 0
    path = tmp_path / "checkpoint.json"
    path.write_text(path.read_text().replace('"seq": 2', '"seq": 1'))
    code, _, err = verify(env)
    assert code == 1 and "checkpoint" in err and "changed" in err


def test_the_database_refuses_to_change_or_delete_an_event(db):
    some_events(db, 2)
    for statement in (
        "UPDATE audit_events SET actor = 'x' WHERE seq = 1",
        "DELETE FROM audit_events WHERE seq = 1",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    with db.uow() as uow:
        assert uow.session.scalar(select(AuditEvent.actor).where(AuditEvent.seq == 1)) == "cli"
        assert uow.session.scalar(select(func.count(AuditEvent.id))) == 2


@pytest.mark.postgres
def test_postgresql_refuses_truncate(pg_database):
    with pytest.raises(DBAPIError, match="append-only"), pg_database.engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_events"))


def test_without_the_key_nothing_is_done(db):
    keyless = Database(db.engine)
    with pytest.raises(AuditKeyMissing, match="CARE_PLANS_AUDIT_KEY"):
        users.create_user(keyless, CLI, username="nokey", full_name="No Key", role="admin")
    assert users.count_users(db) == 0


def test_the_command_without_a_key_says_what_to_set(db, env, tmp_path):
    keyless = {
        "DATABASE_URL": env["DATABASE_URL"],
        "CARE_PLANS_SECRETS_FILE": str(tmp_path / "none.toml"),
    }
    code, _, err = run(keyless, "create-user", "x.y", "--name", "X", "--role", "admin")
    assert code == 1 and "CARE_PLANS_AUDIT_KEY" in err
    assert users.count_users(db) == 0


def test_concurrent_writers_never_fork_the_chain(db, env):
    """Several servers at once (threads with their own connections): one gapless chain."""
    settings = Settings()
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(8):
                auth.record_failure(db, settings, f"w{n}-{i}", source_address=f"10.0.{n}.1")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.uow() as uow:
        seqs = list(uow.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
        head = uow.session.scalar(select(AuditChainHead.last_seq))
    assert seqs == list(range(1, 49)) and head == 48
    code, out, _ = verify(env)
    assert code == 0 and "48 events" in out


def test_the_app_checkpoints_from_the_last_checkpoint_on(db, tmp_path):
    """The app's periodic check walks only the new events, then moves the checkpoint on."""
    path = tmp_path / "cp.json"
    some_events(db, 3)
    assert audit.checkpoint_now(db, AUDIT_KEY, path).seq == 3
    some_events(db, 2, prefix="more")
    assert audit.checkpoint_now(db, AUDIT_KEY, path).seq == 5
    some_events(db, 2, prefix="last")
    tamper(db, "UPDATE audit_events SET actor = 'x' WHERE seq = 6")
    with pytest.raises(audit.ChainBroken, match="sequence 6"):
        audit.checkpoint_now(db, AUDIT_KEY, path)
    assert audit.read_checkpoint(path, AUDIT_KEY).seq == 5
    tamper(db, "UPDATE audit_events SET actor = 'x' WHERE seq = 5")
    with pytest.raises(audit.ChainBroken, match="sequence 5"):
        audit.checkpoint_now(db, AUDIT_KEY, path)
