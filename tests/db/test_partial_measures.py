"""A self-harm answer is never lost: part-answered PHQ-9 / GAD-7 on SQLite and PostgreSQL.

Every path (check-in link, in-session entry) keeps a part-answered questionnaire as a partial
response: no total, no band, never a baseline or a chart point; an item-9 answer above 0 in it
pins the same caseload alert as a complete one, the follow-up closes it, and the summary PDF's
"Risk and safety" box names it, then lists it as followed up with who, when and the note.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from care_plans.config import Settings
from care_plans.db import Database
from care_plans.errors import ValidationError
from care_plans.models import AuditEvent, CheckIn, CheckinSource, MeasureResponse
from care_plans.read import caseload, progress, review, safety
from care_plans.services import checkin_links, checkins, risk
from care_plans.services.checkin_links import create_link, open_link, submit_via_link
from tests.db.test_checkin_links import HERE, NOW, seed_client
from tests.factories import make_user

LONDON = ZoneInfo("Europe/London")
SETTINGS = Settings(clinic_name="Northvale Recovery Clinic", clinic_timezone="Europe/London")
ONLY_ITEM_9 = [None] * 8 + [3]


def pdf_text(content: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-layout", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode("utf-8")


def first_page_text(content: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-f", "1", "-l", "1", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    )
    return " ".join(result.stdout.decode("utf-8").split())


@pytest.fixture
def seeded(db: Database):
    return seed_client(db, make_user(db, "alice", full_name="Alice Hart"))


def responses(db: Database) -> list[MeasureResponse]:
    with db.uow() as uow:
        found = list(uow.session.scalars(select(MeasureResponse).order_by(MeasureResponse.id)))
        uow.session.expunge_all()
        return found


def test_a_link_checkin_with_only_item_9_is_saved_partial_and_alerts(db, seeded):
    token, _ = create_link(db, seeded.clinician, seeded.client_id, now=NOW)
    result = submit_via_link(
        db,
        token,
        source_address=HERE,
        now=NOW,
        ratings={"mood": 2},
        went_well="",
        was_hard="a hard week",
        measure_answers={"PHQ-9": ONLY_ITEM_9},
    )
    assert result.risk_flag and result.instruments == ("PHQ-9",)
    assert [c.name for c in result.crisis_contacts] == ["Crisis team"]
    with db.uow() as uow:
        checkin = uow.session.scalars(select(CheckIn)).one()
        assert (checkin.mood, checkin.was_hard, checkin.source) == (
            2,
            "a hard week",
            CheckinSource.LINK,
        )
        audit = uow.session.scalar(select(AuditEvent).where(AuditEvent.action == "checkin.create"))
        assert audit is not None and audit.detail["partial"] == ["PHQ-9"]
    [phq] = responses(db)
    assert (phq.is_partial, phq.total, phq.severity, phq.risk_flag, phq.answers) == (
        True,
        None,
        None,
        True,
        ONLY_ITEM_9,
    )
    [alert] = caseload.risk_alerts(db, seeded.clinician, today=NOW.date())
    assert (alert.measure_response_id, alert.answer_wording, alert.total) == (
        phq.id,
        "Nearly every day",
        None,
    )
    assert alert.completeness == "incomplete: items 1–8 not answered"
    page = caseload.caseload_page(db, seeded.clinician, today=NOW.date(), tz=LONDON)
    assert caseload.SELF_HARM in page.rows[0].flags


def test_the_follow_up_flow_closes_a_partial_alert(db, seeded):
    token, _ = create_link(db, seeded.clinician, seeded.client_id, now=NOW)
    submit_via_link(
        db, token, source_address=HERE, now=NOW, ratings={}, measure_answers={"PHQ-9": ONLY_ITEM_9}
    )
    [phq] = responses(db)
    before = safety.safety_summary(
        db, seeded.clinician, seeded.client_id, today=NOW.date(), tz=LONDON
    )
    assert [a.measure_response_id for a in before.open_self_harm] == [phq.id]
    assert before.has_open_alerts and before.followed_up == ()
    risk.record_risk_follow_up(
        db,
        seeded.clinician,
        measure_response_id=phq.id,
        note="Rang her the same day; safety plan reviewed",
    )
    assert caseload.risk_alerts(db, seeded.clinician, today=NOW.date()) == []
    after = safety.safety_summary(
        db, seeded.clinician, seeded.client_id, today=NOW.date(), tz=LONDON
    )
    assert after.open_self_harm == ()
    [done] = after.followed_up
    assert (done.followed_up_by, done.follow_up_note, done.answer_wording) == (
        "Alice Hart",
        "Rang her the same day; safety plan reviewed",
        "Nearly every day",
    )


def test_a_partial_response_is_never_scored_a_baseline_or_charted(db, seeded):
    at = NOW - timedelta(hours=1)  # the plan started today
    checkins.record_checkin(
        db,
        seeded.clinician,
        client_id=seeded.client_id,
        submitted_at=at,
        measure_answers={"PHQ-9": [1, 1, None, 1, 1, 1, 1, 1, 0], "GAD-7": [2] * 7},
    )
    [phq, gad] = responses(db)
    assert (phq.instrument, phq.is_partial, phq.total) == ("PHQ-9", True, None)
    assert (gad.instrument, gad.is_partial, gad.total, gad.severity) == (
        "GAD-7",
        False,
        14,
        "moderate",
    )
    data = progress.progress_data(
        db, seeded.clinician, seeded.client_id, since=None, until=None, tz=LONDON, today=NOW.date()
    )
    assert data.measures["instrument"].tolist() == ["GAD-7"]
    assert set(data.baselines) == {"GAD-7"}
    summary = review.since_last_session(
        db, seeded.clinician, seeded.client_id, today=NOW.date(), tz=LONDON
    )
    assert [m.instrument for m in summary.measures] == ["GAD-7"]
    # A partial response does not count as given: the PHQ-9 is offered again next time.
    token, _ = create_link(db, seeded.clinician, seeded.client_id, now=NOW)
    form = open_link(db, token, source_address=HERE, now=NOW, tz=LONDON)
    assert form is not None and form.measures_due == ("PHQ-9",)


def test_in_session_entry_keeps_a_partial_phq9_and_alerts(db, seeded):
    saved = checkins.record_checkin(
        db,
        seeded.clinician,
        client_id=seeded.client_id,
        submitted_at=NOW,
        ratings={"hope": 4},
        measure_answers={"PHQ-9": [2, 2, None, None, None, None, None, None, 1]},
    )
    assert saved.risk_flag and saved.scores["PHQ-9"].is_partial
    assert saved.scores["PHQ-9"].unanswered == (3, 4, 5, 6, 7, 8)
    [alert] = caseload.risk_alerts(db, seeded.clinician, today=NOW.date())
    assert alert.answer_wording == "Several days"
    assert alert.completeness == "incomplete: items 3–8 not answered"


def test_item_9_answered_not_at_all_on_a_partial_raises_nothing(db, seeded):
    saved = checkins.record_checkin(
        db,
        seeded.clinician,
        client_id=seeded.client_id,
        submitted_at=NOW,
        measure_answers={"PHQ-9": [None] * 8 + [0]},
    )
    assert not saved.risk_flag
    assert caseload.risk_alerts(db, seeded.clinician, today=NOW.date()) == []


def test_an_answer_off_the_scale_is_refused_with_the_item_named(db, seeded):
    with pytest.raises(ValidationError) as refused:
        checkins.record_checkin(
            db,
            seeded.clinician,
            client_id=seeded.client_id,
            submitted_at=NOW,
            measure_answers={"PHQ-9": [None] * 8 + [4]},
        )
    assert refused.value.problems == {"PHQ-9": "PHQ-9 item 9: 4 is out of range 0–3"}
    assert responses(db) == []


def test_measures_are_due_by_the_clinics_days(db):
    # 23:30 in London on 1 November (GMT) is 23:30 UTC too; in Sydney it is already the 2nd.
    sydney = ZoneInfo("Australia/Sydney")
    given = datetime(2026, 11, 1, 13, 30, tzinfo=UTC)  # 00:30 on 2 Nov in Sydney (AEDT)
    now = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)  # 23:00 on 15 Nov in Sydney
    assert checkin_links.measure_is_due(given, 14, now, UTC)  # 14 UTC days
    assert not checkin_links.measure_is_due(given, 14, now, sydney)  # 13 Sydney days
    assert checkin_links.measure_is_due(given, 14, now + timedelta(hours=2), sydney)


def test_the_pdf_risk_box_names_an_open_partial_answer_then_the_follow_up(db, seeded):
    from care_plans.export import service

    token, _ = create_link(db, seeded.clinician, seeded.client_id, now=NOW)
    submit_via_link(
        db,
        token,
        source_address=HERE,
        now=NOW,
        ratings={"mood": 3},
        measure_answers={"PHQ-9": ONLY_ITEM_9},
    )
    at = NOW + timedelta(hours=2)
    first = first_page_text(
        service.export_pdf(
            db, seeded.clinician, seeded.client_id, settings=SETTINGS, generated_at=at
        ).content
    )
    assert "Risk and safety" in first
    assert (
        "OPEN, not yet followed up: on 10 Nov 2026 09:00 (Europe/London) the PHQ-9 "
        "self-harm question"
    ) in first
    assert "was answered “Nearly every day” (incomplete: items 1–8 not answered)." in first
    assert "No open safety alerts" not in first
    # The box comes before the plan itself.
    assert first.index("Risk and safety") < first.index("Care plan")

    [phq] = responses(db)
    risk.record_risk_follow_up(
        db, seeded.clinician, measure_response_id=phq.id, note="Called; crisis line number checked"
    )
    later = first_page_text(
        service.export_pdf(
            db, seeded.clinician, seeded.client_id, settings=SETTINGS, generated_at=at
        ).content
    )
    assert "OPEN" not in later
    assert "No open safety alerts." in later
    assert "Followed up: PHQ-9 self-harm question answered “Nearly every day”" in later
    assert "followed up by Alice Hart on" in later
    assert "“Called; crisis line number checked”" in later


def test_no_check_in_for_14_clinic_days_is_in_the_risk_box(db, seeded):
    from care_plans.export import pdf
    from care_plans.read import export_data

    checkins.record_checkin(
        db,
        seeded.clinician,
        client_id=seeded.client_id,
        submitted_at=NOW - timedelta(days=20),
        ratings={"mood": 5},
    )
    data = export_data.summary_data(
        db, seeded.clinician, seeded.client_id, tz=LONDON, today=NOW.date()
    )
    assert data.safety is not None and data.safety.no_recent_checkin
    assert ("B", "No check-in for 14 days: last check-in 21 Oct 2026.") in pdf.risk_lines(data)
    assert not any("No open safety alerts" in text for _, text in pdf.risk_lines(data))


def test_a_client_copy_has_no_risk_box(db, seeded):
    from care_plans.export import service

    checkins.record_checkin(
        db,
        seeded.clinician,
        client_id=seeded.client_id,
        submitted_at=NOW,
        measure_answers={"PHQ-9": ONLY_ITEM_9},
    )
    content = service.export_pdf(
        db,
        seeded.clinician,
        seeded.client_id,
        settings=SETTINGS,
        client_copy=True,
        generated_at=NOW + timedelta(hours=1),
    ).content
    text = pdf_text(content)
    assert "Risk and safety" not in text and "Nearly every day" not in text
