"""The caseload page (AppTest): whose clients it lists, each flag on data made to raise it, the
self-harm alert pinned above the table until a follow-up is recorded, search and filters, the
empty state, and adding a client.

Data goes in through the real services (check-ins with measure answers); plan dates are set
through the ORM, as a review would. Check-ins are made in the past, as the service requires.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from care_plans.access import Actor
from care_plans.config import Settings
from care_plans.db import Database
from care_plans.models import AuditEvent, CarePlan, Client, MeasureResponse
from care_plans.services import checkins
from tests.app.helpers import new_app, sign_in
from tests.factories import TEST_PASSWORD, make_client, make_user

TODAY = datetime.now(Settings.from_env().tz).date()  # the clinic's date, as the page's


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def phq9(total: int, item9: int = 0) -> list[int]:
    answers, left = [], total - item9
    for _ in range(8):
        answers.append(min(3, left))
        left -= answers[-1]
    return [*answers, item9]


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
    mood: int = 5,
    phq9_answers: list[int] | None = None,
) -> int:
    return checkins.record_checkin(
        db,
        actor,
        client_id=client_id,
        submitted_at=datetime.combine(days_ago(n), time(12), UTC)
        if n
        else datetime.now(UTC) - timedelta(minutes=5),
        ratings={"mood": mood},
        measure_answers={"PHQ-9": phq9_answers} if phq9_answers else None,
    ).id


def in_order(node: Any) -> Iterator[Any]:
    """Every element under `node`, in the order the page draws them."""
    for child in getattr(node, "children", {}).values():
        yield child
        yield from in_order(child)


def table(at: AppTest) -> dict[str, dict[str, Any]]:
    """The caseload table as {ref: row}."""
    frame = at.dataframe(key="caseload_table").value
    return {row["Ref"]: row for row in frame.to_dict("records")}


@pytest.fixture
def caseload(app_db: Database) -> tuple[Database, Actor, dict[str, int]]:
    """Alice's five clients, each made to raise one flag (or none); Bob's one client."""
    alice = make_user(app_db, "alice", full_name="Alice Example")
    bob = make_user(app_db, "bob", full_name="Bob Example")
    ids = {
        "overdue": make_client(app_db, alice, "CP-0001", "Ann Overdue", today=TODAY).id,
        "quiet": make_client(app_db, alice, "CP-0002", "Ben Quiet", today=TODAY).id,
        "worse": make_client(app_db, alice, "CP-0003", "Cai Worse", today=TODAY).id,
        "risk": make_client(app_db, alice, "CP-0004", "Dee Risk", today=TODAY).id,
        "fine": make_client(app_db, alice, "CP-0005", "Eve Fine", today=TODAY).id,
        "bobs": make_client(app_db, bob, "CP-0101", "Fay Elsewhere", today=TODAY).id,
    }
    set_plan(app_db, ids["overdue"], next_review_date=days_ago(3))
    checkin(app_db, alice, ids["overdue"], 2)
    set_plan(app_db, ids["quiet"], start_date=days_ago(20))  # no check-in since it started
    set_plan(app_db, ids["worse"], start_date=days_ago(30))
    checkin(app_db, alice, ids["worse"], 20, phq9_answers=phq9(5))
    checkin(app_db, alice, ids["worse"], 1, phq9_answers=phq9(12))  # +7: reliably worse
    checkin(app_db, alice, ids["risk"], 0, phq9_answers=phq9(9, item9=2))
    checkin(app_db, alice, ids["fine"], 1, mood=7)
    return app_db, alice, ids


def test_clinician_sees_only_their_clients_each_with_its_flag(caseload) -> None:
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    assert not at.exception
    rows = table(at)
    assert set(rows) == {"CP-0001", "CP-0002", "CP-0003", "CP-0004", "CP-0005"}
    assert "Fay Elsewhere" not in str(at.dataframe[0].value)
    assert {ref: row["Flags"] for ref, row in rows.items()} == {
        "CP-0001": "review overdue",
        "CP-0002": "no check-in 14 days",
        "CP-0003": "reliable deterioration",
        "CP-0004": "self-harm item",
        "CP-0005": "",
    }
    assert list(rows)[-1] == "CP-0005"  # sorted by flags: the unflagged last
    assert rows["CP-0003"]["PHQ-9"] == "12 moderate"
    assert rows["CP-0005"]["Mood"] == "7"  # one day of moods: no trend yet
    assert rows["CP-0002"]["Last check-in"] == "none"
    yesterday = days_ago(1)  # this year's dates without the year: the table is narrow
    assert rows["CP-0005"]["Last check-in"] == (
        f"{yesterday.day} {yesterday:%b}"
        if yesterday.year == TODAY.year
        else f"{yesterday.day} {yesterday:%b %Y}"
    )


def test_the_paired_column_shows_the_nhs_talking_therapies_outcome(caseload) -> None:
    db, alice, ids = caseload
    # Both responses after Eve's plan began: the baseline is the first since her own plan's
    # start (this test once passed only because another client's plan was older).
    set_plan(db, ids["fine"], start_date=days_ago(10))
    for n, phq, gad in ((9, 15, [2, 2, 2, 2, 1, 1, 0]), (2, 5, [1, 1, 1, 1, 1, 1, 1])):
        checkins.record_checkin(
            db,
            alice,
            client_id=ids["fine"],
            submitted_at=datetime.combine(days_ago(n), time(12), UTC),
            ratings={"mood": 6},
            measure_answers={"PHQ-9": phq9(phq), "GAD-7": gad},
        )
    rows = table(sign_in(new_app(), "alice", TEST_PASSWORD))
    assert rows["CP-0005"]["Paired"] == "reliable recovery"  # 15→5 and 10→7
    assert rows["CP-0003"]["Paired"] == ""  # a PHQ-9 only: the pair needs both


def test_self_harm_alert_is_pinned_above_the_table_until_followed_up(caseload) -> None:
    db, alice, ids = caseload
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    [alert] = at.error
    assert (
        "Dee Risk (CP-0004) answered “More than half the days” to the PHQ-9 self-harm question"
        in alert.value
    )
    drawn = list(in_order(at.main))
    assert drawn.index(alert) < drawn.index(at.dataframe(key="caseload_table"))

    # the alert stays whatever the filters say
    at.text_input(key="caseload_search").input("Ann").run()
    assert list(table(at)) == ["CP-0001"]
    assert "Dee Risk" in at.error[0].value

    with db.uow() as uow:
        response_id = uow.session.scalar(
            select(MeasureResponse.id).where(MeasureResponse.client_id == ids["risk"])
        )
    at.button(key=f"followup:{response_id}").click().run()  # no note: refused
    assert not at.exception
    assert "Describe the follow-up" in " ".join(e.value for e in at.error)

    note = "Phoned Dee the same afternoon; agreed to use the crisis plan tonight."
    at.text_input(key=f"draft:followup:{response_id}").input(note)
    at.button(key=f"followup:{response_id}").click().run()
    assert not at.exception
    assert at.success[0].value == "Follow-up recorded for CP-0004."
    assert not at.error
    at.text_input(key="caseload_search").input("").run()
    assert table(at)["CP-0004"]["Flags"] == ""
    with db.uow() as uow:
        response = uow.session.get(MeasureResponse, response_id)
        assert (response.risk_follow_up_note, response.risk_followed_up_by_id) == (
            note,
            alice.user_id,
        )
        event = uow.session.scalar(select(AuditEvent).where(AuditEvent.action == "risk.follow_up"))
        assert (event.actor, event.entity_id, event.client_id) == (
            "alice",
            response_id,
            ids["risk"],
        )
        assert "Phoned" not in str(event.detail)  # the audit keeps ids, never the note


def test_search_and_flag_filter(caseload) -> None:
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    at.text_input(key="caseload_search").input("cai").run()
    assert list(table(at)) == ["CP-0003"]
    at.text_input(key="caseload_search").input("cp-000").run()
    assert len(table(at)) == 5
    at.text_input(key="caseload_search").input("").run()
    at.selectbox(key="caseload_flag").set_value("review overdue").run()
    assert list(table(at)) == ["CP-0001"]
    at.selectbox(key="caseload_flag").set_value("no check-in 14 days").run()
    assert list(table(at)) == ["CP-0002"]
    at.text_input(key="caseload_search").input("Eve").run()
    assert not at.exception
    assert not at.dataframe
    assert at.info[0].value == "No clients match these filters."
    assert at.selectbox(key="caseload_flag").options[0] == "all clients"
    at.selectbox(key="caseload_flag").set_value("all clients").run()
    assert list(table(at)) == ["CP-0005"]
    at.text_input(key="caseload_search").input("").run()
    at.selectbox(key="caseload_sort").set_value("name").run()
    assert list(table(at)) == ["CP-0001", "CP-0002", "CP-0003", "CP-0004", "CP-0005"]


def test_supervisor_sees_everyone_and_filters_by_clinician(caseload) -> None:
    db, *_ = caseload
    make_user(db, "sam", "supervisor")
    at = sign_in(new_app(), "sam", TEST_PASSWORD)
    assert not at.exception
    assert len(table(at)) == 6
    assert table(at)["CP-0101"]["Clinician"] == "bob"
    assert "Dee Risk" in at.error[0].value
    box = at.selectbox(key="caseload_clinician")
    # chosen by name from the care teams, never typed as an exact username
    assert box.options[0] == "everyone" and set(box.options[1:]) == {
        "Alice Example (alice)",
        "Bob Example (bob)",
    }
    box.set_value("bob").run()
    assert list(table(at)) == ["CP-0101"]


def test_empty_caseload_shows_its_empty_state(app_db) -> None:
    make_user(app_db, "newbie")
    other = make_user(app_db, "alice")
    make_client(app_db, other, "CP-0001", "Not Yours", today=TODAY)
    at = sign_in(new_app(), "newbie", TEST_PASSWORD)
    assert not at.exception
    assert not at.dataframe
    assert "You have no clients yet" in at.info[0].value
    assert "Not Yours" not in str(at)


def client_count(db: Database) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count(Client.id))) or 0


def test_add_a_client_opens_their_page(app_db) -> None:
    make_user(app_db, "alice")
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    at.text_input(key="draft:new_client_ref").input(" cp-0042 ")
    at.text_input(key="draft:new_client_name").input("Zoë New")
    at.date_input(key="draft:new_client_dob").set_value(date(1990, 5, 17))
    at.button(key="add_client").click().run()
    assert not at.exception
    assert at.query_params["client"] == "CP-0042"
    assert at.title[0].value == "Zoë New"
    assert "born 17 May 1990" in at.caption[0].value
    with app_db.uow() as uow:
        client = uow.session.scalars(select(Client)).one()
        assert (client.ref, client.full_name) == ("CP-0042", "Zoë New")
    at.switch_page("views/caseload.py").run()
    assert list(table(at)) == ["CP-0042"]
    assert at.text_input(key="draft:new_client_ref").value == ""  # the form starts afresh


def test_a_refused_add_shows_why_and_writes_nothing(app_db) -> None:
    alice = make_user(app_db, "alice")
    make_client(app_db, alice, "CP-0001", "Already Here", today=TODAY)
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    before = client_count(app_db)
    at.text_input(key="draft:new_client_ref").input("bad ref!")
    at.text_input(key="draft:new_client_name").input("Someone")
    at.button(key="add_client").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Ref: Use 3–32 capital letters, digits or hyphens, starting and ending with a letter "
        "or digit (for example CP-0042)."
    ]
    assert at.title[0].value == "Caseload"
    assert at.text_input(key="draft:new_client_name").value == "Someone"  # kept to correct
    at.text_input(key="draft:new_client_ref").input("CP-0001")
    at.button(key="add_client").click().run()
    assert "A client with ref CP-0001 already exists." in at.error[0].value
    assert client_count(app_db) == before
    with app_db.uow() as uow:
        assert (
            uow.session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "client.create")
            )
            == 1
        )  # the factory's only


def test_flags_follow_the_clinics_date_not_the_servers(app_db, monkeypatch) -> None:
    # UTC-12 and UTC+14 are 26 hours apart: one of them is always on another date than this
    # machine, so the test always runs where the two dates differ.
    zone = next(
        z for z in ("Etc/GMT-14", "Etc/GMT+12") if datetime.now(ZoneInfo(z)).date() != date.today()
    )
    monkeypatch.setenv("CARE_PLANS_TIMEZONE", zone)
    clinic_today = datetime.now(ZoneInfo(zone)).date()
    alice = make_user(app_db, "alice")
    due_yesterday = make_client(app_db, alice, "CP-0001", "Due Yesterday", today=clinic_today)
    due_today = make_client(app_db, alice, "CP-0002", "Due Today", today=clinic_today)
    set_plan(app_db, due_yesterday.id, next_review_date=clinic_today - timedelta(days=1))
    set_plan(app_db, due_today.id, next_review_date=clinic_today)
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    assert not at.exception
    assert {ref: row["Flags"] for ref, row in table(at).items()} == {
        "CP-0001": "review overdue",
        "CP-0002": "",
    }


def test_pages_and_a_new_search_starts_on_the_first(app_db) -> None:
    alice = make_user(app_db, "alice")
    for n in range(51):  # one more than a page
        make_client(app_db, alice, f"CP-{n:04d}", f"Person {n}", today=TODAY)
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    assert "51 clients · page 1 of 2" in at.caption[0].value
    assert len(table(at)) == 50
    next(b for b in at.button if b.label == "Next page").click().run()
    assert not at.exception
    assert "page 2 of 2" in at.caption[0].value
    assert list(table(at)) == ["CP-0050"]
    at.text_input(key="caseload_search").input("person").run()  # still two pages of matches
    assert not at.exception
    assert "51 clients · page 1 of 2" in at.caption[0].value
    assert list(table(at))[0] == "CP-0000"


def test_a_write_elsewhere_shows_on_the_next_rerun(caseload) -> None:
    """The table is kept between reruns by the clinic's data version: a check-in recorded
    meanwhile (as on another app server) moves its client's flag on the very next rerun."""
    db, alice, ids = caseload
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    assert "no check-in 14 days" in table(at)["CP-0002"]["Flags"]
    checkins.record_checkin(
        db,
        alice,
        client_id=ids["quiet"],
        submitted_at=datetime.combine(days_ago(0), time(9), UTC),
        ratings={"mood": 6},
    )
    at.run()
    assert not at.exception
    assert "no check-in 14 days" not in table(at)["CP-0002"]["Flags"]
