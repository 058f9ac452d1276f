"""The client's story over time, as plain DataFrames: the read model behind the progress charts.

Why a module of its own: the client page, the session review and the PDF summary all draw the
same charts, so they must read the same data the same way: check-ins entered in error left out,
the baseline of each measure taken as the caseload's flag takes it (first score on or after the
plan's start, :func:`care_plans.read.caseload.baseline_and_latest`), times shown in the clinic's
time zone. One access check, then a handful of set-based queries (never one per row); the charts in
:mod:`care_plans.charts` turn the frames into pictures without touching the database.

Every time column holds *naive clinic wall-clock* datetimes (``datetime64``): Vega-Lite parses a
full ISO time without an offset as local time and shows it unchanged, so a check-in made at 21:40
in the clinic reads 21:40 on every screen and in the PDF, whatever the viewer's time zone.
Calendar dates (sessions, reviews, steps) are midnight of that day in the same form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import pandas as pd
from sqlalchemy import select

from care_plans import measures
from care_plans.access import Actor, client_for_read
from care_plans.db import Database
from care_plans.models import (
    RATINGS,
    Attendance,
    CheckIn,
    ClinicalSession,
    GasRating,
    Goal,
    GoalProgress,
    MeasureResponse,
    Step,
)
from care_plans.read.caseload import baseline_and_latest
from care_plans.read.plans import current_plan
from care_plans.rules import RATING_LABELS

WIN = "win"
SETBACK = "setback"
SESSION = "session"
PLAN_REVIEW = "plan review"

RATING_COLUMNS = ("time", "rating", "value")
NOTE_COLUMNS = ("time", "kind", "text")
MEASURE_COLUMNS = ("time", "instrument", "total", "severity", "risk_flag", "risk_answer", "answers")
GOAL_PROGRESS_COLUMNS = ("time", "goal_id", "goal", "rating")
STEP_COLUMNS = ("goal_id", "goal", "description", "done_on", "due_date")
GAS_COLUMNS = ("goal_id", "goal", "rated_on", "score", "weight")
EVENT_COLUMNS = ("date", "kind", "label")
_TIME_COLUMNS = {"time", "done_on", "due_date", "rated_on", "date"}


@dataclass(frozen=True)
class Baseline:
    """The first score of an instrument on or after the plan's start (clinic wall clock)."""

    time: datetime
    total: int


@dataclass(frozen=True, eq=False)
class ProgressData:
    """What the progress charts of one client draw, for one date range.

    ``start`` and ``end`` are the first and last day shown (inclusive). Frames:

    * ``ratings``: time, rating (its label, e.g. "Self-care"), value 0–10; one row per answered
      rating of a check-in not entered in error.
    * ``notes``: time, kind ("win" from *went well*, "setback" from *was hard*), text (the
      client's words).
    * ``measures``: time, instrument, total, severity, risk_flag, risk_answer (the risk item's
      answer, or None), answers (every item answer, in item order).
    * ``goal_progress``: time, goal_id, goal ("1. description"), rating 0–10.
    * ``steps``: goal_id, goal, description, done_on, due_date: every live step of the current
      plan, whatever the range (completion is a state, not an event).
    * ``gas``: goal_id, goal, rated_on, score −2…+2, weight.
    * ``events``: date, kind ("session" or "plan review"), label.

    ``baselines`` maps an instrument to its :class:`Baseline`, which may lie before ``start``.
    """

    client_id: int
    start: date
    end: date
    plan_start: date | None
    ratings: pd.DataFrame
    notes: pd.DataFrame
    measures: pd.DataFrame
    goal_progress: pd.DataFrame
    steps: pd.DataFrame
    gas: pd.DataFrame
    events: pd.DataFrame
    baselines: Mapping[str, Baseline] = field(default_factory=dict)

    @property
    def x_domain(self) -> tuple[datetime, datetime]:
        """The time span every chart of this range shares, so they line up one under another."""
        return (
            datetime.combine(self.start, time()),
            datetime.combine(self.end + timedelta(days=1), time()),
        )


