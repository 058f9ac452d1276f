"""The outcome definitions as pure functions, at every edge (no database)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from care_plans import measures
from care_plans.read.outcomes import (
    FEWER_THAN,
    TimedScore,
    definitions_text,
    follow_up_overdue,
    has_recent_follow_up,
    instrument_outcome,
    measures_due,
    paired_outcome,
    shown_count,
    shown_rate,
    tally,
)

SINCE, UNTIL = date(2026, 3, 1), date(2026, 6, 30)
BASE_AT = datetime(2026, 1, 10, 12, tzinfo=UTC)
FINAL_AT = datetime(2026, 6, 10, 12, tzinfo=UTC)


def outcome(code: str, before: int, after: int, final_at: datetime = FINAL_AT, **kw: object):
    return instrument_outcome(
        code,
        TimedScore(BASE_AT, before),
        TimedScore(final_at, after),
        since=SINCE,
        until=UNTIL,
        **kw,
    )  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["PHQ-9", "GAD-7"])
def test_reliable_change_at_exactly_the_threshold(code: str) -> None:
    points = measures.get_instrument(code).reliable_change_points
    assert outcome(code, 15, 15 - points).reliable_improvement
    assert not outcome(code, 15, 15 - points + 1).reliable_improvement
    assert outcome(code, 3, 3 + points).reliable_deterioration
    assert not outcome(code, 3, 3 + points - 1).reliable_deterioration


@pytest.mark.parametrize("code", ["PHQ-9", "GAD-7"])
def test_caseness_at_exactly_the_threshold(code: str) -> None:
    cut = measures.get_instrument(code).caseness_threshold
    at_cut = outcome(code, cut, cut - 1)
    assert at_cut.case_at_baseline and at_cut.recovery and not at_cut.reliable_recovery
    below = outcome(code, cut - 1, 0)
    assert not below.case_at_baseline and not below.recovery and below.reliable_improvement
    still = outcome(code, 20, cut)
    assert still.case_at_final and not still.recovery


def test_one_response_only_is_not_counted() -> None:
    only = instrument_outcome(
        "PHQ-9", TimedScore(FINAL_AT, 20), TimedScore(FINAL_AT, 20), since=SINCE, until=UNTIL
    )
    assert not only.counted


def test_final_must_fall_in_the_period_in_the_clinics_day() -> None:
    assert not outcome("PHQ-9", 15, 5, datetime(2026, 2, 28, 12, tzinfo=UTC)).counted
    assert outcome("PHQ-9", 15, 5, datetime(2026, 3, 1, 0, 0, tzinfo=UTC)).counted
    late = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # 1 Jul 00:30 in London (BST)
    assert outcome("PHQ-9", 15, 5, late).counted
    assert not outcome("PHQ-9", 15, 5, late, tz=ZoneInfo("Europe/London")).counted


def test_paired_outcomes() -> None:
    both_better = paired_outcome(
        {"PHQ-9": outcome("PHQ-9", 15, 5), "GAD-7": outcome("GAD-7", 10, 7)}
    )  # -3: no reliable change
    assert both_better is not None
    assert (
        both_better.counted,
        both_better.reliable_improvement,
        both_better.recovery,
        both_better.reliable_recovery,
    ) == (True, True, True, True)
    # Better by 6 on the PHQ-9, worse by 4 on the GAD-7: the worsening is what is counted.
    mixed = paired_outcome({"PHQ-9": outcome("PHQ-9", 9, 3), "GAD-7": outcome("GAD-7", 3, 7)})
    assert mixed is not None
    assert (mixed.reliable_improvement, mixed.reliable_deterioration) == (False, True)
    assert not mixed.case_at_baseline
    # Below caseness on both at the end, but the GAD-7 rose reliably: not a recovery.
    worse_on_one = paired_outcome(
        {"PHQ-9": outcome("PHQ-9", 15, 5), "GAD-7": outcome("GAD-7", 1, 6)}
    )
    assert worse_on_one is not None and worse_on_one.case_at_baseline
    assert (worse_on_one.recovery, worse_on_one.reliable_deterioration) == (False, True)
    one_still_a_case = paired_outcome(
        {"PHQ-9": outcome("PHQ-9", 12, 4), "GAD-7": outcome("GAD-7", 12, 8)}
    )
    assert one_still_a_case is not None and not one_still_a_case.recovery
    assert one_still_a_case.reliable_improvement
    assert paired_outcome({"PHQ-9": outcome("PHQ-9", 15, 5)}) is None
    half_counted = paired_outcome(
        {
            "PHQ-9": outcome("PHQ-9", 15, 5),
            "GAD-7": outcome("GAD-7", 10, 5, datetime(2026, 2, 1, tzinfo=UTC)),
        }
    )
    assert half_counted is not None and not half_counted.counted


def test_tally_ignores_clients_not_counted() -> None:
    rows = [
        outcome("PHQ-9", 15, 5),
        outcome("PHQ-9", 15, 5, datetime(2026, 2, 1, tzinfo=UTC)),
        outcome("PHQ-9", 4, 12),
    ]
    counts = tally(rows, clinician="all", instrument="PHQ-9")
    assert (
        counts.counted,
        counts.reliable_improvement,
        counts.reliable_deterioration,
        counts.recovery,
        counts.reliable_recovery,
        counts.cases_at_baseline,
    ) == (2, 1, 1, 1, 1, 1)
    assert counts.rate("recovery") == 1.0 and counts.rate("reliable_deterioration") == 0.5


def test_follow_up_window_of_28_days() -> None:
    until = date(2026, 6, 30)
    day = lambda d: datetime(2026, 6, d, 12, tzinfo=UTC)  # noqa: E731
    assert has_recent_follow_up(BASE_AT, day(3), until=until)  # 28th day back
    assert not has_recent_follow_up(BASE_AT, day(2), until=until)  # 29th
    assert not has_recent_follow_up(day(20), day(20), until=until)  # the baseline only
    assert not has_recent_follow_up(None, None, until=until)
    assert follow_up_overdue(BASE_AT, day(2), until=until)
    assert not follow_up_overdue(day(20), day(20), until=until)  # a new baseline
    assert not follow_up_overdue(None, None, until=until)


def test_measures_due() -> None:
    assert measures_due(date(2026, 6, 3), date(2026, 6, 30), 14) == 2
    assert measures_due(date(2026, 6, 26), date(2026, 6, 30), 14) == 0
    assert measures_due(date(2026, 6, 24), date(2026, 6, 30), 14) == 1
    assert measures_due(date(2026, 7, 1), date(2026, 6, 30), 14) == 0


def test_small_number_suppression() -> None:
    assert [shown_count(n) for n in (0, 4, 5, 1234)] == [FEWER_THAN, FEWER_THAN, "5", "1,234"]
    assert shown_rate(4, 100) == FEWER_THAN
    assert shown_rate(5, 4) == FEWER_THAN
    assert shown_rate(5, 10) == "50%"
    assert shown_rate(0, 0) == "–"


def test_definitions_read_the_thresholds_from_the_instruments(monkeypatch) -> None:
    text = definitions_text()
    assert "at least 6 points on PHQ-9 or 4 on GAD-7" in text
    assert "PHQ-9 10 or more, GAD-7 8 or more" in text
    changed = dataclasses.replace(measures.PHQ_9, reliable_change_points=5)
    monkeypatch.setitem(measures.INSTRUMENTS, "PHQ-9", changed)
    assert "at least 5 points on PHQ-9" in definitions_text()
    assert outcome("PHQ-9", 15, 10).reliable_improvement


def test_the_paired_status_and_the_outcomes_page_follow_one_rule() -> None:
    """Review page, PDF and caseload show measures.paired_recovery_status; the outcomes page
    counts paired_outcome: for each pair the status names what the counts count."""
    from care_plans import measures

    pairs = [
        ((15, 10), (5, 7)),
        ((9, 3), (3, 7)),
        ((15, 1), (5, 6)),
        ((12, 12), (4, 8)),
        ((4, 3), (3, 2)),
        ((20, 15), (19, 14)),
        ((5, 2), (0, 1)),
        ((11, 9), (9, 7)),
    ]
    for (phq_before, gad_before), (phq_after, gad_after) in pairs:
        status = measures.paired_recovery_status(
            {"PHQ-9": phq_before, "GAD-7": gad_before}, {"PHQ-9": phq_after, "GAD-7": gad_after}
        )
        counted = paired_outcome(
            {
                "PHQ-9": outcome("PHQ-9", phq_before, phq_after),
                "GAD-7": outcome("GAD-7", gad_before, gad_after),
            }
        )
        assert counted is not None
        expected = {
            measures.RELIABLE_DETERIORATION: counted.reliable_deterioration,
            measures.RELIABLE_RECOVERY: counted.reliable_recovery,
            measures.RECOVERY: counted.recovery and not counted.reliable_recovery,
            measures.RELIABLE_IMPROVEMENT: counted.reliable_improvement and not counted.recovery,
            measures.NO_RELIABLE_CHANGE: counted.case_at_baseline
            and not (
                counted.reliable_improvement or counted.recovery or counted.reliable_deterioration
            ),
            measures.NOT_A_CASE_AT_BASELINE: not counted.case_at_baseline
            and not (counted.reliable_improvement or counted.reliable_deterioration),
        }
        assert expected[status], (phq_before, gad_before, phq_after, gad_after, status)
        assert sum(expected.values()) == 1
    assert (
        measures.paired_recovery_status({"PHQ-9": 15, "GAD-7": 10}, {"PHQ-9": 5, "GAD-7": 7})
        == measures.RELIABLE_RECOVERY
    )
    assert measures.paired_recovery_status({"PHQ-9": 9, "GAD-7": 3}, {"PHQ-9": 3, "GAD-7": 7}) == (
        measures.RELIABLE_DETERIORATION
    )
    assert measures.paired_recovery_status({"PHQ-9": 12}, {"PHQ-9": 4}) is None
