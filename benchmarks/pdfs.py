"""PDF timings for `make bench`: one client's summary warm in process, a batch of 100, and the
`care-plans export-pdf` command's wall time (a fresh process: imports, engine start, fonts).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from benchmarks import BENCH_AUDIT_KEY
from care_plans.access import Actor
from care_plans.config import Settings
from care_plans.db import Database
from care_plans.export import consent, service
from care_plans.models import Client, User

BATCH = 100


def bench_pdfs(url: str, runs: int, *, batch: bool = True) -> dict[str, Any]:
    db = Database.from_url(url, BENCH_AUDIT_KEY)
    settings = Settings.from_env(
        {**os.environ, "DATABASE_URL": url, "CARE_PLANS_AUDIT_KEY": BENCH_AUDIT_KEY}
    )
    out: dict[str, Any] = {}
    try:
        with db.uow() as uow:
            s = uow.session
            supervisor = Actor.of(s.scalar(select(User).where(User.username == "demo.supervisor")))
            ids = list(s.scalars(select(Client.id).order_by(Client.id).limit(BATCH)))
            ref = s.scalar(select(Client.ref).where(Client.id == ids[-1]))

        def export(client_id: int) -> None:
            """As the Export tab does it: the consent check first, then the file (the demo's
            plans name contacts without consent, which a clinician has checked here)."""
            mentions = service.pdf_mentions(db, supervisor, client_id, settings=settings)
            service.export_pdf(
                db, supervisor, client_id, settings=settings, proceed_with=consent.keys(mentions)
            )

        export(ids[0])  # warm-up
        times = []
        for client_id in ids[1 : runs + 1]:
            started = time.perf_counter()
            export(client_id)
            times.append(time.perf_counter() - started)
        out["pdf_warm_ms"] = statistics.median(times) * 1000
        if batch:
            started = time.perf_counter()
            service.export_batch_zip(
                db, supervisor, ids, settings=settings, proceed_despite_mentions=True
            )
            out["pdf_batch_100_s"] = time.perf_counter() - started
    finally:
        db.dispose()
    walls = []
    with tempfile.TemporaryDirectory() as folder:
        cli = Path(sys.executable).with_name("care-plans")
        for n in range(max(1, min(runs, 3))):
            target = Path(folder) / f"{n}.pdf"
            started = time.perf_counter()
            subprocess.run(
                [str(cli), "export-pdf", ref, "--out", str(target), "--proceed-despite-mentions"],
                check=True,
                capture_output=True,
                env={**os.environ, "DATABASE_URL": url, "CARE_PLANS_AUDIT_KEY": BENCH_AUDIT_KEY},
            )
            walls.append(time.perf_counter() - started)
    out["cli_export_pdf_s"] = statistics.median(walls)
    return out
