"""Backups that restore: a backup is only as good as the working database it becomes.

SQLite: `care-plans backup` while the database is in use, the copy put in place of a new
database, then `care-plans verify-audit` on it and a clinician signing in and opening a client
there. PostgreSQL: the documented `pg_dump --format=custom` and `pg_restore` into a new
database, then the same checks (docs/administration.md, section 6).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import select

from care_plans.db import Database
from care_plans.demo import DEMO_PASSWORD
from care_plans.models import Client, ClientAssignment, User
from tests.app.conftest import COOKIE_KEY
from tests.app.helpers import new_app, sign_in
from tests.conftest import AUDIT_KEY
from tests.db.test_cli import run


def _seed(env: dict[str, str]) -> None:
    assert run(env, "init-db")[0] == 0
    code, _, err = run(
        env, "seed-demo", "--clients", "3", "--days", "30", "--end-date", "2026-06-30"
    )
    assert code == 0, err


def _a_client_of_demo_clinician(url: str) -> tuple[str, str]:
    db = Database.from_url(url, AUDIT_KEY)
    try:
        with db.uow() as uow:
            return uow.session.execute(
                select(Client.ref, Client.full_name)
                .join(ClientAssignment)
                .join(User)
                .where(User.username == "demo.clinician")
                .order_by(Client.ref)
                .limit(1)
            ).one()
    finally:
        db.dispose()


def _restored_database_works(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """verify-audit passes, and a clinician signs in and opens a client in the restored copy."""
    env = {
        "DATABASE_URL": url,
        "CARE_PLANS_AUDIT_KEY": AUDIT_KEY,
        "CARE_PLANS_AUDIT_CHECKPOINT": str(tmp_path / "restored-checkpoint.json"),
    }
    code, out, err = run(env, "verify-audit")
    assert code == 0, err
    assert "intact" in out
    ref, name = _a_client_of_demo_clinician(url)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("CARE_PLANS_COOKIE_KEY", COOKIE_KEY)
    st.cache_resource.clear()
    try:
        at = sign_in(new_app(), "demo.clinician", DEMO_PASSWORD)
        assert not at.exception
        at.query_params["client"] = ref
        at.switch_page("views/client.py").run()
        assert not at.exception
        assert at.title[0].value == name
    finally:
        st.cache_resource.clear()


def test_a_sqlite_backup_restores_into_a_working_database(tmp_path, monkeypatch):
    live = {"DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}", "CARE_PLANS_AUDIT_KEY": AUDIT_KEY}
    _seed(live)
    backup = tmp_path / "backups" / "care-plans-2026-06-30.db"
    backup.parent.mkdir()
    code, out, err = run(live, "backup", "--out", str(backup))
    assert code == 0, err
    # restore: the copy put where a new database's DATABASE_URL points
    restored = tmp_path / "restored" / "care-plans.db"
    restored.parent.mkdir()
    shutil.copy(backup, restored)
    _restored_database_works(f"sqlite:///{restored}", tmp_path, monkeypatch)


@pytest.mark.postgres
def test_a_postgresql_dump_restores_into_a_working_database(pg_server, tmp_path, monkeypatch):
    url = pg_server.create_database("backup_live")
    live = {"DATABASE_URL": url, "CARE_PLANS_AUDIT_KEY": AUDIT_KEY}
    _seed(live)
    dump = tmp_path / "care-plans.dump"
    base = ["-h", "127.0.0.1", "-p", str(pg_server.port), "-U", "postgres"]
    done = subprocess.run(
        [str(pg_server.bin / "pg_dump"), *base, "--format=custom", f"--file={dump}", "backup_live"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    restored_url = pg_server.create_database("backup_restored")
    done = subprocess.run(
        [str(pg_server.bin / "pg_restore"), *base, "--dbname=backup_restored", str(dump)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    _restored_database_works(restored_url, tmp_path, monkeypatch)
