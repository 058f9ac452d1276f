"""Service outcomes on hand-built data, on SQLite and PostgreSQL: every figure of every row.

Nine clients, each made for one edge of the definitions (see `service`): a change exactly equal to
the reliable-change amount, a total exactly at caseness, one response only, check-ins entered in
error (as baseline and as final), a baseline below caseness, a final before the period and a
response after it. Data go in through the real services (check-ins with item answers, links);
the record's opening date is set through the ORM. The period is 1 Mar – 30 Jun 2026.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from care_plans.access import Actor
from care_plans.db import Database
from care_plans.errors import AccessDenied, NotFound, ValidationError
from care_plans.models import CheckinSource, Client, User
from care_plans.read.outcomes import (
    FEWER_THAN,
    NO_FOLLOW_UP_REASON,
    OutcomeCounts,
    counts_csv,
    service_outcomes,
)
from care_plans.services import checkin_links, checkins
from tests.factories import make_client, make_user

SINCE, UNTIL, TODAY = date(2026, 3, 1), date(2026, 6, 30), date(2026, 7, 31)
FIGURES = (
    "counted",
    "reliable_improvement",
    "reliable_deterioration",
    "recovery",
    "reliable_recovery",
    "cases_at_baseline",
)


def answers(total: int, items: int) -> list[int]:
    out, left = [], total
    for _ in range(items):
        out.append(min(3, left))
        left -= out[-1]
    return out


def on(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def give(
    db: Database,
    actor: Actor,
    client_id: int,
    day: date,
    *,
    phq: int | None = None,
    gad: int | None = None,
    source: CheckinSource = CheckinSource.SESSION,
    hour: int = 12,
) -> int:
    measures = {}
    if phq is not None:
        measures["PHQ-9"] = answers(phq, 9)
    if gad is not None:
        measures["GAD-7"] = answers(gad, 7)
    return checkins.record_checkin(
        db,
        actor,
        client_id=client_id,
        submitted_at=on(day, hour),
        source=source,
        measure_answers=measures,
    ).id


def counts(row: OutcomeCounts) -> tuple[int, ...]:
    return tuple(getattr(row, name) for name in FIGURES)


@pytest.fixture
def service(db: Database):
    alice = make_user(db, "alice")
    bob = make_user(db, "bob")
    sup = make_user(db, "sam.sup", "supervisor")
    admin = make_user(db, "ada.admin", "admin")
    ids = {}
    for letter, owner in zip("ABCDEFGHI", [alice] * 8 + [bob], strict=True):
        ids[letter] = make_client(
            db, owner, f"CP-000{'ABCDEFGHI'.index(letter) + 1}", f"Client {letter}", today=TODAY
        ).id
    with db.uow() as uow:  # every record opened on 1 Jan 2026
        uow.session.execute(update(Client).values(created_at=on(date(2026, 1, 1), 9)))
        uow.commit()
    jan, feb = date(2026, 1, 10), date(2026, 2, 10)
    final = date(2026, 6, 10)  # inside the 28 days up to 30 Jun
    link = CheckinSource.LINK
    # A: exactly the reliable-change amount on both (-6, -4), from case to below caseness.
    give(db, alice, ids["A"], jan, phq=15, gad=10)
    give(db, alice, ids["A"], final, phq=9, gad=6, source=link)
    # B: one response only, in the period.
    give(db, alice, ids["B"], date(2026, 4, 1), phq=20)
    # C: the first check-in (27) and the last (20) were entered in error: 10 -> 13.
    wrong_first = give(db, alice, ids["C"], date(2026, 1, 5), phq=27)
    give(db, alice, ids["C"], feb, phq=10)
    give(db, alice, ids["C"], date(2026, 5, 13), phq=13, source=link)
    wrong_last = give(db, alice, ids["C"], date(2026, 6, 20), phq=20)
    for wrong in (wrong_first, wrong_last):
        checkins.mark_entered_in_error(db, alice, checkin_id=wrong, reason="Wrong client")
    # D: baseline below caseness on both; PHQ-9 9 -> 3 (improved), GAD-7 7 -> 13 (worse).
    give(db, alice, ids["D"], jan, phq=9, gad=7)
    give(db, alice, ids["D"], final, phq=3, gad=13)
    # E: the final (15 Feb) is before the period; a later response is after it.
    give(db, alice, ids["E"], jan, phq=18)
    give(db, alice, ids["E"], date(2026, 2, 15), phq=10)
    give(db, alice, ids["E"], date(2026, 7, 15), phq=3)
    # F: PHQ-9 5 -> 11, exactly +6; GAD-7 3 -> 6 (+3, not reliable).
    give(db, alice, ids["F"], jan, phq=5, gad=3)
    give(db, alice, ids["F"], final, phq=11, gad=6)
    # G: PHQ-9 at caseness (10) -> 9: recovery without reliable improvement; no GAD-7.
    give(db, alice, ids["G"], jan, phq=10)
    give(db, alice, ids["G"], final, phq=9)
    # H: PHQ-9 15 -> 10 (-5, still a case at exactly 10); GAD-7 8 (a case) -> 7.
    give(db, alice, ids["H"], jan, phq=15, gad=8)
    give(db, alice, ids["H"], final, phq=10, gad=7)
    # I (Bob's): 12 -> 4 and 9 -> 3.
    give(db, bob, ids["I"], jan, phq=12, gad=9)
    give(db, bob, ids["I"], final, phq=4, gad=3, source=link)
    # Links: two sent in the period (one opened), one sent before it and opened.
    token_a, _ = checkin_links.create_link(db, alice, ids["A"], now=on(date(2026, 4, 1)))
    checkin_links.create_link(db, alice, ids["B"], now=on(date(2026, 4, 2)))
    token_old, _ = checkin_links.create_link(db, alice, ids["C"], now=on(date(2026, 2, 1)))
    checkin_links.open_link(db, token_a, source_address="127.0.0.1", now=on(date(2026, 4, 3)))
    checkin_links.open_link(db, token_old, source_address="127.0.0.1", now=on(date(2026, 2, 2)))
    return db, alice, bob, sup, admin, ids


def outcomes_for(db: Database, actor: Actor, **kwargs: object):
    options = {"since": SINCE, "until": UNTIL, "today": TODAY, **kwargs}
    return service_outcomes(db, actor, **options)  # type: ignore[arg-type]


def test_every_figure_for_the_whole_service(service) -> None:
    db, _alice, _bob, sup, *_ = service
    result = outcomes_for(db, sup)
    #                                          n  RI RD rec RR cases
    assert counts(result.row("all", "PHQ-9")) == (7, 3, 1, 3, 2, 5)
    assert counts(result.row("all", "GAD-7")) == (5, 2, 1, 3, 2, 3)
    # Paired: A, D, F, H, I. D improved on the PHQ-9 but worsened reliably on the GAD-7: one
    # rule everywhere (measures.paired_facts) counts that as deterioration, never hidden.
    assert counts(result.row("all", "paired")) == (5, 2, 2, 2, 2, 3)
    assert counts(result.row("alice", "PHQ-9")) == (6, 2, 1, 2, 1, 4)
    assert counts(result.row("bob", "PHQ-9")) == (1, 1, 0, 1, 1, 1)
    assert counts(result.row("bob", "paired")) == (1, 1, 0, 1, 1, 1)
    assert [(r.clinician, r.instrument) for r in result.rows] == [
        (who, code) for who in ("all", "alice", "bob") for code in ("PHQ-9", "GAD-7", "paired")
    ]
    assert result.row("all", "PHQ-9").rate("recovery") == pytest.approx(3 / 5)
    assert result.row("all", "PHQ-9").rate("reliable_improvement") == pytest.approx(3 / 7)


def test_json_shape_is_exact(service) -> None:
    db, _alice, _bob, sup, *_ = service
    data = outcomes_for(db, sup).as_json()
    assert data["since"] == "2026-03-01" and data["until"] == "2026-06-30"
    assert data["rows"][0] == {
        "clinician": "all",
        "instrument": "PHQ-9",
        "counted": 7,
        "reliable_improvement": 3,
        "reliable_deterioration": 1,
        "recovery": 3,
        "reliable_recovery": 2,
        "cases_at_baseline": 5,
    }


def test_data_completeness(service) -> None:
    db, _alice, _bob, sup, *_ = service
    c = outcomes_for(db, sup).completeness
    assert (c.active_clients, c.with_baseline, c.with_recent_follow_up) == (9, 9, 6)
    assert (c.links_sent, c.links_opened) == (2, 1)
    # 122 days at a 14-day interval: 9 due per instrument, for 9 clients, on 2 instruments.
    assert c.measures_due == 9 * 9 * 2
    # Responses in the period: A 2, B 1, C 1 (link), D 2, F 2, G 1, H 2, I 2 (link).
    assert (c.answered, c.answered_by_link) == (13, 5)


def test_concerns_list_deterioration_then_missing_follow_up(service) -> None:
    db, _alice, _bob, sup, *_ = service
    concerns = outcomes_for(db, sup).concerns
    assert [(c.ref, c.reasons) for c in concerns] == [
        ("CP-0004", ("reliable deterioration: GAD-7 7 → 13",)),
        ("CP-0006", ("reliable deterioration: PHQ-9 5 → 11",)),
        ("CP-0005", (NO_FOLLOW_UP_REASON,)),
        ("CP-0002", (NO_FOLLOW_UP_REASON,)),
        ("CP-0003", (NO_FOLLOW_UP_REASON,)),
    ]
    assert concerns[2].last_measure_at == on(date(2026, 2, 15))
    assert concerns[0].clinician == "alice"


def test_trend_starts_with_every_counted_baseline(service) -> None:
    db, _alice, _bob, sup, *_ = service
    trend = outcomes_for(db, sup).trend
    week0 = trend[trend["week"] == 0].set_index("instrument")
    # The SQL cohort is the same as the pure rule's: 7 PHQ-9 and 5 GAD-7 clients counted.
    assert week0.loc["PHQ-9", "clients"] == 7
    assert week0.loc["GAD-7", "clients"] == 5
    assert week0.loc["PHQ-9", "mean_total"] == pytest.approx(
        round((15 + 10 + 9 + 5 + 10 + 15 + 12) / 7, 2)
    )
    finals = trend[(trend["instrument"] == "PHQ-9") & (trend["week"] > 0)]
    # C's final (13 May, week 13 from 10 Feb) and the others' (10 Jun, week 21 from 10 Jan).
    assert finals.set_index("week")["clients"].to_dict() == {13: 1, 21: 6}


def test_a_clinician_sees_their_own_caseload_only(service) -> None:
    db, alice, bob, *_ = service
    mine = outcomes_for(db, alice)
    assert [r.clinician for r in mine.rows] == ["all"] * 3 + ["alice"] * 3
    assert counts(mine.row("all", "PHQ-9")) == (6, 2, 1, 2, 1, 4)
    assert mine.completeness.active_clients == 8
    bobs = outcomes_for(db, bob)
    assert counts(bobs.row("all", "GAD-7")) == (1, 1, 0, 1, 1, 1)
    assert [c.ref for c in bobs.concerns] == []


def test_admins_and_inactive_accounts_are_refused(service) -> None:
    db, alice, _bob, _sup, admin, _ids = service
    with pytest.raises(AccessDenied, match="Administrators"):
        outcomes_for(db, admin)
    with db.uow() as uow:
        uow.session.execute(update(User).where(User.id == alice.user_id).values(is_active=False))
        uow.commit()
    with pytest.raises(AccessDenied, match="not active"):
        outcomes_for(db, alice)


def test_clinician_filter_and_bad_periods(service) -> None:
    db, _alice, _bob, sup, *_ = service
    only_bob = outcomes_for(db, sup, clinician=" Bob ")
    assert [(r.clinician, r.instrument) for r in only_bob.rows] == [
        ("bob", "PHQ-9"),
        ("bob", "GAD-7"),
        ("bob", "paired"),
    ]
    assert [r.clinician for r in only_bob.headline] == ["bob"] * 3
    with pytest.raises(NotFound, match="nobody"):
        outcomes_for(db, sup, clinician="nobody")
    with pytest.raises(ValidationError, match="since"):
        outcomes_for(db, sup, since=date(2026, 7, 1))
    with pytest.raises(ValidationError, match="until"):
        outcomes_for(db, sup, until=date(2026, 8, 1))


def test_final_day_is_the_clinics_day(db: Database) -> None:
    """23:30 UTC on 30 Jun is 1 Jul in London: after the period, so not the final."""
    alice = make_user(db, "alice")
    client = make_client(db, alice, "CP-0001", "Late Evening", today=TODAY).id
    give(db, alice, client, date(2026, 1, 10), phq=15)
    give(db, alice, client, date(2026, 2, 10), phq=14)
    give(db, alice, client, UNTIL, phq=5, hour=23)
    london = outcomes_for(db, alice, tz=ZoneInfo("Europe/London"))
    assert london.row("all", "PHQ-9").counted == 0  # final is 10 Feb, before the period
    utc = outcomes_for(db, alice, tz=UTC)
    assert counts(utc.row("all", "PHQ-9")) == (1, 1, 0, 1, 1, 1)


def test_csv_suppresses_counts_under_five(service) -> None:
    db, _alice, _bob, sup, *_ = service
    result = outcomes_for(db, sup)
    lines = counts_csv(result.rows, since=SINCE, until=UNTIL).splitlines()
    assert lines[0].startswith(
        "since,until,clinician,instrument,counted,reliable_improvement,reliable_improvement_rate,"
    )
    first = lines[1].split(",")
    assert first[:5] == ["2026-03-01", "2026-06-30", "all", "PHQ-9", "7"]
    assert first[5:7] == [FEWER_THAN, FEWER_THAN]  # 3 improved, so the rate is hidden too
    assert first[-1] == "5"  # cases at baseline
    assert all(
        cell not in ("1", "2", "3", "4", "0") for line in lines[1:] for cell in line.split(",")[4:]
    )


def test_a_part_answered_questionnaire_is_never_a_baseline_or_a_final(db: Database) -> None:
    """A PHQ-9 with items left blank has no total: the complete ones either side are used."""
    alice = make_user(db, "alice")
    client = make_client(db, alice, "CP-0001", "Part Answered", today=TODAY).id
    partial = [3, 3, 3, None, None, None, None, None, 2]
    checkins.record_checkin(
        db,
        alice,
        client_id=client,
        submitted_at=on(date(2026, 1, 5)),
        source=CheckinSource.SESSION,
        measure_answers={"PHQ-9": partial},
    )
    give(db, alice, client, date(2026, 1, 10), phq=15)
    give(db, alice, client, date(2026, 6, 10), phq=9)
    checkins.record_checkin(
        db,
        alice,
        client_id=client,
        submitted_at=on(date(2026, 6, 20)),
        source=CheckinSource.SESSION,
        measure_answers={"PHQ-9": partial},
    )
    result = outcomes_for(db, alice)
    # 15 -> 9: reliable improvement and recovery, as if the partial ones were not there.
    assert counts(result.row("all", "PHQ-9")) == (1, 1, 0, 1, 1, 1)


def test_a_response_exactly_two_weeks_on_is_in_week_two(db: Database) -> None:
    """Weeks since baseline are counted in whole weeks from the baseline's moment: 14 days
    later at the same minute is week 2, a minute earlier still week 1 (the database's date
    arithmetic must not round 14 days down to 13.999…)."""
    alice = make_user(db, "alice")
    client = make_client(db, alice, "CP-0001", "Weekly", today=TODAY).id
    baseline = date(2026, 3, 2)
    give(db, alice, client, baseline, phq=15, hour=9)
    exactly = datetime.combine(date(2026, 3, 16), time(9), UTC)
    earlier = datetime.combine(date(2026, 3, 16), time(8, 59), UTC)
    for moment, total in ((earlier, 12), (exactly, 8)):
        checkins.record_checkin(
            db,
            alice,
            client_id=client,
            submitted_at=moment,
            source=CheckinSource.SESSION,
            measure_answers={"PHQ-9": answers(total, 9)},
        )
    trend = outcomes_for(db, alice).trend.set_index("week")
    assert trend["mean_total"].to_dict() == {0: 15.0, 1: 12.0, 2: 8.0}
    assert trend["clients"].to_dict() == {0: 1, 1: 1, 2: 1}


def test_two_responses_at_the_same_moment_start_with_the_older_and_end_with_the_newer(
    db: Database,
) -> None:
    """Baseline and final are ordered by time, then by when they were stored."""
    alice = make_user(db, "alice")
    client = make_client(db, alice, "CP-0001", "Same Moment", today=TODAY).id
    for total in (20, 14):  # two baselines at 9:00 on 2 Mar: the first stored counts
        give(db, alice, client, date(2026, 3, 2), phq=total, hour=9)
    for total in (13, 5):  # two finals at 9:00 on 1 Jun: the last stored counts
        give(db, alice, client, date(2026, 6, 1), phq=total, hour=9)
    row = outcomes_for(db, alice).row("all", "PHQ-9")
    # 20 -> 5: reliable improvement and reliable recovery (14 -> 13 would be neither).
    assert counts(row) == (1, 1, 0, 1, 1, 1)


def test_a_caseload_with_no_scores_yet_counts_nothing(db: Database) -> None:
    """A new clinician whose clients have no complete response: every figure is 0, the trend
    empty, and each active client is in the data completeness without a baseline."""
    alice = make_user(db, "alice")
    make_client(db, alice, "CP-0001", "Not Yet Measured", today=TODAY)
    result = outcomes_for(db, alice)
    assert [counts(r) for r in result.headline] == [(0, 0, 0, 0, 0, 0)] * 3
    assert result.trend.empty
    assert (result.completeness.active_clients, result.completeness.with_baseline) == (1, 0)
