"""The progress read model on SQLite and PostgreSQL: what the charts get from real records.

Data goes in through the real services (check-ins with measures and goal progress, goals, steps,
GAS ratings, entered-in-error); sessions through the ORM, as no session service is needed here.
`TODAY` is yesterday in UTC, so every check-in is in the past, as the check-in service requires.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from care_plans import charts
from care_plans.access import Actor
from care_plans.db import Database
from care_plans.errors import AccessDenied
from care_plans.models import Attendance, ClinicalSession
from care_plans.read import plans as read_plans
from care_plans.read import progress
from care_plans.services import checkins, goals
from tests.factories import make_client, make_user

TODAY = datetime.now(UTC).date() - timedelta(days=1)
UTC_ZONE = ZoneInfo("UTC")


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def at(n: int, hour: int = 12) -> datetime:
    return datetime.combine(days_ago(n), time(hour), UTC)


def phq9(total: int, item9: int = 0) -> list[int]:
    answers, left = [], total - item9
    for _ in range(8):
        answers.append(min(3, left))
        left -= answers[-1]
    return [*answers, item9]


class Record:
    """A client with a plan started 40 days ago, two goals, and a history to chart."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.clinician = make_user(db, "alice")
        self.client_id = make_client(db, self.clinician, today=days_ago(40)).id
        plan = read_plans.get_plan(db, self.clinician, self.client_id)
        self.walk = goals.add_goal(
            db, self.clinician, plan.id, domain="self-care", description="Walk to the park"
        ).id
        self.friends = goals.add_goal(
            db,
            self.clinician,
            plan.id,
            domain="staying connected",
            description="See a friend each week",
        ).id

    def checkin(self, days: int, hour: int = 12, **values: object) -> int:
        saved = checkins.record_checkin(
            self.db, self.clinician, client_id=self.client_id, submitted_at=at(days, hour), **values
        )  # type: ignore[arg-type]
        return saved.id

    def read(
        self,
        actor: Actor | None = None,
        since: date | None = None,
        until: date | None = None,
        tz: ZoneInfo = UTC_ZONE,
    ) -> progress.ProgressData:
        return progress.progress_data(
            self.db,
            actor or self.clinician,
            self.client_id,
            since=since,
            until=until,
            tz=tz,
            today=TODAY,
        )


def test_every_kind_of_record_reaches_its_frame(db: Database) -> None:
    r = Record(db)
    r.checkin(45, ratings={"mood": 1}, measure_answers={"PHQ-9": phq9(24)})  # before the plan
    r.checkin(
        30,
        ratings={"mood": 3, "sleep": 4, "hope": None},
        was_hard="A rough week",
        measure_answers={"PHQ-9": phq9(18, item9=1)},
        goal_progress={r.walk: 2},
    )
    r.checkin(
        10,
        ratings={"mood": 7, "connection": 6},
        went_well="Saw Sam at the café",
        measure_answers={"PHQ-9": phq9(9), "GAD-7": [1] * 7},
        goal_progress={r.walk: 6, r.friends: 5},
    )
    step = goals.add_step(db, r.clinician, r.walk, description="Buy shoes", due_date=days_ago(20))
    goals.add_step(db, r.clinician, r.friends, description="Text Sam")
    goals.set_step_done(
        db,
        r.clinician,
        step.id,
        expected_version=step.version,
        done=True,
        on=days_ago(12),
        today=TODAY,
    )
    goals.record_gas_rating(db, r.clinician, r.walk, score=-1, rated_on=days_ago(40), today=TODAY)
    goals.record_gas_rating(
        db, r.clinician, r.walk, score=1, weight=2, rated_on=days_ago(5), today=TODAY
    )
    with db.uow() as uow:
        uow.session.add_all(
            [
                ClinicalSession(
                    client_id=r.client_id,
                    clinician_id=r.clinician.user_id,
                    session_date=days_ago(30),
                    plan_changes="New goal",
                ),
                ClinicalSession(
                    client_id=r.client_id,
                    clinician_id=r.clinician.user_id,
                    session_date=days_ago(16),
                    attendance=Attendance.DID_NOT_ATTEND,
                ),
            ]
        )
        uow.commit()

    data = r.read()
    ratings = {(t.date(), name): value for t, name, value in data.ratings.itertuples(index=False)}
    assert ratings == {
        (days_ago(45), "Mood"): 1,
        (days_ago(30), "Mood"): 3,
        (days_ago(30), "Sleep"): 4,
        (days_ago(10), "Mood"): 7,
        (days_ago(10), "Connection"): 6,
    }
    assert list(data.notes[["kind", "text"]].itertuples(index=False, name=None)) == [
        ("setback", "A rough week"),
        ("win", "Saw Sam at the café"),
    ]
    phq = data.measures[data.measures["instrument"] == "PHQ-9"]
    assert phq["total"].tolist() == [24, 18, 9]
    assert phq["risk_flag"].tolist() == [False, True, False]
    assert phq["risk_answer"].tolist() == [0, 1, 0]
    assert phq["answers"].iloc[1] == tuple(phq9(18, item9=1))
    gad = data.measures[data.measures["instrument"] == "GAD-7"]
    assert gad["risk_answer"].isna().all()
    # The baseline is the first score on or after the plan's start, not the earlier episode.
    assert data.baselines["PHQ-9"] == progress.Baseline(at(30).replace(tzinfo=None), 18)
    assert data.baselines["GAD-7"].total == 7
    assert sorted(data.goal_progress[["goal", "rating"]].itertuples(index=False, name=None)) == [
        ("1. Walk to the park", 2),
        ("1. Walk to the park", 6),
        ("2. See a friend each week", 5),
    ]
    steps = data.steps.set_index("description")
    assert steps.loc["Buy shoes", "done_on"] == pd.Timestamp(days_ago(12))
    assert steps.loc["Buy shoes", "due_date"] == pd.Timestamp(days_ago(20))
    assert steps.loc["Buy shoes", "goal"] == "1. Walk to the park"
    assert pd.isna(steps.loc["Text Sam", "done_on"])
    assert data.gas[["score", "weight"]].values.tolist() == [[-1, 1], [1, 2]]
    events = list(data.events[["kind", "label"]].itertuples(index=False, name=None))
    assert events == [
        ("plan review", "Plan started · Goals reviewed (GAS)"),
        ("session", "Session: plan updated"),
        ("session", "Session (did not attend)"),
        ("plan review", "Goals reviewed (GAS)"),
    ]
    assert data.start == days_ago(45) and data.end == TODAY

    summary = progress.measure_summary(data, "PHQ-9")
    assert summary is not None
    assert (
        summary.baseline_total,
        summary.latest_total,
        summary.change,
        summary.recovery_status,
    ) == (18, 9, -9, "reliable recovery")
    # The charts draw from these frames as they are.
    for chart in (
        charts.ratings_chart(data.ratings, data.notes, data.events, x_domain=data.x_domain),
        charts.measures_chart(
            data.measures, "PHQ-9", baseline=18, baseline_time=data.baselines["PHQ-9"].time
        ),
        charts.measure_items_heatmap(data.measures, "GAD-7"),
        charts.goal_progress_chart(data.goal_progress),
        charts.steps_chart(data.steps, today=TODAY),
        charts.gas_chart(data.gas),
    ):
        assert chart is not None and chart.to_dict()


