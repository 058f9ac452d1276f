"""What a client writes in any script reaches both PDFs intact: emoji, Chinese and Japanese,
Hebrew and Arabic, read back with pdftotext. A character no font has is printed as a visible
replacement mark and counted in the export's audit event, never dropped.

Right-to-left text: the PDF draws Hebrew and Arabic shaped and in visual order (right to left,
Arabic letters joined). pdftotext turns that back into logical order, the order the client typed,
wrapping each right-to-left run in U+202B/U+202C embedding marks; `words` takes those marks
out. pdftotext also loses the space where a right-to-left run meets left-to-right text
("שלוםto no one" for what the page shows as "שלום to no one"), so `has` looks for a phrase with
the spaces taken out. Had the text not been shaped, the letters would be drawn left to right
in typing order and pdftotext would give them back reversed ("םולש"), which the assertions
below would not find; unjoined Arabic would come back as isolated letters, not as the word.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import select

from care_plans.access import Actor
from care_plans.db import Database
from care_plans.export import fonts, pdf, service
from care_plans.models import AuditEvent
from care_plans.read import plans as read_plans
from care_plans.services import checkins, contacts, plans
from tests.db.test_export_pdf import AT, END, SETTINGS, flat, pdf_text, summary
from tests.factories import clinic_today, make_client, make_user

EMOJI = "🙂"
CHINESE = "中文"
JAPANESE = "日本語"
HEBREW = "שלום"
ARABIC = "مرحبا"
WORDS = (EMOJI, CHINESE, JAPANESE, HEBREW, ARABIC)
#: A private-use code point: no font has a glyph for it.
NO_GLYPH = "\ue000"


def words(text: str) -> str:
    """pdftotext's text without its bidi embedding marks, whitespace as single spaces."""
    return flat(
        text.translate({0x202A: None, 0x202B: None, 0x202C: None, 0x200F: None, 0x200E: None})
    )


def has(text: str, phrase: str) -> bool:
    """Whether pdftotext's `text` holds `phrase`, spaces aside (see the module docstring)."""
    return phrase.replace(" ", "") in text.replace(" ", "")


def _client(db: Database, *, extra: str = "") -> tuple[Actor, int]:
    alice = make_user(db, "alice", full_name="Alice Example")
    info = make_client(
        db,
        alice,
        "CP-0200",
        "Noa Tanaka",
        date_of_birth=date(1991, 4, 5),
        today=END - timedelta(days=30),
    )
    assert info.plan_id is not None
    plan = read_plans.get_plan(db, alice, info.id)
    plans.update_plan(
        db,
        alice,
        info.plan_id,
        expected_version=plan.version,
        changes={
            "warning_signs": f"Sleeping badly {EMOJI} and saying {HEBREW} to no one{extra}",
            "what_helps": f"Tea with my sister ({CHINESE}, {JAPANESE}) and {ARABIC} from Omar",
            "crisis_plan": f"Ring my sister {EMOJI}; say {HEBREW} and {ARABIC}; read {JAPANESE}",
        },
    )
    contacts.add_contact(
        db,
        alice,
        info.id,
        name=f"Omar {ARABIC}",
        kind="friend",
        phone="07700 900456",
        is_crisis_contact=True,
        consent_to_share=True,
        consent_date=END,
        today=clinic_today(),
    )
    checkins.record_checkin(
        db,
        alice,
        client_id=info.id,
        ratings={"mood": 6},
        submitted_at=datetime(2026, 6, 20, 10, tzinfo=UTC),
        went_well=f"Walked in the park {EMOJI} {CHINESE} {HEBREW}, {ARABIC}",
        was_hard=f"Work {JAPANESE}{extra}",
    )
    return alice, info.id


