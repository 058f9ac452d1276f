"""The one Period of clinic days and the one way each date is written."""

from __future__ import annotations

from datetime import date

from care_plans.dates import (
    BEFORE,
    CHOSEN,
    LAST_SESSION,
    PREVIOUS_SESSION,
    Period,
    show_day,
    show_day_in_full,
)


def test_a_period_counts_both_ends_and_knows_the_days_before_it() -> None:
    period = Period(date(2026, 3, 10), date(2026, 3, 23), LAST_SESSION)
    assert period.days == 14
    assert date(2026, 3, 10) in period and date(2026, 3, 23) in period
    assert date(2026, 3, 9) not in period and "2026-03-10" not in period
    assert period.before() == Period(date(2026, 2, 24), date(2026, 3, 9), BEFORE)
    assert period.before().days == period.days


def test_a_period_says_where_it_starts_in_words() -> None:
    assert Period(date(2026, 3, 1), date(2026, 3, 3), PREVIOUS_SESSION).describe() == (
        "1 Mar 2026 to 3 Mar 2026 (since the session before the most recent one)"
    )
    assert Period(date(2026, 3, 1), date(2026, 3, 3), CHOSEN).describe() == (
        "1 Mar 2026 to 3 Mar 2026"
    )


def test_dates_are_written_one_way_for_pages_and_one_for_the_clients_plan() -> None:
    assert show_day(date(2026, 3, 3)) == "3 Mar 2026"
    assert show_day_in_full(date(2026, 3, 3)) == "3 March 2026"


def test_a_narrow_column_leaves_out_the_current_year_only() -> None:
    assert show_day(date(2026, 3, 3), this_year=2026) == "3 Mar"
    assert show_day(date(2027, 2, 15), this_year=2026) == "15 Feb 2027"
    assert show_day(date(2025, 12, 31), this_year=2026) == "31 Dec 2025"
    assert show_day(date(2026, 3, 3)) == "3 Mar 2026"
