"""The session review's figures, on data made to give known answers: the period since the last
attended session, means against the previous period, goal progress, steps, PHQ-9 / GAD-7 against
the baseline, the client's words, entered-in-error check-ins left out, and the pillar prompts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from care_plans import measures
from care_plans.access import Actor
from care_plans.dates import BEFORE, LAST_SESSION, PLAN_START, Period
from care_plans.db import Database
from care_plans.errors import AccessDenied
from care_plans.models import PILLAR_TITLES, PILLARS, CheckinSource
from care_plans.read import review
from care_plans.read.progress import MeasureSummary
from care_plans.services import checkins, goals, sessions
from tests.factories import make_client, make_user

TODAY = date(2026, 5, 15)
LONDON = ZoneInfo("Europe/London")  # BST in May: UTC+1
#: PHQ-9 answers with the self-harm item at 0, by total.
PHQ9 = {
    18: [3, 3, 3, 3, 2, 2, 1, 1, 0],
    14: [2, 2, 2, 2, 2, 2, 1, 1, 0],
    9: [2, 2, 2, 1, 1, 1, 0, 0, 0],
    27: [3] * 9,
}
GAD7 = {10: [2, 2, 2, 1, 1, 1, 1], 12: [2, 2, 2, 2, 2, 1, 1]}


def build_known_review(
    db: Database, alice: Actor, today: date, ref: str = "CP-0001", today_draft: bool = True
) -> SimpleNamespace:
    """A client whose review on `today` (clinic time Europe/London) has known figures.

    Plan start D40. Sessions: D28 attended, D14 attended (a draft: drafts count), D7 did not
    attend (ignored), and a draft for today. So the period is D14..today (15 days) and the
    previous one D29..D15. Mood 7, 8, 9 against 4, 6; connection 5, 4 against 6, 6.
    """

    def day(n: int, hour: int = 12, minute: int = 0) -> datetime:
        return datetime.combine(today - timedelta(days=n), time(hour, minute), tzinfo=UTC)

    client = make_client(
        db, alice, ref=ref, full_name="Robin Example", today=today - timedelta(days=40)
    )
    plan_id = client.plan_id
    goal_a = goals.add_goal(
        db, alice, plan_id, domain="self-care", description="Walk to the park three times a week"
    ).id
    goal_b = goals.add_goal(
        db, alice, plan_id, domain="staying connected", description="Phone my sister on Sundays"
    ).id
    goal_c = goals.add_goal(
        db,
        alice,
        plan_id,
        domain="realistic goals",
        description="Sort out the bills",
        lifecycle_status="completed",
    ).id
    goal_d = goals.add_goal(
        db, alice, plan_id, domain="resilience", description="An archived goal"
    ).id
    steps = {}
    for goal_id, text, done in (
        (goal_a, "Walk to the corner shop", 3),
        (goal_a, "Walk to the park gate", 20),
        (goal_a, "Walk with Sam", None),
        (goal_c, "Open the letters", 6),
        (goal_d, "Archived goal's step", 4),
    ):
        step = goals.add_step(db, alice, goal_id, description=text)
        steps[text] = step.id
        if done is not None:
            goals.set_step_done(
                db,
                alice,
                step.id,
                expected_version=step.version,
                done=True,
                on=today - timedelta(days=done),
                today=today,
            )
    goals.archive_goal(db, alice, goal_d, expected_version=1)

    def check_in(at: datetime, **values) -> int:
        return checkins.record_checkin(
            db,
            alice,
            client_id=client.id,
            submitted_at=at,
            source=values.pop("source", CheckinSource.LINK),
            **values,
        ).id

    check_in(day(45), measure_answers={"PHQ-9": PHQ9[27]})  # before the plan: not a baseline
    check_in(day(38), measure_answers={"PHQ-9": PHQ9[18], "GAD-7": GAD7[10]})
    check_in(day(35), ratings={"mood": 1, "connection": 1})  # before both periods
    check_in(day(25), goal_progress={goal_a: 3})
    check_in(
        day(20),
        ratings={"mood": 4, "connection": 6},
        went_well="An older win",
        goal_progress={goal_b: 5},
        measure_answers={"PHQ-9": PHQ9[14]},
    )
    check_in(day(16), ratings={"mood": 6, "connection": 6}, goal_progress={goal_a: 4})
    # 23:30 UTC on D15 is 00:30 on D14 in London: this period, by the clinic's clock.
    check_in(day(15, 23, 30), ratings={"mood": 7, "connection": 5})
    check_in(
        day(10),
        ratings={"mood": 8, "connection": 4},
        was_hard="Argument with my brother",
        goal_progress={goal_a: 6},
    )
    check_in(day(5), ratings={"mood": 9}, went_well="Went to the allotment")
    check_in(
        day(2),
        goal_progress={goal_a: 7},
        source=CheckinSource.SESSION,
        measure_answers={"PHQ-9": PHQ9[9], "GAD-7": GAD7[12]},
    )
    wrong = check_in(
        day(1),
        ratings={"mood": 0, "connection": 0},
        was_hard="Typed in error",
        goal_progress={goal_a: 0},
        measure_answers={"PHQ-9": PHQ9[27]},
    )
    checkins.mark_entered_in_error(db, alice, checkin_id=wrong, reason="wrong client")

    made = {}
    for n, attendance, summary in (
        (28, "attended", "Second meeting."),
        (14, "attended", "Third meeting."),
        (7, "did not attend", "Did not come; left a message."),
    ):
        made[n] = sessions.create_draft(
            db,
            alice,
            client.id,
            session_date=today - timedelta(n),
            attendance=attendance,
            summary=summary,
            today=today,
        )
    sessions.sign_off(db, alice, made[28].id, expected_version=1, today=today)
    sessions.sign_off(db, alice, made[7].id, expected_version=1, today=today)
    if today_draft:
        sessions.create_draft(db, alice, client.id, session_date=today, today=today)
    return SimpleNamespace(
        client=client,
        goals=(goal_a, goal_b, goal_c, goal_d),
        steps=steps,
        previous_session_id=made[14].id,
    )


@pytest.fixture
def known(db):
    alice = make_user(db, "alice")
    built = build_known_review(db, alice, TODAY)
    data = review.since_last_session(db, alice, built.client.id, today=TODAY, tz=LONDON)
    return SimpleNamespace(db=db, alice=alice, data=data, **vars(built))


def d(n: int) -> date:
    return TODAY - timedelta(days=n)


def test_the_period_runs_from_the_last_attended_session(known):
    assert known.data.period == Period(d(14), TODAY, LAST_SESSION)
    assert known.data.period.before() == Period(d(29), d(15), BEFORE)
    assert known.data.period.days == 15
    assert known.data.previous_session_id == known.previous_session_id
    assert known.data.plan_start == d(40)


def test_check_in_counts_and_rating_means_against_the_previous_period(known):
    data = known.data
    assert (data.checkins, data.previous_checkins) == (4, 3)
    mood = data.rating("mood")
    assert (mood.mean, mood.previous_mean, mood.delta) == (8.0, 5.0, 3.0)
    assert (mood.count, mood.previous_count) == (3, 2)
    connection = data.rating("connection")
    assert (connection.mean, connection.previous_mean, connection.delta) == (4.5, 6.0, -1.5)
    sleep = data.rating("sleep")
    assert (sleep.mean, sleep.previous_mean, sleep.delta, sleep.count) == (None, None, None, 0)
    assert [r.name for r in data.ratings] == ["mood", "sleep", "self_care", "connection", "hope"]


def test_goal_progress_deltas_for_active_goals_and_steps_done(known):
    goal_a, goal_b, _c, _d = known.goals
    assert [(g.goal_id, g.latest, g.before, g.delta, g.next_step) for g in known.data.goals] == [
        (goal_a, 7, 4, 3, "Walk with Sam"),
        (goal_b, None, 5, None, None),
    ]
    assert [(s.description, s.goal_description, s.done_on) for s in known.data.steps_done] == [
        ("Open the letters", "Sort out the bills", d(6)),
        ("Walk to the corner shop", "Walk to the park three times a week", d(3)),
    ]


def test_measures_against_the_baseline_since_the_plan_started(known):
    phq = known.data.measure("PHQ-9")
    assert (phq.baseline_total, phq.baseline_on, phq.latest_total, phq.latest_on) == (
        18,
        d(38),
        9,
        d(2),
    )
    assert (phq.severity, phq.change, phq.reliable_change, phq.recovery_status) == (
        "mild",
        -9,
        measures.IMPROVED,
        measures.RELIABLE_RECOVERY,
    )
    assert phq.latest_in_period and not phq.risk_flag and not phq.latest_is_baseline
    gad = known.data.measure("GAD-7")
    assert (gad.baseline_total, gad.latest_total, gad.severity, gad.change) == (
        10,
        12,
        "moderate",
        2,
    )
    assert (gad.reliable_change, gad.recovery_status) == (
        measures.NO_RELIABLE_CHANGE,
        measures.NO_RELIABLE_CHANGE,
    )


SUPPORT, SELF_CARE, GOALS, CONNECTION, RESILIENCE = PILLARS


def test_setbacks_and_wins_in_the_clients_words_from_this_period_only(known):
    assert known.data.setbacks == (review.ClientWords(d(10), "Argument with my brother"),)
    assert known.data.wins == (review.ClientWords(d(5), "Went to the allotment"),)


def test_prompts_follow_the_figures(known):
    chosen = {p.pillar: p for p in known.data.prompts}
    assert list(chosen) == list(PILLARS)
    assert chosen[CONNECTION].texts == review.PILLAR_PROMPTS[CONNECTION]["fell"]
    assert chosen[CONNECTION].reason == "Connection fell by 1.5."
    assert chosen[SUPPORT].texts == review.PILLAR_PROMPTS[SUPPORT]["harder"]
    assert chosen[GOALS].texts == review.PILLAR_PROMPTS[GOALS]["steps_done"]
    assert chosen[GOALS].reason == "2 steps done."
    assert chosen[RESILIENCE].texts == review.PILLAR_PROMPTS[RESILIENCE]["setback"]
    assert chosen[SELF_CARE].texts == review.PILLAR_PROMPTS[SELF_CARE]["usual"]


def test_days_follow_the_clinics_time_zone(known):
    utc = review.since_last_session(known.db, known.alice, known.client.id, today=TODAY, tz=UTC)
    assert (utc.checkins, utc.previous_checkins) == (3, 4)
    assert utc.rating("mood").mean == 8.5
    assert utc.rating("mood").previous_mean == pytest.approx(17 / 3)


def test_without_an_attended_session_the_period_starts_with_the_plan(db):
    alice = make_user(db, "alice")
    client = make_client(db, alice, today=d(9))
    sessions.create_draft(
        db, alice, client.id, session_date=d(3), attendance="cancelled", today=TODAY
    )
    data = review.since_last_session(db, alice, client.id, today=TODAY, tz=LONDON)
    assert data.period == Period(d(9), TODAY, PLAN_START)
    assert (data.period.before().since, data.period.before().until) == (d(19), d(10))
    assert data.previous_session_id is None
    assert (data.checkins, data.goals, data.steps_done, data.measures) == (0, (), (), ())
    assert [p.texts for p in data.prompts] == [
        review.PILLAR_PROMPTS[pillar]["usual"] for pillar in PILLARS
    ]


def test_only_the_care_team_and_supervisors_read_the_review(known):
    bob = make_user(known.db, "bob")
    with pytest.raises(AccessDenied):
        review.since_last_session(known.db, bob, known.client.id, today=TODAY, tz=LONDON)
    sue = make_user(known.db, "sue", "supervisor")
    assert (
        review.since_last_session(known.db, sue, known.client.id, today=TODAY, tz=LONDON).checkins
        == 4
    )


def test_every_pillar_has_warm_usual_prompts_of_one_or_two_questions():
    assert set(review.PILLAR_PROMPTS) == set(PILLARS) == set(PILLAR_TITLES)
    for variants in review.PILLAR_PROMPTS.values():
        assert "usual" in variants
        for texts in variants.values():
            assert 1 <= len(texts) <= 2
            for text in texts:
                assert text.endswith("?") and "should" not in text.lower()


def _change(name: str, mean: float | None, previous: float | None) -> review.RatingChange:
    return review.RatingChange(name, name.title(), mean, previous, 1, 1)


def test_rising_ratings_and_a_reliable_improvement_choose_the_encouraging_variants():
    improved = MeasureSummary(
        "PHQ-9",
        latest_at=datetime.combine(d(1), time(12)),
        latest_total=4,
        severity="minimal",
        baseline_at=datetime.combine(d(30), time(12)),
        baseline_total=12,
    )
    assert (improved.change, improved.reliable_change, improved.recovery_status) == (
        -8,
        measures.IMPROVED,
        measures.RELIABLE_RECOVERY,
    )
    prompts = {
        p.pillar: p
        for p in review.choose_prompts(
            ratings=[
                _change("connection", 7.0, 5.5),
                _change("self_care", 6.0, 4.0),
                _change("mood", 6.0, 5.5),
            ],
            goals=[],
            steps_done=0,
            summaries=[improved],
            setbacks=0,
            wins=0,
        )
    }
    assert prompts[CONNECTION].texts == review.PILLAR_PROMPTS[CONNECTION]["rose"]
    assert prompts[SELF_CARE].texts == review.PILLAR_PROMPTS[SELF_CARE]["rose"]
    assert prompts[RESILIENCE].texts == review.PILLAR_PROMPTS[RESILIENCE]["progress"]
    assert prompts[RESILIENCE].reason == "PHQ-9 reliably better than at baseline."
    assert prompts[SUPPORT].texts == review.PILLAR_PROMPTS[SUPPORT]["usual"]
    assert prompts[CONNECTION].reason == "Connection rose by 1.5."
