"""The session review page (AppTest): the 'since last session' figures on data made to give
known deltas, the session record's draft, sign-off and addendum, and a check-in in session."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from care_plans.models import CheckIn, ClinicalSession, MeasureResponse, SessionAddendum
from care_plans.read import sessions as read_sessions
from care_plans.services import plans, risk, sessions
from tests.app.helpers import new_app, open_tab, sign_in
from tests.db.test_review import GAD7, PHQ9, build_known_review
from tests.factories import TEST_PASSWORD, make_client, make_user

# A zone ahead of UTC all year, so the builder's 23:30 UTC check-in is always the next day there.
CLINIC_TZ = "Europe/Paris"
SUMMARY = "We looked at the week together; the allotment helped."


@pytest.fixture
def clinic(app_db, monkeypatch):
    monkeypatch.setenv("CARE_PLANS_TIMEZONE", CLINIC_TZ)
    alice = make_user(app_db, "alice", full_name="Alice Example")
    return app_db, alice, datetime.now(ZoneInfo(CLINIC_TZ)).date()


def open_review(ref: str, username: str = "alice") -> AppTest:
    at = sign_in(new_app(), username, TEST_PASSWORD)
    at.query_params["client"] = ref
    return at.switch_page("views/review.py").run()


def metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.proto.delta) for m in at.metric}


def key(client_id: int, record: int, field: str) -> str:
    return f"draft:session:{client_id}:{record}:{field}"


def test_since_last_session_figures_are_right_for_known_data(clinic):
    db, alice, today = clinic
    built = build_known_review(db, alice, today)
    at = open_review(built.client.ref)
    assert not at.exception
    assert at.title[0].value == "Session review: Robin Example"
    shown = metrics(at)
    assert shown["Check-ins"] == ("4", "1")
    assert shown["Mood (mean)"] == ("8.0", "+3.0")
    assert shown["Connection (mean)"] == ("4.5", "-1.5")
    assert shown["Sleep (mean)"] == ("—", "")
    assert shown["PHQ-9"] == ("9 mild", "-9")
    assert shown["GAD-7"] == ("12 moderate", "+2")
    assert shown["Steps done"] == ("2", "")
    assert not at.get("vega_lite_chart"), "charts are drawn only once their box is opened"
    at.session_state["review:charts"] = True  # the clinician opens "Charts: ..."
    at.run()
    charts = [json.loads(e.proto.spec) for e in at.get("vega_lite_chart")]
    assert charts, "the review page shows the progress charts"
    colours = {m.label: Metric.MetricColor.Name(m.proto.color) for m in at.metric}
    # Lower is better on PHQ-9 and GAD-7: a fall is shown green, a rise red.
    assert (colours["PHQ-9"], colours["GAD-7"]) == ("GREEN", "RED")
    assert (colours["Mood (mean)"], colours["Connection (mean)"]) == ("GREEN", "RED")
    captions = " ".join(c.value for c in at.caption)
    assert "Baseline 18" in captions and "reliable recovery" in captions
    # PHQ-9 18→9 but GAD-7 10→12: below PHQ-9 caseness, still a GAD-7 case.
    assert (
        "PHQ-9 and GAD-7 together (NHS Talking Therapies paired recovery): reliable improvement"
    ) in captions
    texts = [t.value for t in at.text]
    assert any(t.endswith(": Argument with my brother") for t in texts)
    assert any(t.endswith(": Went to the allotment") for t in texts)
    assert not any("Typed in error" in t for t in texts)
    assert "Connection fell by 1.5." in captions


def test_a_draft_saves_and_sign_off_locks_it(clinic):
    db, alice, today = clinic
    client = make_client(db, alice, ref="CP-0101", today=today)
    plans.update_plan(
        db,
        alice,
        client.plan_id,
        expected_version=1,
        changes={"crisis_plan": "Call my sister, then the crisis line."},
    )
    revision = read_sessions.revision_links(db, alice, client.id)[0]
    at = open_review(client.ref)
    assert not at.exception
    picker = at.selectbox(key=key(client.id, 0, "plan_revision_id"))
    assert picker.value == 0 and picker.options[0] == "none linked"
    picker.set_value(revision.id)
    at.text_area(key=key(client.id, 0, "summary")).input(SUMMARY)
    at.text_area(key=key(client.id, 0, "next_steps")).input("Phone the peer group.")
    at.button(key=f"session_save:{client.id}").click().run()
    assert not at.exception
    assert "Draft saved" in at.success[0].value
    with db.uow() as uow:
        record = uow.session.scalars(select(ClinicalSession)).one()
        assert (
            record.summary,
            record.status.value,
            record.session_date,
            record.plan_revision_id,
        ) == (SUMMARY, "draft", today, revision.id)
        record_id = record.id
    assert at.text_area(key=key(client.id, record_id, "summary")).value == SUMMARY

    at.button(key=f"session_sign:{client.id}").click().run()
    assert "Tick the box" in at.error[0].value
    at.checkbox(key=f"session_confirm:{client.id}:{record_id}").check()
    at.button(key=f"session_sign:{client.id}").click().run()
    assert not at.exception
    assert "signed off" in at.success[0].value
    assert read_sessions.get_session(db, alice, record_id).is_signed
    # Read-only now: no box to edit the summary, the text shown as text, an addendum box.
    assert not [t for t in at.text_area if t.key == key(client.id, record_id, "summary")]
    assert SUMMARY in [t.value for t in at.text]
    assert "revision 2 (sections edited)" in " ".join(c.value for c in at.caption)
    assert at.text_area(key=f"draft:addendum:{record_id}")


def test_a_new_record_signed_off_at_once_is_refused_whole_then_signed(clinic):
    db, alice, today = clinic
    client = make_client(db, alice, ref="CP-0102", today=today)
    at = open_review(client.ref)
    at.text_area(key=key(client.id, 0, "next_steps")).input("Phone the peer group.")
    at.checkbox(key=f"session_confirm:{client.id}:0").check()
    at.button(key=f"session_sign:{client.id}").click().run()
    assert not at.exception
    assert "Write a summary of the session before signing it off" in at.error[0].value
    with db.uow() as uow:  # refused: no draft left behind, and the text is still on screen
        assert uow.session.scalars(select(ClinicalSession)).all() == []
    assert at.text_area(key=key(client.id, 0, "next_steps")).value == "Phone the peer group."
    at.text_area(key=key(client.id, 0, "summary")).input(SUMMARY)
    at.button(key=f"session_sign:{client.id}").click().run()
    assert not at.exception
    assert "signed off" in at.success[0].value
    with db.uow() as uow:
        record = uow.session.scalars(select(ClinicalSession)).one()
        assert (record.status.value, record.summary, record.next_steps) == (
            "signed",
            SUMMARY,
            "Phone the peer group.",
        )
    assert SUMMARY in [t.value for t in at.text]


def test_an_edit_after_sign_off_is_refused_while_an_addendum_saves(clinic):
    db, alice, today = clinic
    client = make_client(db, alice, ref="CP-0102", today=today)
    draft = sessions.create_draft(
        db, alice, client.id, session_date=today, summary=SUMMARY, today=today
    )
    at = open_review(client.ref)
    assert at.text_area(key=key(client.id, draft.id, "summary")).value == SUMMARY
    # Signed off in another window while this one still shows the draft.
    sessions.sign_off(db, alice, draft.id, expected_version=draft.version, today=today)
    at.text_area(key=key(client.id, draft.id, "summary")).input("Rewritten after signing.")
    at.button(key=f"session_save:{client.id}").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "This session record is signed off; add an addendum instead."
    ]
    assert read_sessions.get_session(db, alice, draft.id).summary == SUMMARY
    box = at.text_area(key=f"draft:addendum:{draft.id}")
    assert box.value == "Rewritten after signing."  # what was typed is not lost
    box.input("Her sister called afterwards: all well.")
    at.button(key=f"addendum_save:{draft.id}").click().run()
    assert not at.exception
    assert "Addendum added" in at.success[0].value
    with db.uow() as uow:
        addendum = uow.session.scalars(select(SessionAddendum)).one()
        assert (addendum.text, addendum.author_name) == (
            "Her sister called afterwards: all well.",
            "Alice Example",
        )
    assert "Her sister called afterwards: all well." in [t.value for t in at.text]


def test_a_draft_saved_in_another_window_is_not_overwritten(clinic):
    db, alice, today = clinic
    client = make_client(db, alice, ref="CP-0107", today=today)
    draft = sessions.create_draft(
        db, alice, client.id, session_date=today, summary="First.", today=today
    )
    first, second = open_review(client.ref), open_review(client.ref)
    summary = key(client.id, draft.id, "summary")
    first.text_area(key=summary).input("From the first window.")
    first.button(key=f"session_save:{client.id}").click().run()
    second.text_area(key=summary).input("From the second window.")
    second.button(key=f"session_save:{client.id}").click().run()
    assert not second.exception
    assert "Someone else saved this session record after you opened it" in second.error[0].value
    assert second.text_area(key=summary).value == "From the second window."  # not lost
    assert read_sessions.get_session(db, alice, draft.id).summary == "From the first window."
    second.button(key=f"session_discard:{client.id}").click().run()
    assert not second.exception and not second.error
    assert second.text_area(key=summary).value == "From the first window."


def test_an_in_session_check_in_with_phq9_appears_with_score_and_severity(clinic):
    db, alice, today = clinic
    client = make_client(db, alice, ref="CP-0103", today=today)
    at = open_review(client.ref)
    assert not at.exception
    assert metrics(at)["PHQ-9"] == ("—", "")
    labels = [r.label for r in at.radio]
    assert (
        "9. Thoughts that you would be better off dead or of hurting yourself in some way" in labels
    )
    assert "1. Feeling nervous, anxious, or on edge" in labels  # as published
    at.number_input(key="session_checkin:mood").set_value(6)
    at.text_input(key="session_checkin:went_well").input("Went to the allotment")
    for i, answer in enumerate(PHQ9[9]):
        at.radio(key=f"session_checkin:PHQ-9:{i}").set_value(answer)
    at.button(key="FormSubmitter:session_checkin-Save check-in").click().run()
    assert not at.exception
    assert "PHQ-9 9 (mild)" in at.success[0].value
    assert metrics(at)["PHQ-9"] == ("9 mild", "")  # the first score since the plan: the baseline
    assert "This is the baseline" in " ".join(c.value for c in at.caption)
    assert metrics(at)["Mood (mean)"][0] == "6.0"
    assert at.radio(key="session_checkin:PHQ-9:0").value is None  # the form is clear again
    with db.uow() as uow:
        checkin = uow.session.scalars(select(CheckIn)).one()
        response = uow.session.scalars(select(MeasureResponse)).one()
        assert (checkin.source.value, checkin.mood, checkin.created_by_id) == (
            "session",
            6,
            alice.user_id,
        )
        assert (response.instrument, response.total, response.severity, response.answers) == (
            "PHQ-9",
            9,
            "mild",
            PHQ9[9],
        )


def test_a_half_answered_measure_is_kept_as_partial_and_item_9_alerts(clinic):
    db, alice, today = clinic
    client = make_client(db, alice, ref="CP-0104", today=today)
    at = open_review(client.ref)
    for i, answer in enumerate(GAD7[10][:3]):
        at.radio(key=f"session_checkin:GAD-7:{i}").set_value(answer)
    at.radio(key="session_checkin:PHQ-9:8").set_value(2)  # item 9 alone
    at.radio(key="session_checkin:PHQ-9:difficulty").set_value(1)
    at.button(key="FormSubmitter:session_checkin-Save check-in").click().run()
    assert not at.exception and not [e for e in at.error if "answer all" in e.value]
    assert "PHQ-9 incomplete: items 1–8 not answered" in at.success[0].value
    assert "GAD-7 incomplete: items 4–7 not answered" in at.success[0].value
    banner = next(e.value for e in at.error if "self-harm question" in e.value)
    assert "answered “More than half the days” (incomplete: items 1–8 not answered)" in banner
    assert metrics(at)["PHQ-9"] == ("—", "")  # a partial response is never a score
    with db.uow() as uow:
        saved = {m.instrument: m for m in uow.session.scalars(select(MeasureResponse))}
        assert (
            saved["PHQ-9"].is_partial,
            saved["PHQ-9"].total,
            saved["PHQ-9"].risk_flag,
            saved["PHQ-9"].difficulty,
        ) == (True, None, True, 1)
        assert (saved["GAD-7"].is_partial, saved["GAD-7"].total) == (True, None)
        phq_id = saved["PHQ-9"].id
    # Once followed up, the banner clears and the follow-up is shown with who, when, the note.
    risk.record_risk_follow_up(
        db, alice, measure_response_id=phq_id, note="Talked it through; safety plan updated"
    )
    at = open_review(client.ref)
    assert not [e for e in at.error if "self-harm question" in e.value]
    followed = next(i.value for i in at.info if i.value.startswith("Followed up"))
    assert "followed up by Alice Example on" in followed
    assert "“Talked it through; safety plan updated”" in followed


def test_past_sessions_are_listed_on_the_client_page(clinic):
    db, alice, today = clinic
    client = make_client(db, alice, ref="CP-0105", today=today)
    draft = sessions.create_draft(
        db, alice, client.id, session_date=today, summary=SUMMARY, today=today
    )
    sessions.sign_off(db, alice, draft.id, expected_version=1, today=today)
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    at.query_params["client"] = client.ref
    at.switch_page("views/client.py").run()
    assert not at.exception
    assert "Sessions" in [t.label for t in at.tabs]
    open_tab(at, "Sessions")
    table = next(d.value for d in at.dataframe if "Attendance" in d.value.columns)
    assert table["Record"].tolist() == ["signed off"]
    assert SUMMARY in [t.value for t in at.text]


def test_someone_elses_client_shows_nothing(clinic):
    db, alice, today = clinic
    make_user(db, "bob")
    client = make_client(db, alice, ref="CP-0106", full_name="Private Person", today=today)
    at = open_review(client.ref, username="bob")
    assert not at.exception
    assert "No client with this ref" in at.warning[0].value
    assert "Private Person" not in str(at) and not at.metric