@dataclass(frozen=True)
class MeasureSummary:
    """One instrument in words: its latest complete score against the client's baseline, and
    what the change means. The progress tab, the session review and the summary PDF all use it.

    Times are the clinic's wall clock. Without a baseline (no complete score since the plan
    started) the baseline, the change and its meaning are None."""

    instrument: str
    latest_at: datetime
    latest_total: int
    severity: str
    baseline_at: datetime | None
    baseline_total: int | None
    #: The latest answers raise the instrument's risk item (PHQ-9 item 9): follow up now.
    risk_flag: bool = False
    #: The latest score falls in the period being looked at (the review's, the PDF's).
    latest_in_period: bool = True

    @property
    def latest_on(self) -> date:
        return self.latest_at.date()

    @property
    def baseline_on(self) -> date | None:
        return None if self.baseline_at is None else self.baseline_at.date()

    @property
    def latest_is_baseline(self) -> bool:
        """The latest score is the baseline itself (the only one since the plan started)."""
        return self.baseline_at == self.latest_at and self.baseline_total == self.latest_total

    @property
    def change(self) -> int | None:
        """latest − baseline (lower is better on both instruments)."""
        return None if self.baseline_total is None else self.latest_total - self.baseline_total

    @property
    def reliable_change(self) -> str | None:
        if self.baseline_total is None:
            return None
        return measures.reliable_change(self.instrument, self.baseline_total, self.latest_total)

    @property
    def recovery_status(self) -> str | None:
        """One of measures.RECOVERY_STATUSES, or None without a baseline."""
        if self.baseline_total is None:
            return None
        return measures.recovery_status(self.instrument, self.baseline_total, self.latest_total)


def _frame(
    rows: list[dict[str, Any]] | list[tuple[Any, ...]], columns: tuple[str, ...]
) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    for name in _TIME_COLUMNS.intersection(columns):
        frame[name] = pd.to_datetime(frame[name])
    return frame


def _wall_clock(moment: datetime, tz: tzinfo) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)


def _midnight(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time())