def test_emoji_cjk_hebrew_and_arabic_reach_the_summary_and_the_crisis_plan(sqlite_db) -> None:
    _alice, client_id = _client(sqlite_db)
    data = summary(sqlite_db, client_id)
    assert data.notes  # the check-in words are in the summary's period

    body = words(pdf_text(pdf.session_summary_pdf(data, AT, images=(None, None)), body_only=True))
    assert has(body, f"Walked in the park {EMOJI} {CHINESE}")  # the check-in
    assert HEBREW in body and ARABIC in body
    assert f"Work {JAPANESE}" in body
    assert has(body, f"Sleeping badly {EMOJI} and saying {HEBREW} to no one")  # plan sections
    assert has(body, f"Tea with my sister ({CHINESE}, {JAPANESE}) and {ARABIC} from Omar")
    # A contact named "Omar مرحبا": pdftotext places the neutral " — " and ":" after it oddly
    # ("Omar — مرحباcrisis contact"), so only the words are looked for.
    assert "Support network Omar" in body and has(body, f"{ARABIC} crisis contact")
    assert "\ufffd" not in body  # nothing needed replacing

    crisis = words(pdf_text(pdf.crisis_plan_pdf(summary(sqlite_db, client_id), AT), body_only=True))
    # pdftotext moves the ";" after the Arabic word to its other side: the phrase in pieces.
    assert has(crisis, f"Ring my sister {EMOJI}; say {HEBREW} and")
    assert ARABIC in crisis and has(crisis, f"read {JAPANESE}")
    assert has(crisis, f"Sleeping badly {EMOJI} and saying {HEBREW}")
    assert "Omar" in crisis and "07700 900456" in crisis
    assert "\ufffd" not in crisis

    # Each script's font is embedded (fallbacks join the document when its text needs them).
    reader = PdfReader(io.BytesIO(pdf.session_summary_pdf(data, AT, images=(None, None))))
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    for name in ("DejaVuSans", "NotoSansCJK", "Symbola"):
        assert any(name in font for font in fonts), (name, fonts)


def test_a_document_without_cjk_leaves_the_cjk_font_out(sqlite_db) -> None:
    alice = make_user(sqlite_db, "alice")
    info = make_client(sqlite_db, alice, today=END)
    content = pdf.session_summary_pdf(summary(sqlite_db, info.id), AT, images=(None, None))
    reader = PdfReader(io.BytesIO(content))
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert not any("CJK" in font or "Symbola" in font for font in fonts), fonts


def test_a_character_no_font_has_is_replaced_visibly_and_counted(sqlite_db) -> None:
    # Two in the warning signs (a crisis-plan section, in the summary too), one in the check-in.
    _alice, client_id = _client(sqlite_db, extra=f" {NO_GLYPH}{NO_GLYPH}")
    exported = service.export_pdf(
        sqlite_db, Actor.cli(), client_id, settings=SETTINGS, generated_at=AT
    )
    body = words(pdf_text(exported.content, body_only=True))
    assert has(body, f"saying {HEBREW} to no one \ufffd\ufffd")  # the mark, where it was
    assert f"Work {JAPANESE} \ufffd\ufffd" in body
    crisis = service.export_crisis_plan(
        sqlite_db, Actor.cli(), client_id, settings=SETTINGS, generated_at=AT
    )
    assert "to no one \ufffd\ufffd" in words(pdf_text(crisis.content, body_only=True))

    with sqlite_db.uow() as uow:
        events = {
            e.action: e.detail
            for e in uow.session.scalars(
                select(AuditEvent).where(AuditEvent.action.like("export.%"))
            )
        }
    assert events["export.pdf"]["replaced_glyphs"] == 4
    assert events["export.crisis_pdf"]["replaced_glyphs"] == 2
    assert NO_GLYPH not in str(events) and HEBREW not in str(events)  # counts, never the text


def test_an_export_with_every_character_printable_counts_none(sqlite_db) -> None:
    _alice, client_id = _client(sqlite_db)
    printed = pdf.print_session_summary(summary(sqlite_db, client_id), AT, images=(None, None))
    assert printed.replaced_glyphs == 0
    assert pdf.print_crisis_plan(summary(sqlite_db, client_id), AT).replaced_glyphs == 0


def test_a_missing_fallback_font_names_its_package(sqlite_db, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(fonts, "CJK_DIR", tmp_path)
    try:
        fonts.font_paths()
    except fonts.FontMissing as exc:
        assert "fonts-noto-cjk" in str(exc) and "fonts-dejavu-core" not in str(exc)
    else:
        raise AssertionError("a missing CJK font went unnoticed")
