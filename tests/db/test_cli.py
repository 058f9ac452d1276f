"""Every `care-plans` subcommand: success and refusal, exit code and message.

The command runs in-process through `main(argv, env)` on a SQLite file of the test's own (never
the environment's DATABASE_URL); a few runs go through a real subprocess to prove there is no
traceback and usage errors exit 2.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from care_plans import cli
from care_plans.db import Database
from care_plans.models import AuditEvent, CheckinLink
from care_plans.services import checkin_links
from tests.conftest import AUDIT_KEY

ROOT = Path(__file__).resolve().parents[2]
GOOD_PASSWORD = "plenty of words here"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "CARE_PLANS_AUDIT_KEY": AUDIT_KEY}


def run(env: dict[str, str], *argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        try:
            code = cli.main(list(argv), env=env)
        except SystemExit as exc:  # argparse usage errors and --help
            code = int(exc.code or 0)
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def ready(env: dict[str, str]) -> dict[str, str]:
    assert run(env, "init-db")[0] == 0
    return env


def _head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "care_plans" / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def test_init_db_is_idempotent(env):
    head = _head_revision()
    code, out, _ = run(env, "init-db")
    assert code == 0 and f"revision {head}" in out
    code, out, _ = run(env, "init-db")
    assert code == 0 and f"revision {head}" in out


def test_commands_before_init_db_say_what_to_do(env):
    code, _, err = run(env, "clients")
    assert code == 1 and "care-plans init-db" in err


def test_create_user_with_password_from_stdin(ready):
    code, out, err = run(
        ready,
        "create-user",
        "Jo.Smith",
        "--name",
        "Jo Smith",
        "--role",
        "clinician",
        "--password-stdin",
        stdin=GOOD_PASSWORD + "\n",
    )
    assert (code, err) == (0, "")
    assert "created clinician jo.smith" in out


def test_create_user_refuses_weak_password_with_reason(ready):
    code, _, err = run(
        ready,
        "create-user",
        "josmith",
        "--name",
        "Jo",
        "--role",
        "clinician",
        "--password-stdin",
        stdin="short\n",
    )
    assert code == 1 and "at least 12 characters" in err
    code, _, err = run(
        ready,
        "create-user",
        "josmith",
        "--name",
        "Jo",
        "--role",
        "clinician",
        "--password-stdin",
        stdin="josmith-is-my-password\n",
    )
    assert code == 1 and "must not contain the username" in err
    assert run(ready, "clients")[0] == 0
    code, _, err = run(
        ready, "set-password", "josmith", "--password-stdin", stdin=GOOD_PASSWORD + "\n"
    )
    assert code == 1 and "No account" in err  # nothing was created by the refused calls


def test_create_user_refuses_duplicates_and_bad_roles(ready):
    assert run(ready, "create-user", "sam", "--name", "Sam", "--role", "admin")[0] == 0
    code, _, err = run(ready, "create-user", "SAM", "--name", "Sam", "--role", "admin")
    assert code == 1 and "already taken" in err
    code, _, err = run(ready, "create-user", "kim", "--name", "Kim", "--role", "wizard")
    assert code == 2 and "invalid choice" in err


def test_set_password_and_unlock(ready):
    run(ready, "create-user", "kim", "--name", "Kim", "--role", "clinician")
    code, out, _ = run(ready, "set-password", "kim", "--password-stdin", stdin=GOOD_PASSWORD + "\n")
    assert code == 0 and "password set for kim" in out
    code, _, err = run(ready, "set-password", "kim", "--password-stdin", stdin="password1234\n")
    assert code == 1 and "common passwords" in err
    code, _, err = run(ready, "set-password", "kim")  # stdin is not a terminal here
    assert code == 1 and "--password-stdin" in err
    code, out, _ = run(ready, "unlock", "kim")
    assert code == 0 and "unlocked kim" in out
    code, _, err = run(ready, "unlock", "nobody")
    assert code == 1 and "No account with username 'nobody'" in err


def test_seed_demo_then_clients_in_every_format(ready):
    code, out, _ = run(
        ready, "seed-demo", "--clients", "4", "--days", "30", "--end-date", "2026-06-30"
    )
    assert code == 0
    assert "seeded 4 clients" in out and "demo.clinician" in out and "demo.admin" in out

    code, out, _ = run(ready, "clients", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 4
    assert set(rows[0]) == {"ref", "name", "clinician", "status", "checkins", "last_checkin"}
    assert all(r["status"] == "active" and r["checkins"] > 0 for r in rows)
    assert all(r["last_checkin"].endswith("Z") and r["last_checkin"] < "2026-07-01" for r in rows)

    code, out, _ = run(ready, "clients", "--format", "csv")
    lines = out.splitlines()
    assert lines[0] == "ref,name,clinician,status,checkins,last_checkin" and len(lines) == 5

    code, out, _ = run(ready, "clients")
    assert code == 0 and out.splitlines()[0].split()[:3] == ["ref", "name", "clinician"]

    code, _, err = run(ready, "seed-demo", "--clients", "2")
    assert code == 1 and "already has clients" in err


def test_clients_empty_and_bad_format(ready):
    assert run(ready, "clients") == (0, "no clients yet\n", "")
    assert json.loads(run(ready, "clients", "--format", "json")[1]) == []
    assert run(ready, "clients", "--format", "xml")[0] == 2


def test_seed_demo_usage_errors(ready):
    code, _, err = run(ready, "seed-demo", "--clients", "0")
    assert code == 2 and "must be at least 1" in err
    code, _, err = run(ready, "seed-demo", "--end-date", "2026-02-30")
    assert code == 2 and "not a date" in err


def test_import_checkins_success_dry_run_and_faults(ready, tmp_path):
    run(ready, "seed-demo", "--clients", "2", "--days", "14", "--end-date", "2026-06-30")
    good = tmp_path / "good.csv"
    good.write_text("client_ref,submitted_at,mood,hope\nCP-0001,2026-07-01T09:00Z,6,7\n")
    code, out, _ = run(ready, "import-checkins", str(good), "--dry-run")
    assert code == 0 and "dry run" in out and "imported 1, skipped 0 duplicates" in out
    code, out, _ = run(ready, "import-checkins", str(good))
    assert (code, out) == (0, "imported 1, skipped 0 duplicates\n")
    code, out, _ = run(ready, "import-checkins", str(good))
    assert (code, out) == (0, "imported 0, skipped 1 duplicates\n")

    bad = tmp_path / "bad.csv"
    bad.write_text("client_ref,submitted_at,mood\nCP-9999,2026-07-01,5\nCP-0001,2026-07-01,11\n")
    code, out, err = run(ready, "import-checkins", str(bad))
    assert code == 1 and out == ""
    assert "line 2: client_ref:" in err and "line 3: mood:" in err
    code, _, err = run(ready, "import-checkins", str(tmp_path / "missing.csv"))
    assert code == 1 and "cannot read" in err


def test_later_commands_exist_and_refuse_clearly(ready):
    run(ready, "seed-demo", "--clients", "1", "--days", "14", "--end-date", "2026-06-30")
    # The exports work now: tests/db/test_cli_export.py; an unknown ref is still refused.
    for command in ("export-pdf", "export-fhir"):
        code, _, err = run(ready, command, "CP-4040")
        assert code == 1 and "No client with ref 'CP-4040'" in err


def test_checkin_link_prints_a_working_address_and_its_expiry(ready):
    run(ready, "seed-demo", "--clients", "1", "--days", "14", "--end-date", "2026-06-30")
    env = {**ready, "CARE_PLANS_BASE_URL": "https://checkin.example.org/"}
    code, out, err = run(env, "checkin-link", "cp-0001", "--days", "7")
    assert (code, err) == (0, "")
    url, expiry = out.splitlines()
    assert url.startswith("https://checkin.example.org/?checkin=")
    token = url.split("=", 1)[1]
    assert len(token) >= 43 and "expires" in expiry
    db = Database.from_url(ready["DATABASE_URL"], AUDIT_KEY)
    try:
        assert checkin_links.open_link(db, token, source_address="10.0.0.1") is not None
        with db.uow() as uow:
            link = uow.session.scalars(select(CheckinLink)).one()
            assert link.token_hash != token and token not in link.token_hash
            assert link.expires_at - link.created_at == timedelta(days=7)
            event = uow.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "checkin_link.create")
            ).one()
            assert event.actor == "cli" and event.detail == {"days": 7}
    finally:
        db.dispose()
    code, out, _ = run(ready, "checkin-link", "CP-0001")
    assert code == 0 and "localhost:8501/?checkin=" in out
    code, _, err = run(ready, "checkin-link", "CP-4040")
    assert code == 1 and "No client with ref 'CP-4040'" in err
    code, _, err = run(ready, "checkin-link", "CP-0001", "--days", "0")
    assert code == 2 and "must be at least 1" in err
    code, _, err = run(ready, "checkin-link", "CP-0001", "--days", "400")
    assert code == 1 and "between 1 and 365" in err


def test_backup_copies_a_live_sqlite_database(ready, tmp_path):
    run(ready, "seed-demo", "--clients", "2", "--days", "14", "--end-date", "2026-06-30")
    out_file = tmp_path / "copy.db"
    code, out, _ = run(ready, "backup", "--out", str(out_file))
    assert code == 0 and "backup written" in out
    with sqlite3.connect(out_file) as conn:
        assert conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 2
    code, _, err = run(ready, "backup", "--out", str(out_file))
    assert code == 1 and "already exists" in err


def test_backup_refuses_postgresql_with_a_pointer_to_pg_dump(tmp_path):
    env = {"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    code, _, err = run(env, "backup", "--out", str(tmp_path / "x.db"))
    assert code == 1 and "pg_dump" in err


def test_prepare_local_seeds_only_an_empty_default_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env: dict[str, str] = {}
    assert run(env, "init-db")[0] == 0
    code, out, _ = run(env, "prepare-local")
    assert code == 0 and "created .streamlit/secrets.toml" in out and "demo.clinician" in out
    key = (tmp_path / ".streamlit/secrets.toml").read_text()
    assert "cookie_key" in key
    code, out, _ = run(env, "prepare-local")
    assert (code, out) == (0, "")  # never seeds a database that has users; keeps the key
    assert (tmp_path / ".streamlit/secrets.toml").read_text() == key


def test_prepare_local_never_seeds_a_configured_database(ready, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(ready, "prepare-local")
    assert code == 0 and "demo" not in out
    assert run(ready, "clients") == (0, "no clients yet\n", "")


@pytest.mark.parametrize(
    "command",
    [
        "init-db",
        "create-user",
        "set-password",
        "unlock",
        "seed-demo",
        "clients",
        "import-checkins",
        "export-pdf",
        "export-fhir",
        "checkin-link",
        "backup",
    ],
)
def test_every_subcommand_has_help(command):
    code, out, _ = run({}, command, "--help")
    assert code == 0 and out.startswith(f"usage: care-plans {command}")


def test_real_process_exit_codes_and_no_traceback(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    cmd = [sys.executable, "-m", "care_plans.cli"]
    usage = subprocess.run(
        [*cmd, "no-such-command"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert usage.returncode == 2 and "invalid choice" in usage.stderr
    refused = subprocess.run(
        [*cmd, "unlock", "ghost"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "init-db" in refused.stderr
