"""The two heaviest reads beside a naive baseline: whole tables into pandas, then filter.

Why: "is the SQL doing its job?" is answered by the ratio. The naive version reads every row
of the tables the read needs (as a first prototype with pandas would) and filters, groups and
sorts in pandas; the real one is what the pages call. Both give the same kind of answer (the
first caseload page most urgent first; one client's progress frames), so the ratio is the worth
of the indexes and of aggregating in the database.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import select

from benchmarks import BENCH_AUDIT_KEY
from care_plans import measures
from care_plans.access import Actor
from care_plans.db import Database
from care_plans.models import User
from care_plans.read import caseload, outcomes, progress


def _median_ms(run: Callable[[], Any], runs: int) -> float:
    run()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def naive_caseload(db: Database, today: date) -> pd.DataFrame:
    """The supervisor's first caseload page, most urgent first, from whole tables."""
    with db.engine.connect() as conn:
        clients = pd.read_sql("SELECT id, ref, full_name, status FROM clients", conn)
        plans = pd.read_sql(
            "SELECT id, client_id, status, start_date, next_review_date FROM care_plans", conn
        )
        checkins = pd.read_sql(
            "SELECT id, client_id, submitted_at, entered_in_error FROM checkins", conn
        )
        responses = pd.read_sql(
            "SELECT id, client_id, checkin_id, instrument, "
            "administered_at, total, risk_flag, risk_followed_up_at "
            "FROM measure_responses",
            conn,
        )
    clients = clients[clients["status"] == "ACTIVE"]
    plans = plans.sort_values("id").groupby("client_id").tail(1)
    valid = checkins[~checkins["entered_in_error"].astype(bool)]
    valid = valid.assign(submitted_at=pd.to_datetime(valid["submitted_at"], format="mixed"))
    last = valid.groupby("client_id")["submitted_at"].max().rename("last_checkin")
    scored = responses[responses["checkin_id"].isin(valid["id"])]
    scored = scored.assign(at=pd.to_datetime(scored["administered_at"], format="mixed"))
    scored = scored.sort_values(["at", "id"])
    frame = clients.merge(
        plans, left_on="id", right_on="client_id", how="left", suffixes=("", "_plan")
    ).merge(last, left_on="id", right_index=True, how="left")
    start = pd.to_datetime(frame.set_index("id")["start_date"])
    deteriorated = pd.Series(False, index=frame["id"])
    for code in caseload.FLAGGED_INSTRUMENTS:
        rows = scored[scored["instrument"] == code]
        newest = rows.groupby("client_id")["total"].last()
        since = rows[rows["at"].dt.tz_localize(None) >= start.reindex(rows["client_id"]).values]
        first = since.groupby("client_id")["total"].first()
        change = (newest - first).reindex(frame["id"])
        deteriorated |= change >= measures.get_instrument(code).reliable_change_points
    pending = scored[scored["risk_flag"].astype(bool) & scored["risk_followed_up_at"].isna()]
    cutoff = pd.Timestamp(today - timedelta(days=14))
    frame = frame.assign(
        self_harm=frame["id"].isin(pending["client_id"]),
        deteriorated=deteriorated.values,
        overdue=pd.to_datetime(frame["next_review_date"]) < pd.Timestamp(today),
        quiet=frame["last_checkin"].dt.tz_localize(None) < cutoff,
    )
    return frame.sort_values(
        ["self_harm", "deteriorated", "overdue", "quiet", "ref"],
        ascending=[False, False, False, False, True],
    ).head(50)


def naive_progress(db: Database, client_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One client's self-ratings and scores, from whole tables."""
    with db.engine.connect() as conn:
        checkins = pd.read_sql("SELECT * FROM checkins", conn)
        responses = pd.read_sql("SELECT * FROM measure_responses", conn)
    mine = checkins[
        (checkins["client_id"] == client_id) & ~checkins["entered_in_error"].astype(bool)
    ]
    scores = responses[responses["checkin_id"].isin(mine["id"])]
    return mine.sort_values("submitted_at"), scores.sort_values("administered_at")


def naive_outcomes(db: Database) -> pd.DataFrame:
    """Each client's first and last complete PHQ-9 / GAD-7 total, from whole tables."""
    with db.engine.connect() as conn:
        checkins = pd.read_sql("SELECT id, entered_in_error FROM checkins", conn)
        responses = pd.read_sql(
            "SELECT client_id, checkin_id, instrument, administered_at, "
            "total, is_partial FROM measure_responses",
            conn,
        )
    valid = set(checkins.loc[~checkins["entered_in_error"].astype(bool), "id"])
    scored = responses[responses["checkin_id"].isin(valid) & ~responses["is_partial"].astype(bool)]
    scored = scored.sort_values("administered_at")
    grouped = scored.groupby(["client_id", "instrument"])["total"]
    return pd.DataFrame({"baseline": grouped.first(), "final": grouped.last()})


def bench_reads(url: str, runs: int, tz: Any = UTC) -> dict[str, Any]:
    db = Database.from_url(url, BENCH_AUDIT_KEY)
    try:
        with db.uow() as uow:
            s = uow.session
            supervisor = Actor.of(s.scalar(select(User).where(User.username == "demo.supervisor")))
        today = datetime.now(tz).date()
        client_id = 1
        out: dict[str, Any] = {}
        real = _median_ms(
            lambda: caseload.caseload_page(
                db, supervisor, today=today, sort="flags", descending=True, tz=tz
            ),
            runs,
        )
        naive = _median_ms(lambda: naive_caseload(db, today), runs)
        out["caseload, supervisor, most urgent first"] = {"real_ms": real, "naive_ms": naive}
        real = _median_ms(
            lambda: progress.progress_data(
                db, supervisor, client_id, since=None, until=None, tz=tz, today=today
            ),
            runs,
        )
        naive = _median_ms(lambda: naive_progress(db, client_id), runs)
        out["one client's progress, all time"] = {"real_ms": real, "naive_ms": naive}
        since = today - timedelta(days=365)
        real = _median_ms(
            lambda: outcomes.service_outcomes(
                db, supervisor, since=since, until=today, tz=tz, today=today
            ),
            runs,
        )
        naive = _median_ms(lambda: naive_outcomes(db), runs)
        out["service outcomes, a year"] = {"real_ms": real, "naive_ms": naive}
        return out
    finally:
        db.dispose()
