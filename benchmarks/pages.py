"""Page runs for `make bench`: one script run of each page after sign-in, driven by AppTest.

Run as its own process per database (`python -m benchmarks.pages URL OUT.json`), so the peak
memory it reports (ru_maxrss) is that of a process that ran the app's pages at one scale and
nothing else. Each page is run once as a warm-up (caches, imports, the first query plans), then
`--runs` times; the median is kept, with the SQL statements of one run counted by a
SQLAlchemy event. The page is the same one a clinician gets: the real entry script, the real
sign-in form, the real services.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, select

from benchmarks import BENCH_AUDIT_KEY

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
FLOOR = str(Path(__file__).resolve().parent / "floor_app.py")
COOKIE_KEY = "bench-cookie-key-" + "x" * 32
#: The session-state key of the client page's tabs (st.tabs(key=...)), and their labels.
CLIENT_TABS_KEY = "client_tab"
CLIENT_TABS = (
    "Progress",
    "Care plan",
    "Goals and steps",
    "Support network",
    "Check-ins",
    "Check-in link",
    "Sessions",
    "History",
    "Export",
    "Status",
)


class StatementCounter:
    """Counts the SQL statements sent to any engine while it is on."""

    def __init__(self) -> None:
        self.count = 0
        event.listen(Engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


def _timed(run: Callable[[], Any], counter: StatementCounter, runs: int) -> dict[str, Any]:
    run()  # warm-up
    times, statements = [], []
    for _ in range(runs):
        before = counter.count
        started = time.perf_counter()
        at = run()
        times.append(time.perf_counter() - started)
        statements.append(counter.count - before)
        if at is not None and at.exception:
            raise RuntimeError(f"the page raised: {at.exception[0].message}")
    return {
        "median_ms": statistics.median(times) * 1000,
        "min_ms": min(times) * 1000,
        "statements": statistics.median(statements),
        "runs": runs,
    }


def _signed_in(script: str, username: str, password: str) -> Any:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(script, default_timeout=120)
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    at.run()
    if at.exception:
        raise RuntimeError(f"sign-in failed: {at.exception[0].message}")
    return at


def run_pages(url: str, runs: int) -> dict[str, Any]:
    os.environ["DATABASE_URL"] = url
    os.environ["CARE_PLANS_COOKIE_KEY"] = COOKIE_KEY
    os.environ["CARE_PLANS_AUDIT_KEY"] = BENCH_AUDIT_KEY
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from care_plans.access import Actor
    from care_plans.db import Database
    from care_plans.demo import DEMO_PASSWORD
    from care_plans.models import Client, ClientAssignment, User
    from care_plans.services import checkin_links

    st.cache_resource.clear()
    counter = StatementCounter()
    db = Database.from_url(url, BENCH_AUDIT_KEY)
    with db.uow() as uow:
        s = uow.session
        clinician = s.scalar(select(User).where(User.username == "demo.clinician"))
        # The clinician's first client that is not one of the featured demo stories.
        ref, client_id = s.execute(
            select(Client.ref, Client.id)
            .join(ClientAssignment, ClientAssignment.client_id == Client.id)
            .where(ClientAssignment.user_id == clinician.id)
            .order_by(Client.id)
        ).all()[-1]
        clients = s.scalar(select(Client.id).order_by(Client.id.desc()).limit(1))
        actor = Actor.of(clinician)
    token, _ = checkin_links.create_link(db, actor, client_id)
    db.dispose()

    results: dict[str, Any] = {"client_ref": ref, "clients": clients, "pages": {}}
    pages = results["pages"]

    floor = _signed_in(FLOOR, "demo.clinician", DEMO_PASSWORD)
    pages["floor (signed in, empty page)"] = _timed(floor.run, counter, runs)

    at = _signed_in(APP, "demo.clinician", DEMO_PASSWORD)
    at.switch_page("views/caseload.py").run()
    pages["caseload, clinician"] = _timed(at.run, counter, runs)

    sup = _signed_in(APP, "demo.supervisor", DEMO_PASSWORD)
    sup.switch_page("views/caseload.py").run()
    pages["caseload, supervisor"] = _timed(sup.run, counter, runs)

    at.query_params["client"] = ref
    at.switch_page("views/client.py").run()
    for label in CLIENT_TABS:
        at.session_state[CLIENT_TABS_KEY] = label

        def client_page(label: str = label) -> Any:
            at.session_state[CLIENT_TABS_KEY] = label
            return at.run()

        pages[f"client page, {label}"] = _timed(client_page, counter, runs)

    at.query_params["client"] = ref
    at.switch_page("views/review.py").run()
    pages["session review"] = _timed(at.run, counter, runs)

    form = AppTest.from_file(APP, default_timeout=120)
    form.query_params["checkin"] = token
    pages["check-in form (client link)"] = _timed(form.run, counter, runs)

    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pages")
    parser.add_argument("url")
    parser.add_argument("out", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    from care_plans import passwords

    passwords.BCRYPT_ROUNDS = 4
    results = run_pages(args.url, args.runs)
    args.out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