def test_checkins_entered_in_error_are_left_out(db: Database) -> None:
    r = Record(db)
    kept = r.checkin(5, ratings={"mood": 6}, went_well="kept")
    wrong = r.checkin(
        4,
        ratings={"mood": 1},
        was_hard="typo",
        measure_answers={"PHQ-9": phq9(27, item9=3)},
        goal_progress={r.walk: 0},
    )
    checkins.mark_entered_in_error(db, r.clinician, checkin_id=wrong, reason="Wrong client")
    data = r.read()
    assert data.ratings["value"].tolist() == [6]
    assert data.notes["text"].tolist() == ["kept"]
    assert data.measures.empty and data.goal_progress.empty and not data.baselines
    assert kept


def test_the_date_range_filters_by_the_clinics_days(db: Database) -> None:
    r = Record(db)
    for n in (30, 20, 10, 2):
        r.checkin(n, ratings={"mood": n % 10}, measure_answers={"GAD-7": [n % 4] * 7})
    r.checkin(7, hour=20, ratings={"sleep": 5})  # 05:00 the next day in Tokyo
    with db.uow() as uow:
        uow.session.add(
            ClinicalSession(
                client_id=r.client_id, clinician_id=r.clinician.user_id, session_date=days_ago(25)
            )
        )
        uow.commit()

    data = r.read(since=days_ago(21), until=days_ago(5))
    assert sorted(t.date() for t in data.ratings["time"]) == [
        days_ago(20),
        days_ago(10),
        days_ago(7),
    ]
    assert data.measures["time"].dt.date.tolist() == [days_ago(20), days_ago(10)]
    assert data.baselines["GAD-7"].time.date() == days_ago(30)  # the baseline stays put
    assert data.events.empty  # the session and the plan's start fall outside
    assert (data.start, data.end) == (days_ago(21), days_ago(5))
    assert data.x_domain == (
        datetime.combine(days_ago(21), time()),
        datetime.combine(days_ago(4), time()),
    )

    tokyo = r.read(since=days_ago(6), until=days_ago(6), tz=ZoneInfo("Asia/Tokyo"))
    assert tokyo.ratings["rating"].tolist() == ["Sleep"]
    assert tokyo.ratings["time"].iloc[0] == datetime.combine(days_ago(6), time(5))
    assert r.read(since=days_ago(6), until=days_ago(6)).ratings.empty  # in UTC it was day 7


def test_a_client_with_no_history_gives_empty_frames_and_no_charts(db: Database) -> None:
    r = Record(db)
    data = r.read(since=days_ago(10))
    for frame in (
        data.ratings,
        data.notes,
        data.measures,
        data.goal_progress,
        data.gas,
        data.events,
    ):
        assert frame.empty
    assert charts.ratings_chart(data.ratings, data.notes, data.events) is None
    assert charts.measures_chart(data.measures, "PHQ-9") is None
    assert charts.goal_progress_chart(data.goal_progress) is None
    assert charts.steps_chart(data.steps, today=TODAY) is None
    assert charts.gas_chart(data.gas) is None
    assert progress.measure_summary(data, "PHQ-9") is None
    assert r.read().start == days_ago(40)  # "all" starts at the plan's start


def test_only_the_care_team_and_supervisors_may_read_progress(db: Database) -> None:
    r = Record(db)
    r.checkin(3, ratings={"mood": 5})
    stranger = make_user(db, "bob")
    with pytest.raises(AccessDenied):
        r.read(actor=stranger)
    with pytest.raises(AccessDenied):
        r.read(actor=make_user(db, "ada", "admin"))
    assert len(r.read(actor=make_user(db, "sue", "supervisor")).ratings) == 1
