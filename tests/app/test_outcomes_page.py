"""The Outcomes page (AppTest) on demo data: tiles per measure and paired, the table by clinician,
data completeness, the chart, the clients to look at with links to their pages, "fewer than 5"
for small counts, who may see what, and a refused period.

The page's figures are checked against `service_outcomes` for the same period and user, and the
suppression against the exact counts (the read model's own figures are tested on hand-built data
in tests/db/test_outcomes.py).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from care_plans.access import Actor
from care_plans.config import Settings
from care_plans.dates import show_day
from care_plans.db import Database
from care_plans.demo import DEMO_PASSWORD, seed_demo
from care_plans.models import CheckinSource, User
from care_plans.read.outcomes import FEWER_THAN, service_outcomes, shown_count
from care_plans.services import checkins
from tests.app.helpers import new_app, sign_in
from tests.factories import clinic_today, make_client

SETTINGS = Settings.from_env()


@pytest.fixture
def demo(app_db: Database) -> Database:
    seed_demo(app_db, clients=12, days=120, end_date=clinic_today())
    return app_db


def open_outcomes(username: str) -> AppTest:
    at = sign_in(new_app(), username, DEMO_PASSWORD)
    return at.switch_page("views/outcomes.py").run()


def metrics(at: AppTest) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in at.metric]


def expected(db: Database, username: str):
    today = datetime.now(SETTINGS.tz).date()
    with db.uow() as uow:
        actor = Actor.of(uow.session.scalar(select(User).where(User.username == username)))
    return service_outcomes(
        db, actor, since=today - timedelta(days=364), until=today, tz=SETTINGS.tz, today=today
    )


def test_supervisor_sees_tiles_table_completeness_chart_and_concerns(demo: Database) -> None:
    at = open_outcomes("demo.supervisor")
    assert not at.exception
    assert at.title[0].value == "Outcomes"
    assert [s.value for s in at.subheader] == ["PHQ-9 (depression)", "GAD-7 (anxiety)", "Paired"]
    result = expected(demo, "demo.supervisor")
    tiles = metrics(at)[:15]
    want = []
    for row in result.headline:
        want += [
            ("Clients counted", shown_count(row.counted)),
            ("Reliable improvement", shown_count(row.reliable_improvement)),
            ("Reliable deterioration", shown_count(row.reliable_deterioration)),
            ("Recovery", shown_count(row.recovery)),
            ("Reliable recovery", shown_count(row.reliable_recovery)),
        ]
    assert tiles == want
    assert tiles[0] == ("Clients counted", "12")  # every demo client has a follow-up

    table = at.dataframe[0].value
    assert sorted(set(table["Clinician"])) == [
        "demo.clinician",
        "demo.clinician2",
        "demo.clinician3",
        "demo.supervisor",
    ]
    assert set(table["Measure"]) == {"PHQ-9", "GAD-7", "paired"}
    # Four clients each and the supervisor co-works two: every count is under 5.
    assert set(table["Clients counted"]) == {FEWER_THAN}

    completeness = dict(metrics(at)[15:])
    c = result.completeness
    assert completeness["With a baseline"] == shown_count(c.with_baseline) == "12"
    assert completeness["Follow-up in the last 28 days"] == shown_count(c.with_recent_follow_up)
    assert completeness["Check-in links sent"] == FEWER_THAN  # the demo sends no links

    specs = [json.loads(e.proto.spec) for e in at.get("vega_lite_chart")]
    assert [spec["title"]["text"] for spec in specs] == ["Mean score by weeks since baseline"]
    rules = [layer for layer in specs[0]["layer"] if layer["mark"]["type"] == "rule"]
    assert rules and rules[0]["encoding"]["y"]["field"] == "caseness"

    concerns = at.dataframe[1].value
    assert list(concerns["Ref"]) == [x.ref for x in result.concerns]
    assert "CP-0004" in list(concerns["Ref"])  # the demo's worsening client
    assert list(concerns["Client page"]) == [f"client?client={x.ref}" for x in result.concerns]
    assert any("reliable deterioration" in why for why in concerns["Why"])
    assert "Download figures (CSV)" in [b.label for b in at.get("download_button")]


def test_clinician_sees_their_own_caseload_with_small_numbers_suppressed(demo) -> None:
    at = open_outcomes("demo.clinician")
    assert not at.exception
    assert at.caption[0].value == "Your caseload"
    table = at.dataframe[0].value
    assert set(table["Clinician"]) == {"demo.clinician"}
    tiles = dict(metrics(at)[:5])
    assert tiles["Clients counted"] == FEWER_THAN  # four clients of twelve
    mine = [x.ref for x in expected(demo, "demo.clinician").concerns]
    assert mine and list(at.dataframe[1].value["Ref"]) == mine
    assert all(int(ref[3:]) % 3 == 1 for ref in mine)  # demo.clinician's clients: 1, 4, 7, 10


def test_definitions_are_on_the_page(demo) -> None:
    at = open_outcomes("demo.supervisor")
    text = "\n".join(m.value for m in at.markdown)
    assert "at least 6 points on PHQ-9 or 4 on GAD-7" in text
    assert "PHQ-9 10 or more, GAD-7 8 or more" in text
    assert "fewer than 5" in text


def test_a_period_that_ends_before_it_starts_is_refused(demo) -> None:
    at = open_outcomes("demo.supervisor")
    at.selectbox(key="outcomes:period").select("Custom dates").run()
    today = datetime.now(SETTINGS.tz).date()
    at.date_input(key="outcomes:since").set_value(today - timedelta(days=10)).run()
    at.date_input(key="outcomes:until").set_value(today - timedelta(days=20)).run()
    assert [e.value for e in at.error] == [
        f"Since: the period starts on {show_day(today - timedelta(days=10))}, after it ends "
        f"({show_day(today - timedelta(days=20))})"
    ]
    assert len(at.metric) == 0


def test_admins_have_no_outcomes_page(demo) -> None:
    at = sign_in(new_app(), "demo.admin", DEMO_PASSWORD)
    assert not at.exception
    assert at.title[0].value == "Accounts and assignments"
    # besides the accounts page only the "not for your role" pages, which are not files
    with pytest.raises(
        ValueError,
        match=r"Known pages: \['[^,]*admin.py', 'client', 'review', "
        r"'outcomes'\]",
    ):
        at.switch_page("views/outcomes.py")


def test_a_write_is_counted_on_the_next_rerun(demo: Database) -> None:
    """The page keeps its figures between reruns, keyed by the clinic's data version: a new
    client with a baseline and a follow-up, written meanwhile (as by another app server), is
    counted on the next rerun, not after the cache expires."""
    at = open_outcomes("demo.supervisor")
    assert metrics(at)[0] == ("Clients counted", "12")
    today = datetime.now(SETTINGS.tz).date()
    with demo.uow() as uow:
        supervisor = Actor.of(
            uow.session.scalar(select(User).where(User.username == "demo.supervisor"))
        )
    client = make_client(demo, supervisor, "CP-9001", "New Arrival", today=today)
    now = datetime.now(SETTINGS.tz)
    for days_ago, answers in ((30, [2] * 9), (2, [1] * 9)):
        checkins.record_checkin(
            demo,
            supervisor,
            client_id=client.id,
            submitted_at=now - timedelta(days=days_ago),
            source=CheckinSource.SESSION,
            measure_answers={"PHQ-9": answers},
        )
    at.run()
    assert not at.exception
    assert metrics(at)[0] == ("Clients counted", "13")
