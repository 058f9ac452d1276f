"""Guards that keep the pages quick at clinic scale, on SQLite and on PostgreSQL (no timing).

1. Each page's SQL statements per rerun are the same for a small and a four-times-larger demo
   database (more clients, longer histories): a query per client, per check-in or per session
   would make the larger one send more.
2. The query plan of every statement the pages send that reads check-ins or measure
   responses, after ANALYZE, searches an index rather than scanning the table (SQLite's
   EXPLAIN QUERY PLAN says SEARCH, not SCAN; PostgreSQL's EXPLAIN, with sequential scans
   priced out, has no "Seq Scan" on them, which it can only manage when an index serves).

The pages are the real ones: the entry script through the real sign-in form (AppTest), the
data from `seed_demo`, the statements caught by a SQLAlchemy event.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from sqlalchemy import Engine, event, select

from care_plans.access import Actor
from care_plans.config import Settings
from care_plans.db import Database, init_db, make_engine
from care_plans.demo import DEMO_PASSWORD, seed_demo
from care_plans.models import Client, ClientAssignment, User
from care_plans.services import checkin_links
from tests.app.conftest import COOKIE_KEY
from tests.app.helpers import new_app, sign_in
from tests.conftest import AUDIT_KEY

TODAY: date = datetime.now(Settings.from_env().tz).date()  # the clinic's date, as the pages'

SIZES = {"small": (6, 30), "larger": (24, 120)}  # clients, days of history
GUARDED_TABLES = ("checkins", "measure_responses")
#: A scan of these partial indexes reads only the self-harm answers awaiting follow-up, and
#: only the check-ins entered in error.
BOUNDED_INDEXES = ("ix_measure_pending_risk", "ix_checkins_in_error")


@dataclass
class Recorder:
    """Every statement sent while `on`, with its parameters."""

    on: bool = False
    statements: list[tuple[str, Any]] = field(default_factory=list)

    def __call__(
        self,
        _conn: Any,
        _cursor: Any,
        statement: str,
        parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        if self.on:
            self.statements.append((statement, parameters))


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    event.listen(Engine, "before_cursor_execute", rec)
    yield rec
    event.remove(Engine, "before_cursor_execute", rec)


def _seeded(url: str, clients: int, days: int) -> tuple[Database, str, str]:
    """A demo database; the ref of one of demo.clinician's clients and a check-in link."""
    db = Database(make_engine(url), AUDIT_KEY)
    init_db(db.engine)
    seed_demo(db, clients=clients, days=days, clinicians=2, end_date=TODAY)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    with db.uow() as uow:
        s = uow.session
        user = s.scalar(select(User).where(User.username == "demo.clinician"))
        ref, client_id = s.execute(
            select(Client.ref, Client.id)
            .join(ClientAssignment, ClientAssignment.client_id == Client.id)
            .where(ClientAssignment.user_id == user.id)
            .order_by(Client.id)
            .limit(1)
        ).one()
        actor = Actor.of(user)
    token, _ = checkin_links.create_link(db, actor, client_id)
    return db, ref, token


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def two_sizes(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, tuple[Database, str, str]]]:
    made: dict[str, tuple[Database, str, str]] = {}
    for name, (clients, days) in SIZES.items():
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / name}.db"
        else:
            server = request.getfixturevalue("pg_server")
            url = server.create_database(f"guard_{name}_{uuid.uuid4().hex[:8]}")
        made[name] = _seeded(url, clients, days)
    monkeypatch.setenv("CARE_PLANS_COOKIE_KEY", COOKIE_KEY)
    monkeypatch.setenv("CARE_PLANS_AUDIT_KEY", AUDIT_KEY)
    monkeypatch.setenv("CARE_PLANS_AUDIT_CHECKPOINT", str(tmp_path / "audit-checkpoint.json"))
    yield made
    for db, _, _ in made.values():
        db.dispose()
    st.cache_resource.clear()
    st.cache_data.clear()


