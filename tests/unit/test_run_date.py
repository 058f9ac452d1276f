"""The clinic's date: `Settings.today` is the date in the clinic's zone (not the server's), and a
page run works with one date, decided when the run began."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from care_plans.access import Actor
from care_plans.config import Settings
from dashboard import deps


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/London"])
def test_settings_today_is_the_date_in_the_clinics_zone(zone: str) -> None:
    settings = Settings.from_env({"CARE_PLANS_TIMEZONE": zone}, secrets={})
    before = datetime.now(ZoneInfo(zone)).date()
    got = settings.today()
    after = datetime.now(ZoneInfo(zone)).date()
    assert got in {before, after}  # the two differ only if the zone's midnight fell between


def test_every_call_in_one_run_gets_the_date_the_run_started_with() -> None:
    settings = Settings.from_env({"CARE_PLANS_TIMEZONE": "Europe/London"}, secrets={})
    run_day = date(2026, 1, 1)  # not today: proves the run's date is used, not the clock
    ctx = deps.RunContext(
        db=None,
        actor=Actor.cli(),
        settings=settings,  # type: ignore[arg-type]
        today=run_day,
    )
    token = deps._RUN.set(ctx)
    try:
        assert [deps.today() for _ in range(3)] == [run_day] * 3
        assert deps.context().today == run_day
    finally:
        deps._RUN.reset(token)
    # Outside a run (a button callback): the clinic's date at that moment.
    before = deps.settings().today()
    got = deps.today()
    assert got != run_day
    assert got in {before, deps.settings().today()}
