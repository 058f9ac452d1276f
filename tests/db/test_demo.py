"""The demo caseload: what it holds, that it is the same for the same seed, and that it leaves
the database usable (ids, sequences) on SQLite and PostgreSQL. No timings here: see benchmarks/."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from care_plans import measures, passwords
from care_plans.access import Actor
from care_plans.db import Database
from care_plans.demo import DEMO_PASSWORD, DemoResult, demo_usernames, seed_demo
from care_plans.errors import ValidationError
from care_plans.models import (
    RATINGS,
    AuditEvent,
    CarePlan,
    CheckIn,
    Client,
    ClientAssignment,
    ClinicalSession,
    ContactKind,
    GasRating,
    GoalProgress,
    MeasureResponse,
    PlanRevision,
    PlanStatus,
    SessionStatus,
    Step,
    SupportContact,
    User,
)
from care_plans.services import clients
from tests.conftest import _sqlite_db
from tests.factories import clinic_today, make_client, make_user

END = date(2026, 11, 26)
SMALL = {"clients": 6, "days": 60, "end_date": END}


def _count(db: Database, model: type) -> int:
    with db.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def seeded(db: Database) -> tuple[Database, DemoResult]:
    return db, seed_demo(db, **SMALL)


def test_counts_match_what_was_written(seeded: tuple[Database, DemoResult]) -> None:
    db, result = seeded
    assert result.clients == _count(db, Client) == 6
    assert result.checkins == _count(db, CheckIn)
    assert result.measure_responses == _count(db, MeasureResponse)
    # ~60–80% of 60 days, for six clients (one of whom goes quiet for the last weeks).
    assert 6 * 60 * 0.45 < result.checkins < 6 * 60 * 0.9
    assert result.accounts == (
        ("demo.clinician", "clinician"),
        ("demo.clinician2", "clinician"),
        ("demo.clinician3", "clinician"),
        ("demo.supervisor", "supervisor"),
        ("demo.admin", "admin"),
    )
    assert _count(db, User) == 5
    assert _count(db, PlanRevision) == _count(db, CarePlan) == 6
    for model in (ClinicalSession, GoalProgress, GasRating, Step):
        assert _count(db, model) > 0, model.__name__
    with db.uow() as uow:
        events = uow.session.execute(
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.detail)
        ).all()
    assert [(actor, action) for actor, action, _detail in events] == [("cli", "demo.seed")]
    assert events[0].detail["clients"] == 6


def test_same_seed_and_end_date_give_the_same_checkins(
    sqlite_db: Database, sqlite_template: Path, tmp_path: Path
) -> None:
    second_dir = tmp_path / "second"
    second_dir.mkdir()
    other = _sqlite_db(sqlite_template, second_dir)
    try:
        seed_demo(sqlite_db, **SMALL)
        seed_demo(other, **SMALL)
        assert _checkin_rows(sqlite_db) == _checkin_rows(other)
        assert _measure_rows(sqlite_db) == _measure_rows(other)
    finally:
        other.dispose()


def test_another_seed_gives_other_checkins(
    sqlite_db: Database, sqlite_template: Path, tmp_path: Path
) -> None:
    second_dir = tmp_path / "second"
    second_dir.mkdir()
    other = _sqlite_db(sqlite_template, second_dir)
    try:
        seed_demo(sqlite_db, **SMALL)
        seed_demo(other, **{**SMALL, "seed": 8})
        assert _checkin_rows(sqlite_db) != _checkin_rows(other)
    finally:
        other.dispose()


def _checkin_rows(db: Database) -> list[tuple[object, ...]]:
    with db.uow() as uow:
        rows = uow.session.execute(
            select(
                Client.ref,
                CheckIn.submitted_at,
                CheckIn.source,
                *(getattr(CheckIn, r) for r in RATINGS),
                CheckIn.went_well,
                CheckIn.was_hard,
            ).join(Client, Client.id == CheckIn.client_id)
        ).all()
    return sorted(tuple(r) for r in rows)


def _measure_rows(db: Database) -> list[tuple[object, ...]]:
    with db.uow() as uow:
        rows = uow.session.execute(
            select(
                Client.ref,
                MeasureResponse.instrument,
                MeasureResponse.administered_at,
                MeasureResponse.total,
            ).join(Client, Client.id == MeasureResponse.client_id)
        ).all()
    return sorted(tuple(r) for r in rows)


def test_refuses_a_database_that_has_clients(db: Database) -> None:
    clinician = make_user(db, "alice")
    make_client(db, clinician, "CP-0001", "Real Client", today=clinic_today())
    with pytest.raises(ValidationError, match="already has clients"):
        seed_demo(db, **SMALL)
    assert _count(db, Client) == 1
    assert _count(db, CheckIn) == 0


def test_refuses_to_seed_twice(seeded: tuple[Database, DemoResult]) -> None:
    db, _result = seeded
    with pytest.raises(ValidationError, match="already has clients"):
        seed_demo(db, **SMALL)


@pytest.mark.parametrize(
    "kwargs",
    [{"clients": 0}, {"days": 3}, {"clinicians": 0}, {"password": "short"}],
)
def test_refuses_arguments_it_cannot_use(sqlite_db: Database, kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        seed_demo(sqlite_db, **{**SMALL, **kwargs})  # type: ignore[arg-type]
    assert _count(sqlite_db, User) == 0


def test_demo_password_follows_the_rules_for_every_demo_username() -> None:
    for username, _role in demo_usernames(12):
        passwords.check_password_rules(DEMO_PASSWORD, username)


def test_demo_accounts_sign_in_with_the_demo_password(
    seeded: tuple[Database, DemoResult],
) -> None:
    db, result = seeded
    with db.uow() as uow:
        users = {
            u.username: u
            for u in uow.session.execute(
                select(User.username, User.role, User.is_active, User.password_hash)
            )
        }
    assert set(users) == {name for name, _role in result.accounts}
    for username, role in result.accounts:
        user = users[username]
        assert user.role.value == role
        assert user.is_active
        assert passwords.verify_password(DEMO_PASSWORD, user.password_hash)
        assert not passwords.verify_password("not-the-demo-password", user.password_hash)


def test_clients_are_shared_round_robin_with_the_supervisor_on_a_few(db: Database) -> None:
    seed_demo(db, **{**SMALL, "clients": 12})
    with db.uow() as uow:
        rows = uow.session.execute(
            select(User.username, ClientAssignment.is_primary).join(
                User, User.id == ClientAssignment.user_id
            )
        ).all()
    primaries = Counter(name for name, is_primary in rows if is_primary)
    assert primaries == {"demo.clinician": 4, "demo.clinician2": 4, "demo.clinician3": 4}
    assert any(name == "demo.supervisor" for name, _primary in rows)


def test_every_client_has_an_active_plan_goals_steps_and_a_support_network(
    seeded: tuple[Database, DemoResult],
) -> None:
    db, _result = seeded
    with db.uow() as uow:
        s = uow.session
        for client in s.scalars(select(Client)):
            plans = s.scalars(select(CarePlan).where(CarePlan.client_id == client.id)).all()
            assert [p.status for p in plans] == [PlanStatus.ACTIVE]
            plan = plans[0]
            assert plan.start_date == END - timedelta(days=60)
            for section in (
                "strengths",
                "wellness",
                "triggers",
                "warning_signs",
                "what_helps",
                "self_care_routine",
                "crisis_plan",
            ):
                assert getattr(plan, section).strip(), section
            goals = plan.goals
            assert 2 <= len(goals) <= 4
            assert len({g.domain for g in goals}) == len(goals)
            for goal in goals:
                assert 2 <= len(goal.steps) <= 5
                if goal.gas_levels is not None:
                    assert set(goal.gas_levels) == {"-2", "-1", "0", "1", "2"}
            contacts = s.scalars(
                select(SupportContact).where(SupportContact.client_id == client.id)
            ).all()
            assert 3 <= len(contacts) <= 6
            crisis = [c for c in contacts if c.kind == ContactKind.CRISIS_SERVICE]
            assert len(crisis) == 1 and crisis[0].is_crisis_contact
            assert crisis[0].name in plan.crisis_plan
            contact_ids = {c.id for c in contacts}
            for goal in goals:
                for step in goal.steps:
                    assert step.helper_contact_id is None or step.helper_contact_id in contact_ids
            revision = s.scalars(select(PlanRevision).where(PlanRevision.plan_id == plan.id)).one()
            assert (revision.number, revision.reason) == (1, "demo data")
            assert len(revision.snapshot["goals"]) == len(goals)
            assert len(revision.snapshot["contacts"]) == len(contacts)


def test_steps_are_a_mix_of_done_due_and_helped(seeded: tuple[Database, DemoResult]) -> None:
    db, _result = seeded
    with db.uow() as uow:
        steps = uow.session.execute(
            select(Step.done_on, Step.due_date, Step.helper_contact_id)
        ).all()
    assert any(s.done_on is not None for s in steps)
    assert any(s.done_on is None for s in steps)
    assert any(s.due_date is not None for s in steps)
    assert any(s.helper_contact_id is not None for s in steps)
    assert all(s.done_on is None or s.done_on <= END for s in steps)


def test_some_contacts_have_not_consented_to_sharing(seeded: tuple[Database, DemoResult]) -> None:
    db, _result = seeded
    with db.uow() as uow:
        consents = uow.session.execute(
            select(SupportContact.consent_to_share, SupportContact.consent_date)
        ).all()
    assert any(not given for given, _on in consents)
    assert any(given for given, _on in consents)
    for given, on in consents:
        assert (on is not None) == given


def test_measures_are_scored_from_their_stored_answers(
    seeded: tuple[Database, DemoResult],
) -> None:
    db, _result = seeded
    with db.uow() as uow:
        responses = uow.session.execute(
            select(
                MeasureResponse.instrument,
                MeasureResponse.answers,
                MeasureResponse.total,
                MeasureResponse.severity,
                MeasureResponse.risk_flag,
                MeasureResponse.administered_at,
                CheckIn.submitted_at,
            ).join(CheckIn, CheckIn.id == MeasureResponse.checkin_id)
        ).all()
    assert {r.instrument for r in responses} == {"PHQ-9", "GAD-7"}
    for r in responses:
        assert len(r.answers) == measures.get_instrument(r.instrument).item_count
        assert r.total == sum(r.answers)
        assert r.severity == measures.severity(r.instrument, r.total)
        assert r.risk_flag == (r.instrument == "PHQ-9" and r.answers[8] > 0)
        assert r.administered_at == r.submitted_at


def test_a_fuller_seed_has_risk_flags_and_reliable_change_both_ways(sqlite_db: Database) -> None:
    seed_demo(sqlite_db, clients=24, days=180, end_date=END)
    with sqlite_db.uow() as uow:
        rows = uow.session.execute(
            select(
                MeasureResponse.client_id,
                MeasureResponse.total,
                MeasureResponse.risk_flag,
                MeasureResponse.risk_followed_up_at,
            )
            .where(MeasureResponse.instrument == "PHQ-9")
            .order_by(MeasureResponse.client_id, MeasureResponse.administered_at)
        ).all()
    totals: dict[int, list[int]] = defaultdict(list)
    for client_id, total, _flag, _followed_up in rows:
        totals[client_id].append(total)
    outcomes = Counter(measures.reliable_change("PHQ-9", t[0], t[-1]) for t in totals.values())
    assert outcomes[measures.IMPROVED] >= 1
    assert outcomes[measures.DETERIORATED] >= 1
    flagged = [row for row in rows if row.risk_flag]
    assert len({row.client_id for row in flagged}) >= 2
    # Older flags have been followed up; the most recent may still be waiting for it.
    assert any(row.risk_followed_up_at is not None for row in flagged)


def test_checkins_stay_within_the_plan_period(seeded: tuple[Database, DemoResult]) -> None:
    db, _result = seeded
    start = datetime.combine(END - timedelta(days=60), time(), tzinfo=UTC)
    end = datetime.combine(END, time(), tzinfo=UTC)
    with db.uow() as uow:
        s = uow.session
        checkins = s.execute(
            select(CheckIn.submitted_at, *(getattr(CheckIn, r) for r in RATINGS))
        ).all()
        latest = s.scalar(select(func.max(CheckIn.submitted_at)))
        session_dates = s.scalars(select(ClinicalSession.session_date)).all()
        draft_signatures = s.scalars(
            select(ClinicalSession.signed_at).where(ClinicalSession.status == SessionStatus.DRAFT)
        ).all()
    assert latest is not None and latest.tzinfo is not None and latest < end
    for c in checkins:
        assert start <= c.submitted_at < end
        assert c.submitted_at.tzinfo is not None
        values = [getattr(c, r) for r in RATINGS]
        assert any(v is not None for v in values)
        assert all(v is None or 0 <= v <= 10 for v in values)
    assert all(d < END for d in session_dates)
    assert all(signed_at is None for signed_at in draft_signatures)


def test_someone_has_gone_quiet_and_a_review_is_overdue(
    seeded: tuple[Database, DemoResult],
) -> None:
    db, _result = seeded
    fortnight_ago = datetime.combine(END - timedelta(days=14), time(), tzinfo=UTC)
    with db.uow() as uow:
        s = uow.session
        last_checkins = s.execute(
            select(CheckIn.client_id, func.max(CheckIn.submitted_at)).group_by(CheckIn.client_id)
        ).all()
        reviews = s.scalars(select(CarePlan.next_review_date)).all()
    quiet = [client_id for client_id, last in last_checkins if last < fortnight_ago]
    assert quiet
    assert any(review is not None and review < END for review in reviews)


def test_progress_is_reported_up_to_the_total(sqlite_db: Database) -> None:
    calls: list[tuple[int, int]] = []
    seed_demo(sqlite_db, **SMALL, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (6, 6)
    assert [done for done, _total in calls] == sorted(done for done, _total in calls)


def test_the_database_takes_ordinary_inserts_after_seeding(
    seeded: tuple[Database, DemoResult],
) -> None:
    db, _result = seeded
    # Ids were given out by seed_demo, not by the PostgreSQL sequences: those must have moved on.
    with db.uow() as uow:
        uow.session.add(Client(ref="CP-9000", full_name="New Client"))
        uow.flush()
        uow.commit()
    info = clients.create_client(
        db,
        Actor.cli(),
        ref="CP-9001",
        full_name="Another Client",
        clinician_username="demo.clinician",
        today=END,
    )
    assert info.plan_id is not None
    assert _count(db, Client) == 8
    make_user(db, "new.clinician")
    assert _count(db, User) == 6
