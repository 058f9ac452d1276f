"""The caseload page and the self-harm follow-up, on SQLite and PostgreSQL.

Data goes in through the real services (check-ins with measure answers, entered-in-error);
plan dates are set through the ORM, as a review would. `TODAY` is yesterday in UTC, so every
check-in the tests make is in the past, as the check-in service requires.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from care_plans.access import Actor
from care_plans.db import Database
from care_plans.errors import AccessDenied, ValidationError
from care_plans.models import AuditEvent, CarePlan, MeasureResponse, PlanStatus
from care_plans.read.caseload import (
    DETERIORATION,
    NO_RECENT_CHECKIN,
    REVIEW_OVERDUE,
    SELF_HARM,
    CaseloadPage,
    caseload_page,
    risk_alerts,
)
from care_plans.services import checkins, clients
from care_plans.services.risk import NOTE_REQUIRED, record_risk_follow_up
from tests.factories import make_client, make_user

TODAY = datetime.now(UTC).date() - timedelta(days=1)


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


def gad7(total: int) -> list[int]:
    answers, left = [], total
    for _ in range(7):
        answers.append(min(3, left))
        left -= answers[-1]
    return answers


def set_plan(db: Database, client_id: int, **values: object) -> None:
    with db.uow() as uow:
        plan = uow.session.scalar(select(CarePlan).where(CarePlan.client_id == client_id))
        for name, value in values.items():
            setattr(plan, name, value)
        uow.commit()


def checkin(
    db: Database,
    actor: Actor,
    client_id: int,
    n: int,
    *,
    mood: int | None = 5,
    hour: int = 12,
    **measure_answers: list[int],
) -> int:
    answers = {
        code.replace("phq9", "PHQ-9").replace("gad7", "GAD-7"): a
        for code, a in measure_answers.items()
    }
    return checkins.record_checkin(
        db,
        actor,
        client_id=client_id,
        submitted_at=at(n, hour),
        ratings={"mood": mood, "sleep": 5},
        measure_answers=answers or None,
    ).id


def page(db: Database, actor: Actor, **kwargs: object) -> CaseloadPage:
    return caseload_page(db, actor, today=TODAY, **kwargs)  # type: ignore[arg-type]


def refs(result: CaseloadPage) -> list[str]:
    return [r.ref for r in result.rows]


@pytest.fixture
def team(db: Database):
    """Alice has two clients, Bob one; plans started yesterday-of-TODAY, nothing flagged."""
    alice = make_user(db, "alice")
    bob = make_user(db, "bob")
    sup = make_user(db, "sam.sup", "supervisor")
    admin = make_user(db, "ada.admin", "admin")
    elise = make_client(db, alice, "CP-0001", "Élise Dupont", today=TODAY)
    zoe = make_client(db, alice, "CP-0002", "Zoë Ångström", today=TODAY)
    dan = make_client(db, bob, "CP-0101", "Daniel Brown", today=TODAY)
    return db, alice, bob, sup, admin, elise.id, zoe.id, dan.id


# -- visibility -----------------------------------------------------------------------------------


def test_clinician_sees_only_their_clients(team) -> None:
    db, alice, bob, *_ = team
    mine = page(db, alice)
    assert refs(mine) == ["CP-0001", "CP-0002"]
    assert (mine.total, mine.page, mine.pages) == (2, 1, 1)
    row = mine.rows[0]
    assert (row.name, row.status, row.primary_clinician) == ("Élise Dupont", "active", "alice")
    assert (row.last_checkin, row.latest_mood, row.mood_trend, row.mood_recent) == (
        None,
        None,
        None,
        (),
    )
    assert row.flags == ()
    assert refs(page(db, bob)) == ["CP-0101"]
    assert refs(page(db, alice, clinician="bob")) == []  # a filter never widens what one sees


def test_supervisor_sees_all_and_filters_by_clinician(team) -> None:
    db, _alice, _bob, sup, *_ = team
    assert refs(page(db, sup)) == ["CP-0001", "CP-0002", "CP-0101"]
    assert refs(page(db, sup, clinician="bob")) == ["CP-0101"]
    assert refs(page(db, sup, clinician="Alice ")) == ["CP-0001", "CP-0002"]
    assert page(db, sup, clinician="nobody").total == 0


def test_admin_is_refused(team) -> None:
    db, *_, admin, _elise, _zoe, _dan = team
    with pytest.raises(AccessDenied):
        page(db, admin)
    with pytest.raises(AccessDenied):
        risk_alerts(db, admin, today=TODAY)


def test_discharged_clients_are_left_out_unless_asked_for(team) -> None:
    db, alice, *_rest, elise, _zoe, _dan = team
    set_plan(db, elise, next_review_date=days_ago(5))
    clients.discharge(db, alice, client_id=elise, reason="Goals met", on=TODAY, today=TODAY)
    assert refs(page(db, alice)) == ["CP-0002"]
    everyone = page(db, alice, include_discharged=True)
    assert refs(everyone) == ["CP-0001", "CP-0002"]
    assert everyone.rows[0].status == "discharged"
    assert everyone.rows[0].flags == ()
    assert everyone.rows[0].next_review_date is None  # the plan was completed


# -- flags on real data ---------------------------------------------------------------------------


def test_review_overdue_from_yesterday_not_today(team) -> None:
    db, alice, *_rest, elise, zoe, _dan = team
    set_plan(db, elise, next_review_date=days_ago(1))
    set_plan(db, zoe, next_review_date=TODAY)
    rows = page(db, alice).rows
    assert [r.flags for r in rows] == [(REVIEW_OVERDUE,), ()]
    assert rows[1].next_review_date == TODAY
    set_plan(db, elise, status=PlanStatus.ON_HOLD)
    assert page(db, alice).rows[0].flags == (REVIEW_OVERDUE,)


def test_no_checkin_for_14_days(team) -> None:
    db, alice, *_rest, elise, zoe, _dan = team
    set_plan(db, elise, start_date=days_ago(15))
    set_plan(db, zoe, start_date=days_ago(14))
    assert [r.flags for r in page(db, alice).rows] == [(NO_RECENT_CHECKIN,), ()]
    checkin(db, alice, elise, 15, hour=23)
    assert page(db, alice).rows[0].flags == (NO_RECENT_CHECKIN,)
    checkin(db, alice, elise, 14, hour=0)
    row = page(db, alice).rows[0]
    assert row.flags == ()
    assert row.last_checkin == at(14, 0)
    assert row.last_checkin.tzinfo is not None


def test_reliable_deterioration_from_the_baseline_on_or_after_plan_start(team) -> None:
    db, alice, *_rest, elise, zoe, _dan = team
    set_plan(db, elise, start_date=days_ago(30))
    checkin(db, alice, elise, 40, phq9=phq9(20))  # before the plan: not the baseline
    checkin(db, alice, elise, 30, hour=0, phq9=phq9(5), gad7=gad7(4))
    last = checkin(db, alice, elise, 2, phq9=phq9(10), gad7=gad7(7))  # +5 and +3: no flag
    assert page(db, alice).rows[0].flags == ()
    checkins.mark_entered_in_error(db, alice, checkin_id=last, reason="Wrong client")
    checkin(db, alice, elise, 1, phq9=phq9(11), gad7=gad7(7))  # +6
    row = page(db, alice).rows[0]
    assert row.flags == (DETERIORATION,)
    assert (row.latest_phq9, row.phq9_severity, row.latest_gad7, row.gad7_severity) == (
        11,
        "moderate",
        7,
        "mild",
    )
    set_plan(db, zoe, start_date=days_ago(30))
    checkin(db, alice, zoe, 20, gad7=gad7(4))
    checkin(db, alice, zoe, 1, gad7=gad7(8))  # GAD-7 +4
    assert page(db, alice).rows[1].flags == (DETERIORATION,)


def test_each_clients_baseline_is_from_their_own_plans_start(team) -> None:
    """Another client's older plan never moves this client's baseline back before their own
    plan began (the baseline's plan start is the client's, not any plan's)."""
    db, alice, _bob, sup, _admin, elise, _zoe, dan = team
    set_plan(db, dan, start_date=days_ago(100))  # Bob's client: a plan from long ago
    set_plan(db, elise, start_date=days_ago(30))
    checkin(db, alice, elise, 40, phq9=phq9(20))  # before Élise's plan: not her baseline
    checkin(db, alice, elise, 30, phq9=phq9(5))
    checkin(db, alice, elise, 1, phq9=phq9(11))  # +6 from her baseline of 5
    rows = {r.ref: r for r in page(db, sup).rows}
    assert rows["CP-0001"].flags == (DETERIORATION,)
    assert page(db, sup, sort="flags", descending=True).rows[0].ref == "CP-0001"


def test_entered_in_error_checkins_do_not_count(team) -> None:
    db, alice, *_rest, elise, _zoe, _dan = team
    set_plan(db, elise, start_date=days_ago(30))
    checkin(db, alice, elise, 20, mood=4)
    wrong = checkin(db, alice, elise, 1, mood=9, phq9=phq9(27, item9=3))
    row = page(db, alice).rows[0]
    assert (row.last_checkin, row.latest_mood, row.latest_phq9) == (at(1), 9, 27)
    assert row.flags == (SELF_HARM,)
    checkins.mark_entered_in_error(db, alice, checkin_id=wrong, reason="Wrong client")
    row = page(db, alice).rows[0]
    assert (row.last_checkin, row.latest_mood, row.mood_recent, row.latest_phq9) == (
        at(20),
        4,
        (4,),
        None,
    )
    assert row.flags == (NO_RECENT_CHECKIN,)
    assert risk_alerts(db, alice, today=TODAY) == []


def test_mood_sparkline_and_trend(team) -> None:
    db, alice, *_rest, elise, _zoe, _dan = team
    for n in range(15, -1, -1):  # 16 days: the sparkline keeps the last 14
        checkin(db, alice, elise, n, mood=3 if n >= 7 else 6)
    checkin(db, alice, elise, 0, mood=7, hour=20)  # the day's last check-in is its value
    checkin(db, alice, elise, 3, mood=None, hour=21)  # no mood: skipped
    row = page(db, alice).rows[0]
    assert row.mood_recent == (3,) * 7 + (6,) * 6 + (7,)
    assert (row.latest_mood, row.mood_trend) == (7, "up")


# -- search, filter, sort, pages ------------------------------------------------------------------


def test_search_by_name_with_accents_or_by_ref(team) -> None:
    db, _alice, _bob, sup, *_ = team
    assert refs(page(db, sup, search="élise")) == ["CP-0001"]
    assert refs(page(db, sup, search="ELISE")) == ["CP-0001"]
    assert refs(page(db, sup, search="ångström")) == ["CP-0002"]
    assert refs(page(db, sup, search="angstrom")) == ["CP-0002"]
    assert refs(page(db, sup, search=" cp-01 ")) == ["CP-0101"]
    assert refs(page(db, sup, search="0")) == ["CP-0001", "CP-0002", "CP-0101"]
    assert page(db, sup, search="%").total == 0  # wildcards are plain characters
    assert page(db, sup, search="_").total == 0


def test_filter_by_flag_and_sort(team) -> None:
    db, _alice, bob, sup, _admin, elise, zoe, dan = team
    set_plan(db, elise, next_review_date=days_ago(1), start_date=days_ago(20))
    set_plan(db, zoe, next_review_date=days_ago(3))
    set_plan(db, dan, next_review_date=days_ago(-9))
    checkin(db, bob, dan, 1)
    assert refs(page(db, sup, flag=REVIEW_OVERDUE)) == ["CP-0001", "CP-0002"]
    assert refs(page(db, sup, flag=NO_RECENT_CHECKIN)) == ["CP-0001"]
    assert refs(page(db, sup, sort="flags", descending=True)) == ["CP-0001", "CP-0002", "CP-0101"]
    assert refs(page(db, sup, sort="flags")) == ["CP-0101", "CP-0002", "CP-0001"]
    assert refs(page(db, sup, sort="name")) == ["CP-0101", "CP-0001", "CP-0002"]
    assert refs(page(db, sup, sort="name", descending=True)) == ["CP-0002", "CP-0001", "CP-0101"]
    assert refs(page(db, sup, sort="next_review")) == ["CP-0002", "CP-0001", "CP-0101"]
    # never checked in sorts as longest ago; ties keep ref order
    assert refs(page(db, sup, sort="last_checkin")) == ["CP-0001", "CP-0002", "CP-0101"]
    assert refs(page(db, sup, sort="last_checkin", descending=True))[0] == "CP-0101"
    with pytest.raises(ValidationError, match="'risk'"):
        page(db, sup, sort="risk")
    with pytest.raises(ValidationError, match="'overdue'"):
        page(db, sup, flag="overdue")


def test_pagination_totals(team) -> None:
    db, alice, *_ = team
    make_client(db, alice, "CP-0003", "Third Client", today=TODAY)
    make_client(db, alice, "CP-0004", "Fourth Client", today=TODAY)
    make_client(db, alice, "CP-0005", "Fifth Client", today=TODAY)
    first = page(db, alice, page_size=2)
    assert (refs(first), first.total, first.page, first.pages) == (["CP-0001", "CP-0002"], 5, 1, 3)
    last = page(db, alice, page_size=2, page=3)
    assert (refs(last), last.page) == (["CP-0005"], 3)
    assert page(db, alice, page_size=2, page=9).page == 3  # beyond the end: the last page
    with pytest.raises(ValidationError, match="page"):
        page(db, alice, page=0)
    empty = page(db, alice, search="nobody")
    assert (empty.rows, empty.total, empty.page, empty.pages) == ((), 0, 1, 1)


# -- self-harm alert and follow-up ----------------------------------------------------------------


def test_self_harm_alert_and_its_follow_up(team) -> None:
    db, alice, bob, sup, *_rest, elise, zoe, _dan = team
    checkin(db, alice, elise, 3, phq9=phq9(12, item9=1))
    checkin(db, alice, zoe, 1, phq9=phq9(16, item9=2))
    checkin(db, alice, zoe, 2, phq9=phq9(4))  # no endorsement
    alerts = risk_alerts(db, alice, today=TODAY)
    assert [(a.ref, a.item9_answer, a.total) for a in alerts] == [
        ("CP-0002", 2, 16),
        ("CP-0001", 1, 12),
    ]  # newest first
    assert alerts[0].name == "Zoë Ångström" and alerts[0].administered_at == at(1)
    assert risk_alerts(db, bob, today=TODAY) == []
    assert len(risk_alerts(db, sup, today=TODAY)) == 2
    assert refs(page(db, alice, flag=SELF_HARM)) == ["CP-0001", "CP-0002"]

    target = alerts[1].measure_response_id
    with pytest.raises(ValidationError, match="Describe the follow-up") as refused:
        record_risk_follow_up(db, alice, measure_response_id=target, note="  ")
    assert refused.value.problems == {"note": NOTE_REQUIRED}
    with pytest.raises(AccessDenied):
        record_risk_follow_up(db, bob, measure_response_id=target, note="Called her")
    with pytest.raises(AccessDenied):  # a supervisor reads but does not write
        record_risk_follow_up(db, sup, measure_response_id=target, note="Called her")

    note = "Phoned Élise the same day; agreed to use the crisis plan and see GP."
    record_risk_follow_up(db, alice, measure_response_id=target, note=note)
    assert [a.ref for a in risk_alerts(db, alice, today=TODAY)] == ["CP-0002"]
    assert page(db, alice).rows[0].flags == ()
    with db.uow() as uow:
        response = uow.session.get(MeasureResponse, target)
        assert response.risk_follow_up_note == note
        assert response.risk_followed_up_by_id == alice.user_id
        assert response.risk_followed_up_at is not None
        event = uow.session.scalar(select(AuditEvent).where(AuditEvent.action == "risk.follow_up"))
        assert (event.actor, event.entity, event.entity_id, event.client_id) == (
            "alice",
            "measure_response",
            target,
            elise,
        )
        assert "Phoned" not in str(event.detail) and "crisis" not in str(event.detail)
    with pytest.raises(ValidationError, match="already been followed up"):
        record_risk_follow_up(db, alice, measure_response_id=target, note="Again")


def test_follow_up_refused_where_nothing_needs_it(team) -> None:
    db, alice, *_rest, elise, _zoe, _dan = team
    checkin(db, alice, elise, 2, phq9=phq9(4))
    with db.uow() as uow:
        plain = uow.session.scalar(select(MeasureResponse.id))
    with pytest.raises(ValidationError, match="did not endorse"):
        record_risk_follow_up(db, alice, measure_response_id=plain, note="Checked")


def test_discharged_clients_raise_no_alert(team) -> None:
    db, alice, *_rest, elise, _zoe, _dan = team
    checkin(db, alice, elise, 2, phq9=phq9(12, item9=1))
    clients.discharge(db, alice, client_id=elise, reason="Moved away", on=TODAY, today=TODAY)
    assert risk_alerts(db, alice, today=TODAY) == []


def test_sorting_by_flags_ranks_urgency_not_count(team) -> None:
    db, _alice, bob, sup, _admin, elise, zoe, dan = team
    set_plan(db, elise, next_review_date=days_ago(1), start_date=days_ago(20))  # two flags
    checkin(db, bob, dan, 1, phq9=phq9(6, item9=1))  # only the self-harm flag
    ordered = refs(page(db, sup, sort="flags", descending=True))
    assert ordered[:2] == ["CP-0101", "CP-0001"]


def test_baseline_uses_the_clinics_day_for_the_plan_start(team) -> None:
    from zoneinfo import ZoneInfo

    db, alice, _bob, _sup, _admin, elise, _zoe, _dan = team
    sydney = ZoneInfo("Australia/Sydney")
    start = days_ago(30)
    set_plan(db, elise, start_date=start, next_review_date=days_ago(-30))
    first = datetime.combine(start, time(9, 0), sydney)  # the day before `start` in UTC
    for moment, total in ((first, 5), (first + timedelta(days=20), 12)):
        checkins.record_checkin(
            db,
            alice,
            client_id=elise,
            submitted_at=moment,
            ratings={"mood": 5},
            measure_answers={"PHQ-9": phq9(total)},
        )
    in_sydney = page(db, alice, tz=sydney).rows[0]
    assert in_sydney.ref == "CP-0001" and DETERIORATION in in_sydney.flags
    # read as UTC days, the first score falls before the plan and the change is missed
    assert DETERIORATION not in page(db, alice).rows[0].flags


def test_no_checkin_for_14_days_counts_the_clinics_days(team) -> None:
    """A check-in at 09:00 in Sydney, 14 clinic days ago, is the day before in UTC: read in
    the clinic's days it is within the 14 days; read in UTC days it would raise the flag."""
    from zoneinfo import ZoneInfo

    db, alice, _bob, _sup, _admin, elise, zoe, _dan = team
    sydney = ZoneInfo("Australia/Sydney")
    set_plan(db, elise, start_date=days_ago(30), next_review_date=days_ago(-30))
    set_plan(db, zoe, start_date=days_ago(30), next_review_date=days_ago(-30))
    checkins.record_checkin(
        db,
        alice,
        client_id=elise,
        ratings={"mood": 5},
        submitted_at=datetime.combine(days_ago(14), time(9, 0), sydney),
    )
    checkins.record_checkin(
        db,
        alice,
        client_id=zoe,
        ratings={"mood": 5},
        submitted_at=datetime.combine(days_ago(15), time(23, 0), sydney),
    )
    in_sydney = {r.ref: r.flags for r in page(db, alice, tz=sydney).rows}
    assert in_sydney == {"CP-0001": (), "CP-0002": (NO_RECENT_CHECKIN,)}
    assert page(db, alice).rows[0].flags == (NO_RECENT_CHECKIN,)  # UTC days: a day earlier


def test_the_paired_outcome_column_follows_the_one_rule(team) -> None:
    db, alice, *_rest, elise, zoe, _dan = team
    set_plan(db, elise, start_date=days_ago(30))
    set_plan(db, zoe, start_date=days_ago(30))
    checkin(db, alice, elise, 20, phq9=phq9(15), gad7=gad7(10))
    assert page(db, alice).rows[0].paired_recovery is None  # one response: nothing to judge
    checkin(db, alice, elise, 2, phq9=phq9(5), gad7=gad7(7))
    # Zoë: better by 6 on the PHQ-9 but worse by 4 on the GAD-7: the worsening shows.
    checkin(db, alice, zoe, 20, phq9=phq9(9), gad7=gad7(3))
    checkin(db, alice, zoe, 2, phq9=phq9(3), gad7=gad7(7))
    rows = {r.ref: r.paired_recovery for r in page(db, alice).rows}
    assert rows == {"CP-0001": "reliable recovery", "CP-0002": "reliable deterioration"}
    checkin(db, alice, zoe, 1, phq9=phq9(3))  # a GAD-7 still only from day 2: unchanged
    assert page(db, alice).rows[1].paired_recovery == "reliable deterioration"
