"""The session summary PDF and the crisis-plan page, read back with pdftotext: everything the plan
holds is there in full, consent is honoured, Unicode survives, the same time gives the same
bytes, the client copy leaves out what it should, and every file made is an audit event.

The engine does not matter to a PDF, so these run on SQLite (a demo caseload seeded once per
module, copied per test).
"""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from care_plans import dates, demo
from care_plans.access import Actor
from care_plans.config import Settings
from care_plans.db import Database, make_engine
from care_plans.errors import AccessDenied, ValidationError
from care_plans.export import consent, fonts, pdf, service
from care_plans.models import PLAN_SECTIONS, AuditEvent, Client, ContactKind
from care_plans.read import export_data
from care_plans.read import plans as read_plans
from care_plans.services import checkins, contacts, goals, plans, sessions
from tests.conftest import AUDIT_KEY, _sqlite_db
from tests.factories import clinic_today, make_client, make_user

END = date(2026, 6, 30)
AT = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
SETTINGS = Settings(clinic_name="Northvale Recovery Clinic", clinic_timezone="Europe/London")
CLI = Actor.cli()
UNICODE = "Zoë — “quoted” — ąęł — Ελληνικά — Кириллица"


def pdf_text(content: bytes, *, body_only: bool = False) -> str:
    """The PDF's text by pdftotext; `body_only` crops the running header and footer away."""
    crop = ["-x", "0", "-y", "50", "-W", "600", "-H", "745"] if body_only else []
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *crop, "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode("utf-8")


