"""Ten clients checking in at once while clinicians read their caseloads: nothing lost, and no
"database is locked" for anyone. SQLite (WAL, busy timeout) and PostgreSQL.

Not a timing test: it asserts what people get (every check-in stored, every page read answered),
whatever the machine's speed.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from care_plans import audit
from care_plans.models import AuditEvent, CheckIn
from care_plans.read import caseload
from care_plans.services import checkin_links
from tests.conftest import AUDIT_KEY
from tests.factories import clinic_today, make_client, make_user

WRITERS = 10
EACH = 5
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def test_ten_concurrent_link_writers_and_page_reads_lose_nothing(db):
    alice = make_user(db, "alice", full_name="Alice Example")
    tokens = []
    for i in range(WRITERS):
        client = make_client(
            db, alice, ref=f"CP-{i + 1:04d}", full_name=f"Client {i + 1}", today=clinic_today()
        )
        token, _ = checkin_links.create_link(db, alice, client.id, now=NOW - timedelta(days=1))
        tokens.append(token)
    before_events = _count(db, AuditEvent)
    failures: list[BaseException] = []
    reads: list[int] = []
    start = threading.Barrier(WRITERS + 1)

    def write(n: int, token: str) -> None:
        try:
            start.wait()
            for k in range(EACH):
                checkin_links.submit_via_link(
                    db,
                    token,
                    source_address=f"10.0.0.{n}",
                    ratings={"mood": (n + k) % 11},
                    went_well=f"writer {n} check-in {k}",
                    now=NOW + timedelta(minutes=k),
                )
        except BaseException as exc:  # noqa: BLE001 - every failure is what the test reports
            failures.append(exc)

    def read() -> None:
        try:
            start.wait()
            for _ in range(EACH * 2):
                page = caseload.caseload_page(db, alice, today=NOW.date())
                reads.append(page.total)
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(n, t)) for n, t in enumerate(tokens)]
    threads.append(threading.Thread(target=read))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not [t for t in threads if t.is_alive()], "a writer or reader never finished"
    assert failures == [], f"refused or failed under load: {failures[:3]}"
    assert _count(db, CheckIn) == WRITERS * EACH  # nothing lost
    with db.uow() as uow:
        kept = set(uow.session.scalars(select(CheckIn.went_well)))
    assert kept == {f"writer {n} check-in {k}" for n in range(WRITERS) for k in range(EACH)}
    assert reads == [WRITERS] * (EACH * 2)  # every read answered, with every client
    assert _count(db, AuditEvent) > before_events  # and each one audited in the one chain
    with db.uow() as uow:
        verdict = audit.verify(uow.session, AUDIT_KEY, None)
    assert verdict.intact, verdict.describe()


def _count(db, model) -> int:
    with db.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)