def _utc_start_of(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def progress_data(
    db: Database,
    actor: Actor,
    client_id: int,
    *,
    since: date | None,
    until: date | None,
    tz: tzinfo,
    today: date,
) -> ProgressData:
    """The client's progress from `since` to `until` (clinic days, inclusive; None: no limit).

    Raises AccessDenied / NotFound as :func:`care_plans.access.client_for_read` does.
    """
    with db.uow() as uow:
        s = uow.session
        client_for_read(s, actor, client_id)
        plan = current_plan(s, client_id)
        plan_start = plan.start_date if plan is not None else None

        in_range: list[Any] = [CheckIn.client_id == client_id, CheckIn.entered_in_error.is_(False)]
        if since is not None:
            in_range.append(CheckIn.submitted_at >= _utc_start_of(since, tz))
        if until is not None:
            in_range.append(CheckIn.submitted_at < _utc_start_of(until + timedelta(days=1), tz))
        checkins = s.execute(
            select(
                CheckIn.submitted_at,
                *(getattr(CheckIn, r) for r in RATINGS),
                CheckIn.went_well,
                CheckIn.was_hard,
            )
            .where(*in_range)
            .order_by(CheckIn.submitted_at, CheckIn.id)
        ).all()

        # Every valid score of the client: the baseline may lie before the range.
        scored = s.execute(
            select(
                MeasureResponse.administered_at,
                MeasureResponse.instrument,
                MeasureResponse.total,
                MeasureResponse.severity,
                MeasureResponse.risk_flag,
                MeasureResponse.answers,
            )
            .join(CheckIn, CheckIn.id == MeasureResponse.checkin_id)
            .where(
                MeasureResponse.client_id == client_id,
                CheckIn.entered_in_error.is_(False),
                # Partial responses have no total: never a baseline or a point on a chart.
                MeasureResponse.is_partial.is_(False),
            )
            .order_by(MeasureResponse.administered_at, MeasureResponse.id)
        ).all()

        goals: list[tuple[int, str]] = []
        if plan is not None:
            goals = [
                (g.id, g.description)
                for g in s.execute(
                    select(Goal.id, Goal.description)
                    .where(Goal.plan_id == plan.id, Goal.is_archived.is_(False))
                    .order_by(Goal.position, Goal.id)
                )
            ]
        goal_label = {gid: f"{n}. {text}" for n, (gid, text) in enumerate(goals, start=1)}
        goal_ids = list(goal_label)

        progress_rows: list[Any] = []
        step_rows: list[Any] = []
        gas_rows: list[Any] = []
        if goal_ids:
            progress_rows = list(
                s.execute(
                    select(CheckIn.submitted_at, GoalProgress.goal_id, GoalProgress.rating)
                    .join(CheckIn, CheckIn.id == GoalProgress.checkin_id)
                    .where(*in_range, GoalProgress.goal_id.in_(goal_ids))
                    .order_by(CheckIn.submitted_at, GoalProgress.id)
                )
            )
            step_rows = list(
                s.execute(
                    select(Step.goal_id, Step.description, Step.done_on, Step.due_date)
                    .where(Step.goal_id.in_(goal_ids), Step.is_archived.is_(False))
                    .order_by(Step.goal_id, Step.position, Step.id)
                )
            )
            gas_query = select(
                GasRating.goal_id, GasRating.rated_on, GasRating.score, GasRating.weight
            ).where(GasRating.goal_id.in_(goal_ids))
            if since is not None:
                gas_query = gas_query.where(GasRating.rated_on >= since)
            if until is not None:
                gas_query = gas_query.where(GasRating.rated_on <= until)
            gas_rows = list(s.execute(gas_query.order_by(GasRating.rated_on, GasRating.goal_id)))

        session_query = select(
            ClinicalSession.session_date,
            ClinicalSession.attendance,
            ClinicalSession.plan_changes,
            ClinicalSession.plan_revision_id,
        ).where(ClinicalSession.client_id == client_id)
        if since is not None:
            session_query = session_query.where(ClinicalSession.session_date >= since)
        if until is not None:
            session_query = session_query.where(ClinicalSession.session_date <= until)
        sessions = s.execute(session_query.order_by(ClinicalSession.session_date)).all()
        next_review = plan.next_review_date if plan is not None else None

    ratings = _frame(
        [
            (_wall_clock(row[0], tz), RATING_LABELS[name], float(value))
            for row in checkins
            for name, value in zip(RATINGS, row[1 : 1 + len(RATINGS)], strict=True)
            if value is not None
        ],
        RATING_COLUMNS,
    )
    notes = _frame(
        [
            (_wall_clock(row.submitted_at, tz), kind, text.strip())
            for row in checkins
            for kind, text in ((WIN, row.went_well), (SETBACK, row.was_hard))
            if text and text.strip()
        ],
        NOTE_COLUMNS,
    )

    baselines: dict[str, Baseline] = {}
    for instrument in sorted({row.instrument for row in scored}):
        timed = [(row.administered_at, row.total) for row in scored if row.instrument == instrument]
        first, _latest = baseline_and_latest(timed, plan_start, tz)
        if first is not None:
            baselines[instrument] = Baseline(_wall_clock(first[0], tz), first[1])
    start_utc = _utc_start_of(since, tz) if since is not None else None
    end_utc = _utc_start_of(until + timedelta(days=1), tz) if until is not None else None
    measure_frame = _frame(
        [
            (
                _wall_clock(row.administered_at, tz),
                row.instrument,
                row.total,
                row.severity,
                bool(row.risk_flag),
                _risk_answer(row.instrument, row.answers),
                tuple(row.answers),
            )
            for row in scored
            if (start_utc is None or row.administered_at >= start_utc)
            and (end_utc is None or row.administered_at < end_utc)
        ],
        MEASURE_COLUMNS,
    )

    goal_progress = _frame(
        [
            (_wall_clock(at, tz), goal_id, goal_label[goal_id], float(rating))
            for at, goal_id, rating in progress_rows
        ],
        GOAL_PROGRESS_COLUMNS,
    )
    steps = _frame(
        [
            (goal_id, goal_label[goal_id], text, _midnight(done_on), _midnight(due))
            for goal_id, text, done_on, due in step_rows
        ],
        STEP_COLUMNS,
    )
    gas = _frame(
        [
            (goal_id, goal_label[goal_id], _midnight(rated_on), score, weight)
            for goal_id, rated_on, score, weight in gas_rows
        ],
        GAS_COLUMNS,
    )

    last_day = until or today
    events = _events(
        sessions,
        plan_start,
        sorted({r[1] for r in gas_rows}),
        next_review,
        since=since,
        last_day=last_day,
        today=today,
    )

    first_days = [
        d
        for d in (
            plan_start,
            *(
                frame["time"].min().date()
                for frame in (ratings, measure_frame, goal_progress)
                if not frame.empty
            ),
            *(
                frame[column].min().date()
                for frame, column in ((gas, "rated_on"), (events, "date"))
                if not frame.empty
            ),
        )
        if d is not None
    ]
    start = since or min(first_days, default=last_day)
    return ProgressData(
        client_id=client_id,
        start=min(start, last_day),
        end=last_day,
        plan_start=plan_start,
        ratings=ratings,
        notes=notes,
        measures=measure_frame,
        goal_progress=goal_progress,
        steps=steps,
        gas=gas,
        events=events,
        baselines=baselines,
    )


def _risk_answer(instrument: str, answers: list[Any]) -> int | None:
    definition = measures.INSTRUMENTS.get(instrument)
    if definition is None or definition.risk_item is None:
        return None
    if len(answers) <= definition.risk_item:
        return None
    return int(answers[definition.risk_item])


def _events(
    sessions: Sequence[Any],
    plan_start: date | None,
    gas_days: list[date],
    next_review: date | None,
    *,
    since: date | None,
    last_day: date,
    today: date,
) -> pd.DataFrame:
    """Sessions, and plan reviews: the plan's start, each GAS review, the review due date.

    A plan revision is saved at every edit, so revisions are too many to mark; the moments a
    plan is *reviewed* are when it starts, when its goals are rated (GAS), and when the next
    review is due (shown when it falls inside the range, overdue or not).
    """

    def shown(day: date | None) -> bool:
        return day is not None and (since is None or day >= since) and day <= last_day

    labels: dict[tuple[date, str], list[str]] = {}
    for session_date, attendance, plan_changes, revision_id in sessions:
        text = "Session"
        if attendance != Attendance.ATTENDED:
            text += f" ({attendance.value})"
        elif (plan_changes or "").strip() or revision_id is not None:
            text += ": plan updated"
        labels.setdefault((session_date, SESSION), []).append(text)
    if shown(plan_start):
        assert plan_start is not None
        labels.setdefault((plan_start, PLAN_REVIEW), []).append("Plan started")
    for day in gas_days:
        labels.setdefault((day, PLAN_REVIEW), []).append("Goals reviewed (GAS)")
    if shown(next_review):
        assert next_review is not None
        overdue = " (overdue)" if next_review < today else ""
        labels.setdefault((next_review, PLAN_REVIEW), []).append(f"Review due{overdue}")
    rows = [
        (_midnight(day), kind, " · ".join(dict.fromkeys(texts)))
        for (day, kind), texts in sorted(labels.items())
    ]
    return _frame(rows, EVENT_COLUMNS)


def measure_summary(data: ProgressData, instrument: str) -> MeasureSummary | None:
    """Baseline against the latest score of the range, in the domain's words; None when the
    instrument has no score in the range or no baseline."""
    scores = data.measures[data.measures["instrument"] == instrument]
    baseline = data.baselines.get(instrument)
    if scores.empty or baseline is None:
        return None
    latest = scores.sort_values("time").iloc[-1]
    total = int(latest["total"])
    return MeasureSummary(
        instrument=instrument,
        latest_at=pd.Timestamp(latest["time"]).to_pydatetime(),
        latest_total=total,
        severity=str(latest["severity"]),
        baseline_at=baseline.time,
        baseline_total=baseline.total,
        risk_flag=bool(latest["risk_flag"]),
    )