PAGES = (
    "caseload, clinician",
    "caseload, supervisor",
    "client page",
    "session review",
    "outcomes, supervisor",
    "check-in form",
)


def _page_runs(
    db: Database, ref: str, token: str, rec: Recorder, monkeypatch: pytest.MonkeyPatch
) -> dict[str, list[tuple[str, Any]]]:
    """The statements of one rerun of each page (after a first run, as a clinician clicks)."""
    monkeypatch.setenv("DATABASE_URL", str(db.engine.url.render_as_string(hide_password=False)))
    st.cache_resource.clear()
    st.cache_data.clear()
    caught: dict[str, list[tuple[str, Any]]] = {}

    def steady(at: Any, name: str) -> None:
        at.run()
        # Pages keep what they read between reruns (keyed by data version); the recorded
        # run reads afresh, so that every query a page can send is counted and its plan read.
        st.cache_data.clear()
        rec.statements = []
        rec.on = True
        at.run()
        rec.on = False
        assert not at.exception, f"{name}: {at.exception}"
        caught[name] = rec.statements

    clinician = sign_in(new_app(), "demo.clinician", DEMO_PASSWORD)
    clinician.switch_page("views/caseload.py")
    steady(clinician, "caseload, clinician")
    supervisor = sign_in(new_app(), "demo.supervisor", DEMO_PASSWORD)
    supervisor.switch_page("views/caseload.py")
    steady(supervisor, "caseload, supervisor")
    clinician.query_params["client"] = ref
    clinician.switch_page("views/client.py")
    steady(clinician, "client page")
    clinician.query_params["client"] = ref
    clinician.switch_page("views/review.py")
    clinician.session_state["review:charts"] = True  # the charts' box opened
    steady(clinician, "session review")
    supervisor.switch_page("views/outcomes.py")
    steady(supervisor, "outcomes, supervisor")
    form = new_app()
    form.query_params["checkin"] = token
    steady(form, "check-in form")
    return caught


def test_each_pages_statement_count_does_not_grow_with_the_data(
    two_sizes: dict[str, tuple[Database, str, str]],
    recorder: Recorder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counts = {
        name: {
            page: len(statements)
            for page, statements in _page_runs(*made, recorder, monkeypatch).items()
        }
        for name, made in two_sizes.items()
    }
    assert set(counts["small"]) == set(PAGES)
    assert all(counts["small"][page] > 0 for page in PAGES)
    assert counts["small"] == counts["larger"]


def _plan(db: Database, statement: str, parameters: Any) -> list[str]:
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            return [str(r[-1]) for r in rows]
        conn.exec_driver_sql("SET enable_seqscan = off")
        rows = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
        return [str(r[0]) for r in rows]


def _full_scans(dialect: str, plan: list[str]) -> list[str]:
    tables = "|".join(GUARDED_TABLES)
    if dialect == "sqlite":
        pattern = re.compile(rf"^SCAN ({tables})(_\d+)?\b")
        return [
            line
            for line in plan
            if pattern.search(line) and not any(index in line for index in BOUNDED_INDEXES)
        ]
    pattern = re.compile(rf"Seq Scan on ({tables})\b")
    return [line for line in plan if pattern.search(line)]


def test_page_queries_search_indexes_instead_of_scanning_checkins_and_measures(
    two_sizes: dict[str, tuple[Database, str, str]],
    recorder: Recorder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, ref, token = two_sizes["larger"]
    caught = _page_runs(db, ref, token, recorder, monkeypatch)
    checked, scans = 0, []
    for page, statements in caught.items():
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            if not any(t in statement for t in GUARDED_TABLES):
                continue
            checked += 1
            for line in _full_scans(db.engine.dialect.name, _plan(db, statement, parameters)):
                scans.append(f"{page}: {line}\n    in: {statement[:300]}")
    assert checked >= 10, "the pages read check-ins and measures"
    assert not scans, "full scans:\n" + "\n".join(scans)
