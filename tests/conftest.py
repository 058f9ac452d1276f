"""Shared fixtures: a real database per test, on SQLite and (for `db` tests) on PostgreSQL.

`db` is parametrised over both engines. SQLite: a fresh file per test, copied from a migrated
template. PostgreSQL: one throwaway server per run (started here, never DATABASE_URL), the schema
migrated once, every table emptied between tests. Under CI=true a PostgreSQL that cannot start
fails the tests that need it; locally they skip with the reason printed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import text

from care_plans import passwords
from care_plans.db import Database, init_db, make_engine
from care_plans.models import Base

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

#: The audit key of every test database (a real key's length; never a clinic's).
AUDIT_KEY = "test-audit-key-" + "k" * 32

# bcrypt's lowest work factor keeps hashing fast in tests; the algorithm is the same.
passwords.BCRYPT_ROUNDS = 4

# No test is timed (timings live in `make bench`): Hypothesis's 200 ms deadline per example
# failed property tests on a loaded machine while their assertions held.
settings.register_profile("care-plans", deadline=None)
settings.load_profile("care-plans")


@pytest.fixture(autouse=True, scope="session")
def _never_the_clinics_database() -> Iterator[None]:
    saved = os.environ.pop("DATABASE_URL", None)
    yield
    if saved is not None:
        os.environ["DATABASE_URL"] = saved


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    init_db(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    from tests.pgserver import PostgresUnavailable, start_or_explain

    try:
        server = start_or_explain()
    except PostgresUnavailable as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL could not be started in CI: {exc}")
        pytest.skip(f"PostgreSQL not available here: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_database(pg_server: object) -> Iterator[Database]:
    url = pg_server.create_database("care_plans_test")  # type: ignore[attr-defined]
    database = Database(make_engine(url), AUDIT_KEY)
    init_db(database.engine)
    yield database
    database.dispose()


def _truncate_all(database: Database) -> None:
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with database.engine.begin() as conn:
        # The append-only triggers refuse TRUNCATE too; replica mode skips them for this reset.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def _sqlite_db(template: Path, tmp_path: Path) -> Database:
    path = tmp_path / "care-plans.db"
    shutil.copy(template, path)
    return Database(make_engine(f"sqlite:///{path}"), AUDIT_KEY)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database: once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        database = _sqlite_db(sqlite_template, tmp_path)
        yield database
        database.dispose()
    else:
        database = request.getfixturevalue("pg_database")
        _truncate_all(database)
        yield database


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty SQLite database (for tests where the engine does not matter)."""
    database = _sqlite_db(sqlite_template, tmp_path)
    yield database
    database.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many data-layer tests ran on each engine, so CI shows PostgreSQL really ran."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            for engine in ("sqlite", "postgresql"):
                if f"[{engine}" in nodeid or f"-{engine}]" in nodeid or f"-{engine}-" in nodeid:
                    bucket = counts.setdefault(engine, {})
                    bucket[outcome] = bucket.get(outcome, 0) + 1
    if counts:
        terminalreporter.section("tests run on each database engine")
        for engine, by_outcome in sorted(counts.items()):
            detail = ", ".join(f"{n} {o}" for o, n in sorted(by_outcome.items()))
            terminalreporter.write_line(f"{engine}: {detail}")