def flat(text: str) -> str:
    """Whitespace (line and page breaks included) as single spaces."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def demo_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    database = Database(make_engine(f"sqlite:///{path}"), AUDIT_KEY)
    demo.seed_demo(database, clients=3, days=60, end_date=END)
    database.dispose()
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Iterator[Database]:
    database = _sqlite_db(demo_template, tmp_path)
    yield database
    database.dispose()


def summary(db: Database, client_id: int = 1, **options: object) -> export_data.SummaryData:
    settings: dict[str, object] = {
        "today": AT.date(),
        "clinic_name": SETTINGS.clinic_name,
        "crisis_message": SETTINGS.crisis_message,
    }
    return export_data.summary_data(db, CLI, client_id, tz=LONDON, **{**settings, **options})  # type: ignore[arg-type]


def audit_events(db: Database) -> list[AuditEvent]:
    """The export events, loaded and detached (read freely after the unit of work)."""
    with db.uow() as uow:
        events = list(
            uow.session.scalars(
                select(AuditEvent).where(AuditEvent.action.like("export.%")).order_by(AuditEvent.id)
            )
        )
        uow.session.expunge_all()
        return events


def test_a_demo_summary_holds_the_whole_plan_and_only_consented_contacts(demo_db) -> None:
    data = summary(demo_db)
    plan = read_plans.get_plan(demo_db, CLI, 1)
    withheld = [c for c in plan.contacts if not c.consent_to_share]
    assert withheld and data.withheld_contacts == len(withheld)  # client 1 always has one

    content = pdf.session_summary_pdf(data, AT)
    assert content.startswith(b"%PDF-")
    everything = flat(pdf_text(content))
    body = flat(pdf_text(content, body_only=True))
    assert "Zoë Ólafsdóttir" in everything and "CP-0001" in everything
    for name in PLAN_SECTIONS:
        assert flat(plan.sections[name]) in body, name
    for goal in plan.goals:
        assert flat(goal.description) in body
        assert flat(goal.why_it_matters) in body
        for step in goal.steps:
            assert flat(step.description) in body
    for contact in plan.contacts:
        if contact.consent_to_share:
            assert contact.name in body and contact.phone in body
    for contact in withheld:
        assert contact.name not in everything and contact.phone not in everything
    assert f"{len(withheld)} contact" in body and "not shown" in body
    for heading in (
        "Session summary",
        "Care plan",
        "Goals and steps",
        "Support network",
        "Crisis plan",
        "Latest session",
        "Signatures",
        "Clinician: Priya Raman",
    ):
        assert heading in body
    assert "Measures: PHQ-9 and GAD-7" in body and "Reliable change" in body
    assert data.notes and all(flat(note.text) in body for note in data.notes)


def test_every_page_names_the_client_is_confidential_and_numbered(demo_db) -> None:
    content = pdf.session_summary_pdf(summary(demo_db), AT)
    pages = pdf_text(content).split("\f")[:-1]
    assert len(pages) == len(PdfReader(io.BytesIO(content)).pages) >= 3
    with demo_db.uow() as uow:
        dob = uow.session.get(Client, 1).date_of_birth
    for number, page in enumerate(pages, start=1):
        assert "Zoë Ólafsdóttir · CP-0001 · born" in page
        assert f"{dob.day} {dob:%b %Y}" in page
        assert "CONFIDENTIAL" in page
        assert f"Page {number} of {len(pages)}" in page
        assert "Northvale Recovery Clinic" in page


def test_contacts_without_consent_appear_only_when_included(demo_db) -> None:
    withheld = [c for c in read_plans.get_plan(demo_db, CLI, 1).contacts if not c.consent_to_share]
    text = flat(
        pdf_text(
            pdf.session_summary_pdf(
                summary(demo_db, include_unconsented=True), AT, images=(None, None)
            )
        )
    )
    for contact in withheld:
        assert contact.name in text and contact.phone in text
    assert "no consent to share: included by the clinician" in text


def _client_with_long_unicode_plan(db: Database) -> tuple[Actor, int, str, str]:
    alice = make_user(db, "alice", full_name="Alice Ærøskøbing")
    info = make_client(
        db, alice, "CP-0100", "Zoë Ελένη Кириллова", date_of_birth=date(1990, 2, 3), today=END
    )
    assert info.plan_id is not None
    sentences, n = [], 0
    while len(" ".join(sentences)) < 5_000:
        n += 1
        sentences.append(f"Sentence {n}: {UNICODE}.")
    long_text = " ".join(sentences)[:5_000].rsplit(" ", 1)[0]
    long_text += " " + "x" * (5_000 - len(long_text) - 1)
    assert len(long_text) == 5_000
    plan = read_plans.get_plan(db, alice, info.id)
    plans.update_plan(
        db,
        alice,
        info.plan_id,
        expected_version=plan.version,
        changes={"what_helps": long_text, "crisis_plan": f"Ring Ana — {UNICODE}"},
    )
    saved = contacts.add_contact(
        db,
        alice,
        info.id,
        name="Ana Łukasiewicz",
        kind="family",
        role="sister — “always there”",
        phone="07700 900123",
        is_crisis_contact=True,
        consent_to_share=True,
        consent_date=END,
        today=clinic_today(),
    )
    goal = goals.add_goal(
        db,
        alice,
        info.plan_id,
        domain="staying connected",
        description=f"Call Ana weekly — {UNICODE}",
    )
    goals.add_step(
        db, alice, goal.id, description="Ελληνικά step with Кириллица", helper_contact_id=saved.id
    )
    return alice, info.id, long_text, "Ana Łukasiewicz"


def test_a_5000_character_section_and_unicode_come_back_in_full(sqlite_db) -> None:
    _alice, client_id, long_text, contact = _client_with_long_unicode_plan(sqlite_db)
    data = summary(sqlite_db, client_id)
    body = flat(pdf_text(pdf.session_summary_pdf(data, AT), body_only=True))
    assert long_text in body
    assert f"Call Ana weekly — {UNICODE}" in body
    assert "Ελληνικά step with Кириллица" in body and f"helped by {contact}" in body
    assert "sister — “always there”" in body
    assert "Zoë Ελένη Кириллова" in body and "3 Feb 1990" in body
    assert "No goals yet" not in body


def test_the_same_data_and_time_give_byte_identical_files(demo_db) -> None:
    data = summary(demo_db)
    images = (pdf.ratings_png(data), pdf.measures_png(data))
    assert images[0] is not None and images[1] is not None
    first = pdf.session_summary_pdf(data, AT, images=images)
    assert pdf.session_summary_pdf(summary(demo_db), AT) == first  # charts drawn again
    assert pdf.session_summary_pdf(data, AT + timedelta(seconds=1), images=images) != first
    assert pdf.crisis_plan_pdf(data, AT) == pdf.crisis_plan_pdf(data, AT)
    one = service.export_pdf(demo_db, CLI, 2, settings=SETTINGS, generated_at=AT)
    two = service.export_pdf(demo_db, CLI, 2, settings=SETTINGS, generated_at=AT)
    assert one.content == two.content and one.file_name == two.file_name


def test_a_client_copy_leaves_out_measures_and_clinician_notes(demo_db) -> None:
    full = summary(demo_db)
    copy = summary(demo_db, client_copy=True)
    assert full.measure_rows and full.latest_session and full.latest_session.summary
    assert copy.measure_rows == () and copy.measure_outcomes == ()
    assert copy.progress.measures.empty and not copy.progress.baselines
    assert copy.latest_session is not None and copy.latest_session.summary == ""
    assert copy.latest_session.addenda == ()
    body = flat(pdf_text(pdf.session_summary_pdf(copy, AT), body_only=True))
    assert "Client copy" in body
    for absent in (
        "Measures: PHQ-9",
        "Reliable change",
        "Self-harm item",
        "baseline",
        flat(full.latest_session.summary),
    ):
        assert absent not in body
    assert flat(full.latest_session.next_steps) in body


def test_the_default_period_runs_from_the_session_before_the_latest(sqlite_db) -> None:
    alice = make_user(sqlite_db, "alice")
    info = make_client(sqlite_db, alice, today=date(2026, 3, 1))
    today = date(2026, 6, 10)
    for day, attendance in (
        (date(2026, 5, 1), "attended"),
        (date(2026, 5, 20), "attended"),
        (date(2026, 6, 3), "did not attend"),
        (today, "attended"),
    ):
        sessions.create_draft(
            sqlite_db,
            alice,
            info.id,
            session_date=day,
            attendance=attendance,
            summary="Met.",
            today=today,
        )
    _ref, period = export_data.plan_period(sqlite_db, alice, info.id, today=today)
    assert (period.since, period.until, period.basis) == (
        date(2026, 5, 20),
        today,
        dates.PREVIOUS_SESSION,
    )
    _ref, period = export_data.plan_period(
        sqlite_db, alice, info.id, today=today, until=date(2026, 5, 31)
    )
    assert (period.since, period.until) == (date(2026, 5, 1), date(2026, 5, 31))
    _ref, period = export_data.plan_period(
        sqlite_db, alice, info.id, today=today, since=date(2026, 6, 1)
    )
    assert (period.since, period.until, period.basis) == (date(2026, 6, 1), today, "chosen")
    with pytest.raises(ValidationError):
        export_data.plan_period(sqlite_db, alice, info.id, today=today, since=date(2026, 7, 1))
    data = summary(sqlite_db, info.id, today=today)
    assert data.latest_session is not None and data.latest_session.session_date == today
    other = make_client(sqlite_db, alice, ref="CP-0002", today=date(2026, 3, 1))
    _ref, period = export_data.plan_period(sqlite_db, alice, other.id, today=today)
    assert (period.since, period.basis) == (date(2026, 3, 1), dates.PLAN_START)


def test_the_latest_session_comes_with_its_addenda_except_in_a_client_copy(sqlite_db) -> None:
    alice = make_user(sqlite_db, "alice", full_name="Alice Example")
    info = make_client(sqlite_db, alice, today=date(2026, 6, 1))
    draft = sessions.create_draft(
        sqlite_db,
        alice,
        info.id,
        session_date=END,
        summary="Talked through the setback — calmly.",
        progress_acknowledged="Kept every appointment.",
        next_steps="Walk twice this week.",
        next_session_date=date(2026, 7, 14),
        today=END,
    )
    sessions.sign_off(sqlite_db, alice, draft.id, expected_version=draft.version, today=END)
    sessions.add_addendum(sqlite_db, alice, draft.id, text="GP letter arrived: “no change”.")
    body = flat(pdf_text(pdf.session_summary_pdf(summary(sqlite_db, info.id), AT), body_only=True))
    for words in (
        "Talked through the setback — calmly.",
        "Kept every appointment.",
        "Walk twice this week.",
        "14 Jul 2026",
        "Addenda",
        "Alice Example",
        "GP letter arrived: “no change”.",
        "signed off",
    ):
        assert words in body
    copy = flat(
        pdf_text(
            pdf.session_summary_pdf(summary(sqlite_db, info.id, client_copy=True), AT),
            body_only=True,
        )
    )
    assert "Kept every appointment." in copy and "Walk twice this week." in copy
    for words in ("Talked through the setback", "GP letter arrived", "Addenda"):
        assert words not in copy


def test_each_generated_file_is_an_audit_event_at_that_moment(demo_db) -> None:
    before = datetime.now(UTC)
    # CP-0001's crisis plan names a contact without consent: the clinician chose to go on.
    shown = service.pdf_mentions(
        demo_db, CLI, 1, settings=SETTINGS, client_copy=True, generated_at=AT
    )
    exported = service.export_pdf(
        demo_db,
        CLI,
        1,
        settings=SETTINGS,
        client_copy=True,
        generated_at=AT,
        proceed_with=consent.keys(shown),
    )
    crisis = service.export_crisis_plan(demo_db, CLI, 1, settings=SETTINGS, generated_at=AT)
    after = datetime.now(UTC)
    assert exported.file_name.startswith("CP-0001-session-summary-")
    assert exported.file_name.endswith("-to-2026-07-01-client-copy.pdf")
    assert crisis.file_name == "CP-0001-crisis-plan.pdf"
    events = audit_events(demo_db)
    assert [e.action for e in events] == ["export.pdf", "export.crisis_pdf"]
    for event in events:
        assert before <= event.at <= after  # when it was made, not the time printed on it
        assert (event.actor, event.entity, event.entity_id, event.client_id) == (
            "cli",
            "client",
            1,
            1,
        )
        assert "Zoë" not in str(event.detail) and len(event.detail["sha256"]) == 64
    assert events[0].detail["client_copy"] is True
    assert events[0].detail["bytes"] == len(exported.content)
    assert events[0].detail["proceeded_despite_mentions"] is True
    assert events[0].detail["unconsented_mentions"] == [
        {"contact_id": m.contact_id, "field": m.field, "matched": m.matched} for m in shown
    ]


def test_an_admin_or_another_clinician_cannot_export(demo_db) -> None:
    admin = make_user(demo_db, "root.admin", "admin")
    stranger = make_user(demo_db, "stranger")
    for actor in (admin, stranger):
        with pytest.raises(AccessDenied):
            service.export_pdf(demo_db, actor, 1, settings=SETTINGS, generated_at=AT)
        with pytest.raises(AccessDenied):
            service.export_batch_zip(demo_db, actor, [1], settings=SETTINGS, generated_at=AT)
    assert audit_events(demo_db) == []


def test_the_crisis_plan_page_is_one_page_in_large_type(demo_db) -> None:
    # A crisis contact without consent to share still belongs on the client's own page; a
    # contact who is not a crisis contact does not.
    contacts.add_contact(
        demo_db,
        CLI,
        1,
        name="Ingrid Nightline",
        kind="crisis service",
        phone="0808 157 0999",
        is_crisis_contact=True,
        today=clinic_today(),
    )
    contacts.add_contact(
        demo_db,
        CLI,
        1,
        name="Olek Neighbour",
        kind="friend",
        phone="07700 900999",
        today=clinic_today(),
    )
    exported = service.export_crisis_plan(demo_db, CLI, 1, settings=SETTINGS, generated_at=AT)
    content = exported.content
    assert len(PdfReader(io.BytesIO(content)).pages) == 1
    body = flat(pdf_text(content, body_only=True))
    assert "My crisis plan — Zoë Ólafsdóttir" in body
    data = summary(demo_db, include_unconsented=True)
    for name in ("warning_signs", "what_helps", "crisis_plan"):
        assert flat(data.plan.sections[name]) in body
    assert len(data.crisis_contacts) >= 2
    for contact in data.crisis_contacts:
        assert contact.name in body and contact.phone in body
    assert "Ingrid Nightline" in body and "Olek Neighbour" not in body
    assert flat(SETTINGS.crisis_message) in body
    sizes = {float(m) for m in re.findall(rb"/F\d+ ([\d.]+) Tf", _inflated(content))}
    assert max(sizes) >= 20  # the largest type that fits: this plan is short
    # The summary keeps to the consent rule.
    assert "Ingrid Nightline" not in pdf_text(
        pdf.session_summary_pdf(summary(demo_db), AT, images=(None, None))
    )


def _inflated(content: bytes) -> bytes:
    reader = PdfReader(io.BytesIO(content))
    return reader.pages[0].get_contents().get_data()  # type: ignore[union-attr]


def test_a_long_crisis_plan_keeps_every_word(sqlite_db) -> None:
    alice, client_id, _long, _contact = _client_with_long_unicode_plan(sqlite_db)
    plan = read_plans.get_plan(sqlite_db, alice, client_id)
    huge = " ".join(f"Step {n}: breathe, ring Ana, go outside." for n in range(300))
    plans.update_plan(
        sqlite_db, alice, plan.id, expected_version=plan.version, changes={"crisis_plan": huge}
    )
    content = pdf.crisis_plan_pdf(summary(sqlite_db, client_id), AT)
    assert huge in flat(pdf_text(content, body_only=True))
    assert len(PdfReader(io.BytesIO(content)).pages) >= 2


def test_a_batch_zip_holds_one_summary_per_client_with_progress(demo_db) -> None:
    ticks: list[tuple[int, int]] = []
    # CP-0001's text names a contact without consent: nothing is made until told to go on.
    with pytest.raises(consent.UnconsentedMentions, match="Summaries of CP-0001: .*No file"):
        service.export_batch_zip(demo_db, CLI, [1, 2], settings=SETTINGS, generated_at=AT)
    assert audit_events(demo_db) == []
    exported = service.export_batch_zip(
        demo_db,
        CLI,
        [1, 2, 1],
        settings=SETTINGS,
        client_copy=True,
        generated_at=AT,
        progress=lambda done, total: ticks.append((done, total)),
        proceed_despite_mentions=True,
    )
    assert ticks == [(1, 2), (2, 2)]
    assert exported.file_name == "session-summaries-2026-07-01.zip"
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        names = archive.namelist()
        assert [n.split("-session-summary-")[0] for n in names] == ["CP-0001", "CP-0002"]
        assert all(n.endswith("-client-copy.pdf") for n in names)
        assert "José Núñez" in pdf_text(archive.read(names[1]))
    again = service.export_batch_zip(
        demo_db,
        CLI,
        [1, 2],
        settings=SETTINGS,
        client_copy=True,
        generated_at=AT,
        proceed_despite_mentions=True,
    )
    assert again.content == exported.content
    assert [(e.action, e.client_id) for e in audit_events(demo_db)] == [
        ("export.pdf", 1),
        ("export.pdf", 2),
        ("export.pdf", 1),
        ("export.pdf", 2),
    ]
    with pytest.raises(ValidationError):
        service.export_batch_zip(demo_db, CLI, [], settings=SETTINGS)


def test_a_missing_font_is_a_clear_error(demo_db, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(fonts, "FONT_DIR", tmp_path)
    with pytest.raises(fonts.FontMissing, match="fonts-dejavu-core"):
        pdf.crisis_plan_pdf(summary(demo_db), AT)


def test_a_client_without_a_plan_or_sessions_still_exports(sqlite_db) -> None:
    alice = make_user(sqlite_db, "alice")
    info = make_client(sqlite_db, alice, full_name="Sam Empty", today=END)
    contacts.add_contact(
        sqlite_db,
        alice,
        info.id,
        name="Crisis Team",
        kind=ContactKind.CRISIS_SERVICE,
        phone="0808 157 0000",
        is_crisis_contact=True,
        consent_to_share=True,
        consent_date=END,
        today=clinic_today(),
    )
    body = flat(pdf_text(pdf.session_summary_pdf(summary(sqlite_db, info.id), AT)))
    for words in (
        "Not written yet.",
        "No goals yet.",
        "No session recorded yet.",
        "0 check-ins in this period.",
        "No self-ratings",
        "Crisis Team: 0808 157 0000",
    ):
        assert words in body


def test_the_export_package_never_imports_streamlit() -> None:
    code = (
        "import sys, care_plans.export, care_plans.export.pdf, care_plans.export.fhir; "
        "assert 'streamlit' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_summary_gives_the_paired_outcome_with_a_worsening_never_hidden(sqlite_db) -> None:
    """Better on the PHQ-9, reliably worse on the GAD-7: each line says so, and the paired
    line (NHS Talking Therapies) reads "reliable deterioration", as on the review page."""
    alice = make_user(sqlite_db, "alice")
    info = make_client(sqlite_db, alice, today=date(2026, 6, 1))
    for day, phq, gad in ((date(2026, 6, 2), 2, 0), (date(2026, 6, 25), 0, 2)):
        checkins.record_checkin(
            sqlite_db,
            alice,
            client_id=info.id,
            submitted_at=datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=10),
            measure_answers={
                "PHQ-9": [phq] * 9 if phq else [0] * 9,
                "GAD-7": [gad] * 7 if gad else [0] * 7,
            },
        )
    data = summary(sqlite_db, info.id, since=date(2026, 6, 1))
    assert data.paired_recovery == "reliable deterioration"
    body = flat(pdf_text(pdf.session_summary_pdf(data, AT)))
    assert "PHQ-9: baseline 18 on 2 Jun 2026, latest 0" in body
    assert "GAD-7: baseline 0 on 2 Jun 2026, latest 14" in body
    assert (
        "PHQ-9 and GAD-7 together (NHS Talking Therapies paired recovery): reliable deterioration."
    ) in body
    client_copy = flat(
        pdf_text(
            pdf.session_summary_pdf(
                summary(sqlite_db, info.id, since=date(2026, 6, 1), client_copy=True), AT
            )
        )
    )
    assert "paired recovery" not in client_copy


def test_a_phone_number_is_never_broken_across_lines(sqlite_db) -> None:
    """Crisis contacts whose names put the number at a line's end, in the summary's crisis
    plan (name and number on one line) and on the crisis-plan page: each number stays whole."""
    alice = make_user(sqlite_db, "alice")
    info = make_client(sqlite_db, alice, today=date(2026, 6, 1))
    phone = "+44 (0)161 555 0100"
    for n in range(12):
        contacts.add_contact(
            sqlite_db,
            alice,
            info.id,
            name="Crisis line " + "n" * (6 * n + 40),
            kind="crisis service",
            phone=phone,
            is_crisis_contact=True,
            consent_to_share=True,
            consent_date=date(2026, 6, 1),
            today=clinic_today(),
        )
    data = summary(sqlite_db, info.id)
    for content in (
        pdf.session_summary_pdf(data, AT, images=(None, None)),
        pdf.crisis_plan_pdf(data, AT),
    ):
        lines = [line.replace("\u00a0", " ") for line in pdf_text(content).splitlines()]
        pieces = [line for line in lines if "555" in line or "0100" in line or "(0)" in line]
        assert len(pieces) >= 12
        assert all(phone in line for line in pieces), [p for p in pieces if phone not in p]


def test_the_crisis_plan_title_is_set_flush_left_not_justified(sqlite_db) -> None:
    """A long name wraps the title; its first line keeps ordinary word spaces (justified, the
    words were spread to the margin)."""
    alice = make_user(sqlite_db, "alice")
    info = make_client(
        sqlite_db,
        alice,
        full_name="Maximiliana Alexandrovna Konstantinopolskaya-Worthington",
        today=date(2026, 6, 1),
    )
    content = pdf.crisis_plan_pdf(summary(sqlite_db, info.id), AT)
    boxes = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    words = [
        (float(y), float(x0), float(x1), word)
        for x0, y, x1, word in re.findall(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<', boxes
        )
    ]
    top = next(y for y, _x0, _x1, word in words if word == "crisis")
    line = sorted((x0, x1) for y, x0, x1, _w in words if y == top)
    assert len(line) >= 4 and words[0][3] != ""
    gaps = [after[0] - before[1] for before, after in zip(line, line[1:], strict=False)]
    assert max(gaps) < 1.5 * min(gaps) + 2, gaps  # one space's width between all words
    assert line[-1][1] < 540  # the line ends where its words end, not at the margin


def test_no_goal_title_is_left_alone_at_the_foot_of_a_page(sqlite_db) -> None:
    """Goal titles of two and three lines, after reasons of every length: wherever a page
    ends, the last line on it is never a goal title cut off from its goal."""
    alice = make_user(sqlite_db, "alice")
    info = make_client(sqlite_db, alice, today=date(2026, 6, 1))
    plan_id = info.plan_id
    assert plan_id is not None
    for k in range(40):
        goals.add_goal(
            sqlite_db,
            alice,
            plan_id,
            domain="self-care",
            description=f"Goal {k} " + "lighthouse " * (16 + 5 * (k % 2)),
            why_it_matters="Because it matters to me. " * (1 + (k * 5) % 11),
        )
    content = pdf.session_summary_pdf(summary(sqlite_db, info.id), AT, images=(None, None))
    pages = pdf_text(content, body_only=True).split("\f")
    assert len(pages) > 4
    ends = [
        [line for line in page.splitlines() if line.strip()][-1]
        for page in pages[:-1]
        if page.strip()
    ]
    assert not [end for end in ends if "lighthouse" in end], ends


def _words(content: bytes) -> list[tuple[str, float, float]]:
    """Each word pdftotext finds, with its left and right edge (points), in reading order."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-bbox", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    return [
        (html.unescape(text), float(x_min), float(x_max))
        for x_min, x_max, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" '
            r'yMax="[\d.]+">([^<]*)</word>',
            out,
        )
    ]


def test_a_long_fact_label_never_runs_into_its_value(demo_db) -> None:
    data = summary(demo_db)
    assert data.client_link is not None  # the plan facts then end with "Client's agreement"
    words = _words(pdf.session_summary_pdf(data, AT))
    at = next(i for i, (text, _, _) in enumerate(words) if text == "Client's")
    label_end, (value, value_start, _) = words[at + 1], words[at + 2]
    assert label_end[0] == "agreement", f"the label runs into its value: {label_end[0]!r}"
    assert value_start - label_end[2] >= 5, (value, value_start - label_end[2])
