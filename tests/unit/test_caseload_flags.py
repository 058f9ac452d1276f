"""The caseload flags and mood trend as pure rules: every flag on and off at its edge."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest

from care_plans.read.caseload import (
    DETERIORATION,
    FLAGS,
    NO_RECENT_CHECKIN,
    REVIEW_OVERDUE,
    SELF_HARM,
    baseline_and_latest,
    caseload_flags,
    fold,
    mood_trend,
)

TODAY = date(2025, 3, 15)


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), UTC)


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def flags(**changes: Any) -> tuple[str, ...]:
    """The flags of a quiet client (active plan, reviewed on time, checked in yesterday)."""
    values: dict[str, Any] = {
        "today": TODAY,
        "plan_status": "active",
        "plan_start": days_ago(60),
        "next_review_date": days_ago(-30),
        "last_checkin": at(days_ago(1)),
        "scores": {},
        "self_harm_pending": False,
    }
    values.update(changes)
    return caseload_flags(**values)


def test_a_quiet_client_has_no_flags() -> None:
    assert flags() == ()


# -- review overdue -------------------------------------------------------------------------------


def test_review_due_today_is_not_overdue_but_due_yesterday_is() -> None:
    assert flags(next_review_date=TODAY) == ()
    assert flags(next_review_date=days_ago(1)) == (REVIEW_OVERDUE,)


@pytest.mark.parametrize("status", ["active", "draft", "on-hold"])
def test_open_plans_can_be_overdue(status: str) -> None:
    assert flags(plan_status=status, next_review_date=days_ago(1)) == (REVIEW_OVERDUE,)


@pytest.mark.parametrize("status", ["completed", "revoked", "entered-in-error", None])
def test_closed_or_missing_plans_are_never_overdue(status: str | None) -> None:
    assert flags(plan_status=status, next_review_date=days_ago(100)) == ()


def test_no_review_date_is_not_overdue() -> None:
    assert flags(next_review_date=None) == ()


# -- no check-in 14 days --------------------------------------------------------------------------


def test_last_checkin_exactly_14_days_ago_is_not_flagged() -> None:
    assert flags(last_checkin=at(days_ago(14), 0, 0)) == ()
    assert flags(last_checkin=at(days_ago(14), 23, 59)) == ()


def test_last_checkin_15_days_ago_is_flagged() -> None:
    assert flags(last_checkin=at(days_ago(15), 23, 59)) == (NO_RECENT_CHECKIN,)


def test_checkin_day_is_the_clinics_day() -> None:
    # 00:30 in UTC+2 on day 14 is 22:30 UTC on day 15: the clinic's day decides.
    plus_two = timezone(timedelta(hours=2))
    moment = datetime.combine(days_ago(14), time(0, 30), plus_two)
    assert flags(last_checkin=moment) == (NO_RECENT_CHECKIN,)  # a UTC clinic: day 15
    assert flags(last_checkin=moment, tz=plus_two) == ()  # a UTC+2 clinic: day 14


def test_baseline_is_the_first_score_on_the_clinics_plan_start_day() -> None:
    from zoneinfo import ZoneInfo

    from care_plans.read.caseload import baseline_and_latest

    sydney = ZoneInfo("Australia/Sydney")
    start = date(2026, 3, 2)
    first = datetime.combine(start, time(9, 0), sydney)  # 1 March in UTC
    later = first + timedelta(days=28)
    scores = [(first, 20), (later, 8)]
    assert baseline_and_latest(scores, start, sydney)[0] == (first, 20)
    assert baseline_and_latest(scores, start)[0] == (later, 8)  # by UTC day it would be missed


def test_never_checked_in_counts_from_the_plan_start() -> None:
    assert flags(last_checkin=None, plan_start=days_ago(14)) == ()
    assert flags(last_checkin=None, plan_start=days_ago(15)) == (NO_RECENT_CHECKIN,)
    assert flags(last_checkin=None, plan_start=None, plan_status=None) == ()


# -- reliable deterioration -----------------------------------------------------------------------


def phq9(*points: tuple[int, int]) -> dict[str, list[tuple[datetime, int]]]:
    return {"PHQ-9": [(at(days_ago(n)), total) for n, total in points]}


def gad7(*points: tuple[int, int]) -> dict[str, list[tuple[datetime, int]]]:
    return {"GAD-7": [(at(days_ago(n)), total) for n, total in points]}


def test_phq9_rise_of_5_is_not_reliable_but_6_is() -> None:
    assert flags(scores=phq9((50, 5), (2, 10))) == ()
    assert flags(scores=phq9((50, 5), (2, 11))) == (DETERIORATION,)


def test_gad7_rise_of_3_is_not_reliable_but_4_is() -> None:
    assert flags(scores=gad7((50, 5), (2, 8))) == ()
    assert flags(scores=gad7((50, 5), (2, 9))) == (DETERIORATION,)


def test_reliable_improvement_is_not_flagged() -> None:
    assert flags(scores=phq9((50, 20), (2, 5))) == ()


def test_baseline_is_the_first_score_on_or_after_plan_start_not_an_earlier_one() -> None:
    start = days_ago(30)
    # An earlier episode scored 2; against it, 10 would be a deterioration. The baseline on
    # the plan's first day is 8, so 10 is not.
    assert flags(plan_start=start, scores=phq9((40, 2), (30, 8), (1, 10))) == ()
    # And the other way round: a high score before the plan does not hide a deterioration.
    assert flags(plan_start=start, scores=phq9((40, 20), (29, 4), (1, 10))) == (DETERIORATION,)


def test_baseline_on_the_plan_start_day_counts_from_its_first_minute() -> None:
    start = days_ago(30)
    scores = {"PHQ-9": [(at(start, 0, 0), 3), (at(days_ago(1)), 9)]}
    assert baseline_and_latest(scores["PHQ-9"], start) == (scores["PHQ-9"][0], scores["PHQ-9"][1])
    assert flags(plan_start=start, scores=scores) == (DETERIORATION,)
    just_before = {"PHQ-9": [(at(start - timedelta(days=1), 23, 59), 3), (at(days_ago(1)), 9)]}
    assert flags(plan_start=start, scores=just_before) == ()


def test_scores_in_any_order_and_a_single_score() -> None:
    assert flags(scores=phq9((2, 11), (50, 5))) == (DETERIORATION,)
    assert flags(scores=phq9((2, 27))) == ()


def test_no_plan_means_no_baseline() -> None:
    assert flags(plan_start=None, plan_status=None, scores=phq9((50, 0), (2, 27))) == ()


def test_other_instruments_are_ignored() -> None:
    assert flags(scores={"WHO-5": [(at(days_ago(50)), 0), (at(days_ago(2)), 25)]}) == ()


# -- self-harm item, discharge, order -------------------------------------------------------------


def test_self_harm_pending_is_flagged() -> None:
    assert flags(self_harm_pending=True) == (SELF_HARM,)


def test_every_flag_at_once_in_urgency_order() -> None:
    raised = flags(
        self_harm_pending=True,
        scores=phq9((50, 0), (20, 20)),
        next_review_date=days_ago(1),
        last_checkin=at(days_ago(20)),
    )
    assert raised == FLAGS == (SELF_HARM, DETERIORATION, REVIEW_OVERDUE, NO_RECENT_CHECKIN)


def test_a_discharged_client_has_no_flags() -> None:
    assert flags(discharged=True, self_harm_pending=True, last_checkin=None) == ()


# -- mood trend and search folding ----------------------------------------------------------------


def week(first_day_ago: int, mood: int) -> dict[date, int]:
    return {days_ago(first_day_ago - i): mood for i in range(7)}


@pytest.mark.parametrize(
    ("previous", "recent", "trend"),
    [(4, 5, "up"), (5, 4, "down"), (4, 4, "steady")],
)
def test_mood_trend_compares_this_week_with_last(previous: int, recent: int, trend: str) -> None:
    assert mood_trend({**week(13, previous), **week(6, recent)}, TODAY) == trend


def test_mood_trend_threshold_is_one_point() -> None:
    previous = {days_ago(10): 4, days_ago(9): 5}  # mean 4.5
    assert mood_trend({**previous, days_ago(0): 5, days_ago(1): 6}, TODAY) == "up"  # +1.0
    assert mood_trend({**previous, days_ago(0): 5, days_ago(1): 5}, TODAY) == "steady"  # +0.5
    assert mood_trend({**previous, days_ago(0): 3, days_ago(1): 4}, TODAY) == "down"  # -1.0


def test_mood_trend_needs_both_weeks() -> None:
    assert mood_trend(week(6, 5), TODAY) is None
    assert mood_trend(week(13, 5), TODAY) is None
    assert mood_trend({days_ago(14): 1, days_ago(0): 9}, TODAY) is None  # day 14 is outside


def test_fold_ignores_case_and_accents() -> None:
    assert fold("Élise Ångström-Ñúñez") == "elise angstrom-nunez"
    assert fold("ÉLISE") == fold("élise") == "elise"
