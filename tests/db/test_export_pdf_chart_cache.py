"""The summary PDF's charts are drawn once per client, data version and period, and kept in
the process (`service._summary_images`): a write to the client draws them again, an export
alone does not, and one client's picture never goes into another client's PDF.

The pictures are read back from the PDFs with pypdf and compared pixel by pixel with a fresh
drawing (the cache emptied first); the text with pdftotext.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from care_plans.access import Actor
from care_plans.db import Database
from care_plans.export import pdf, service
from care_plans.services import checkins
from tests.db.test_export_pdf import AT, SETTINGS, flat, pdf_text
from tests.factories import make_client, make_user

SINCE = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    service.clear_chart_cache()
    yield
    service.clear_chart_cache()


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a ratings chart was drawn (one entry per drawing)."""
    calls: list[int] = []
    original = pdf.ratings_png

    def counting(data: object) -> bytes | None:
        calls.append(1)
        return original(data)  # type: ignore[arg-type]

    monkeypatch.setattr(pdf, "ratings_png", counting)
    return calls


def export(db: Database, actor: Actor, client_id: int, at: datetime = AT) -> bytes:
    return service.export_pdf(
        db, actor, client_id, settings=SETTINGS, since=SINCE, generated_at=at
    ).content


def pictures(content: bytes) -> list[bytes]:
    """The pixels of every image in the PDF, in order."""
    reader = PdfReader(BytesIO(content))
    return [image.image.tobytes() for page in reader.pages for image in page.images]


def check_in(db: Database, actor: Actor, client_id: int, day: int, mood: int) -> None:
    checkins.record_checkin(
        db,
        actor,
        client_id=client_id,
        submitted_at=datetime(2026, 6, day, 10, tzinfo=UTC),
        ratings={"mood": mood},
        measure_answers={"PHQ-9": [mood % 4] * 9},
    )


def fresh(db: Database, actor: Actor, client_id: int) -> list[bytes]:
    """The pictures of a PDF drawn from scratch."""
    service.clear_chart_cache()
    return pictures(export(db, actor, client_id))


def test_a_write_to_the_client_draws_the_charts_again(sqlite_db, drawn) -> None:
    alice = make_user(sqlite_db, "alice")
    info = make_client(sqlite_db, alice, today=SINCE)
    for day, mood in ((2, 3), (3, 4), (4, 4)):
        check_in(sqlite_db, alice, info.id, day, mood)

    first = export(sqlite_db, alice, info.id)
    assert "3 check-ins in this period." in flat(pdf_text(first))
    assert len(drawn) == 1 and len(pictures(first)) == 2  # ratings, PHQ-9
    # Exporting changes nothing in the record: the same pictures, not drawn again.
    again = export(sqlite_db, alice, info.id, AT + timedelta(minutes=5))
    assert len(drawn) == 1
    assert pictures(again) == pictures(first)

    check_in(sqlite_db, alice, info.id, 20, 9)
    after = export(sqlite_db, alice, info.id, AT + timedelta(minutes=10))
    assert "4 check-ins in this period." in flat(pdf_text(after))
    assert len(drawn) == 2
    assert pictures(after) != pictures(first)
    assert pictures(after) == fresh(sqlite_db, alice, info.id)


def test_two_clients_never_share_a_chart(sqlite_db, drawn) -> None:
    alice = make_user(sqlite_db, "alice")
    one = make_client(sqlite_db, alice, "CP-0001", "Client One", today=SINCE)
    two = make_client(sqlite_db, alice, "CP-0002", "Client Two", today=SINCE)
    for day in (2, 3, 4):
        check_in(sqlite_db, alice, one.id, day, 2)
        check_in(sqlite_db, alice, two.id, day, 8)

    first = pictures(export(sqlite_db, alice, one.id))
    second = pictures(export(sqlite_db, alice, two.id))
    assert len(drawn) == 2  # each client's own drawing
    assert second != first
    assert first == fresh(sqlite_db, alice, one.id)
    assert second == fresh(sqlite_db, alice, two.id)


def test_a_client_copy_and_another_period_have_charts_of_their_own(sqlite_db, drawn) -> None:
    alice = make_user(sqlite_db, "alice")
    info = make_client(sqlite_db, alice, today=SINCE)
    for day, mood in ((2, 3), (10, 7), (20, 5)):
        check_in(sqlite_db, alice, info.id, day, mood)

    full = export(sqlite_db, alice, info.id)
    copy = service.export_pdf(
        sqlite_db, alice, info.id, settings=SETTINGS, since=SINCE, client_copy=True, generated_at=AT
    ).content
    later = service.export_pdf(
        sqlite_db, alice, info.id, settings=SETTINGS, since=date(2026, 6, 9), generated_at=AT
    ).content
    assert len(drawn) == 3
    assert len(pictures(full)) == 2 and len(pictures(copy)) == 1  # no measures in a copy
    assert pictures(later)[0] != pictures(full)[0]
