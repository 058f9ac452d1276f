"""Faults survived: a PostgreSQL stopped mid-test, a SQLite write lock held by another process,
an action interrupted half-way, and no statement parameter (what someone typed) in any log or
error message.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from care_plans import audit
from care_plans.db import Database, init_db, make_engine
from care_plans.errors import DatabaseBusy, DatabaseUnavailable
from care_plans.models import AuditEvent, CarePlan, PlanRevision
from care_plans.read import plans as read_plans
from care_plans.services import plans, revisions
from tests.conftest import AUDIT_KEY, IN_CI
from tests.factories import clinic_today, make_client, make_user

SECRET = "Feels-SAFE-with-sister-7731 (typed text that must never reach a log)"


def team(db: Database) -> SimpleNamespace:
    alice = make_user(db, "alice")
    client = make_client(db, alice, today=clinic_today())
    return SimpleNamespace(db=db, alice=alice, client_id=client.id, plan_id=client.plan_id)


def save_plan(t: SimpleNamespace, wellness: str) -> revisions.Saved:
    version = read_plans.get_plan(t.db, t.alice, t.client_id).version
    return plans.update_plan(
        t.db, t.alice, t.plan_id, expected_version=version, changes={"wellness": wellness}
    )


def stored(t: SimpleNamespace) -> tuple[str | None, int, int]:
    with t.db.uow() as uow:
        s = uow.session
        return (
            s.scalar(select(CarePlan.wellness).where(CarePlan.id == t.plan_id)),
            s.scalar(select(func.count(PlanRevision.id))),
            s.scalar(select(func.count(AuditEvent.id))),
        )


# --- statement parameters never logged -----------------------------------------------------


def test_a_database_error_never_carries_the_typed_text(db, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DBAPIError) as raised, db.engine.connect() as conn:
        conn.execute(text("INSERT INTO users (username) VALUES (:u)"), {"u": SECRET})
    chain = [raised.value, raised.value.__cause__, raised.value.__context__]
    assert all(SECRET not in str(e) for e in chain if e is not None)
    assert "hidden due to hide_parameters" in str(raised.value)
    assert SECRET not in caplog.text


# --- SQLite write lock held by another process ---------------------------------------------

HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
print("released", flush=True)
"""


class LockHolder:
    """Another process holding the SQLite file's write lock until told to let go."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.proc: subprocess.Popen[str] | None = None

    def hold(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, self.path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        assert self.proc is not None
        out, _ = self.proc.communicate("\n", timeout=30)
        assert "released" in out


@pytest.fixture
def lock_holder(sqlite_db: Database) -> Iterator[LockHolder]:
    holder = LockHolder(str(sqlite_db.engine.url.database))
    yield holder
    if holder.proc is not None and holder.proc.poll() is None:
        holder.proc.communicate("\n", timeout=30)


def test_a_lock_held_too_long_is_refused_plainly_and_nothing_is_written(
    sqlite_db, lock_holder, caplog
):
    caplog.set_level(logging.DEBUG)
    t = team(sqlite_db)
    before = stored(t)
    lock_holder.hold()
    with pytest.raises(DatabaseBusy, match="busy with another change.*nothing was saved"):
        save_plan(t, SECRET)
    lock_holder.release()
    assert stored(t) == before
    assert SECRET not in caplog.text
    # The next action, with the lock gone, works.
    assert save_plan(t, SECRET).revision >= 1
    assert stored(t)[0] == SECRET


def test_a_lock_released_while_waiting_lets_the_action_through(sqlite_db, lock_holder):
    t = team(sqlite_db)
    version = read_plans.get_plan(t.db, t.alice, t.client_id).version
    lock_holder.hold()
    # The other process lets go a moment after the save has started waiting.
    releaser = threading.Timer(1.0, lock_holder.release)
    releaser.start()
    try:
        saved = plans.update_plan(
            t.db,
            t.alice,
            t.plan_id,
            expected_version=version,
            changes={"wellness": "after the wait"},
        )
    finally:
        releaser.join()
    assert saved.revision >= 1 and stored(t)[0] == "after the wait"


# --- PostgreSQL stopped and restarted ------------------------------------------------------


@pytest.fixture
def own_pg() -> Iterator[object]:
    """A PostgreSQL of this test's own, so stopping it disturbs no other test."""
    from tests.pgserver import PostgresUnavailable, start_or_explain

    try:
        server = start_or_explain()
    except PostgresUnavailable as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL could not be started in CI: {exc}")
        pytest.skip(f"PostgreSQL not available here: {exc}")
    yield server
    server.stop()


@pytest.fixture
def pg_db(own_pg) -> Iterator[Database]:
    url = own_pg.create_database("faults")  # type: ignore[attr-defined]
    database = Database(make_engine(url), AUDIT_KEY)
    init_db(database.engine)
    yield database
    database.dispose()


@pytest.mark.postgres
def test_a_stopped_postgresql_is_a_plain_refusal_and_the_next_action_recovers(own_pg, pg_db):
    t = team(pg_db)
    save_plan(t, "before the outage")
    own_pg.pause()  # type: ignore[attr-defined]
    with pytest.raises(DatabaseUnavailable, match="cannot be reached.*nothing was saved"):
        save_plan(t, SECRET)
    with pytest.raises(DatabaseUnavailable):
        read_plans.get_plan(pg_db, t.alice, t.client_id)
    own_pg.resume()  # type: ignore[attr-defined]
    # Same Database object, same pool: the dead connections are replaced on the next action.
    assert (
        read_plans.get_plan(pg_db, t.alice, t.client_id).sections["wellness"] == "before the outage"
    )
    save_plan(t, "after the restart")
    assert stored(t)[0] == "after the restart"


@pytest.mark.postgres
def test_an_action_cut_off_half_way_leaves_nothing(own_pg, pg_db, monkeypatch):
    """The server goes away after the change was sent but before it was committed."""
    t = team(pg_db)
    save_plan(t, "the plan as it was")
    before = stored(t)
    real_record = audit.record

    def record_then_outage(*args, **kwargs):
        event = real_record(*args, **kwargs)
        own_pg.pause()  # type: ignore[attr-defined]
        return event

    monkeypatch.setattr(audit, "record", record_then_outage)
    with pytest.raises(DatabaseUnavailable):
        save_plan(t, SECRET)
    monkeypatch.setattr(audit, "record", real_record)
    own_pg.resume()  # type: ignore[attr-defined]
    assert stored(t) == before
    assert audit.verify(pg_db.session_factory(), AUDIT_KEY).intact


def test_an_interrupted_action_leaves_nothing(db, monkeypatch):
    """A process stopped half-way (Ctrl-C, a killed worker): the unit of work rolls back."""
    t = team(db)
    before = stored(t)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(audit, "record", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_plan(t, SECRET)
    monkeypatch.undo()
    assert stored(t) == before
