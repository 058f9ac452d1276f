"""The check-in CSV import on SQLite and PostgreSQL: what it saves, and every fault it names.

Each fault case asserts the exact `line N: column: problem` lines a clinician will read, and that
the file's valid rows were not saved either: an import is all or nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select

from care_plans.access import Actor
from care_plans.db import Database
from care_plans.errors import AccessDenied
from care_plans.models import AuditEvent, CheckIn, CheckinSource, MeasureResponse
from care_plans.services import checkins
from care_plans.services.imports import COLUMNS, ImportFault, ImportResult, import_checkins
from tests.factories import clinic_today, make_client, make_user

TZ = ZoneInfo("Europe/London")
# 11:00 in London (BST): a date alone for today means noon, which is still an hour away.
NOW = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
HEADER = "client_ref,submitted_at,mood,note"
VALID_ROW = "CP-0001,2026-04-01T09:00,5,a good day"
PHQ9 = ",".join(f"phq9_{n}" for n in range(1, 10))
GAD7 = ",".join(f"gad7_{n}" for n in range(1, 8))


def csv_bytes(*lines: str, newline: str = "\n") -> bytes:
    return (newline.join(lines) + newline).encode("utf-8")


def run(db: Database, actor: Actor, data: bytes, **kwargs: object) -> ImportResult:
    return import_checkins(db, actor, data, tz=TZ, now=NOW, **kwargs)  # type: ignore[arg-type]


def stored(db: Database) -> tuple[int, int, int]:
    """(check-ins, measure responses, import audit events) in the database."""
    with db.uow() as uow:
        s = uow.session
        return (
            s.scalar(select(func.count()).select_from(CheckIn)) or 0,
            s.scalar(select(func.count()).select_from(MeasureResponse)) or 0,
            s.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "checkin.import")
            )
            or 0,
        )


def imported_checkins(db: Database) -> list[CheckIn]:
    with db.uow() as uow:
        found = list(
            uow.session.scalars(
                select(CheckIn).where(CheckIn.source == CheckinSource.IMPORT).order_by(CheckIn.id)
            )
        )
        for checkin in found:
            _ = checkin.measures  # loaded before the session closes
        uow.session.expunge_all()  # so the unit of work's rollback does not expire them
        return found


class Clinic(NamedTuple):
    db: Database
    alice: Actor
    bob: Actor
    first_id: int  # CP-0001's id


@pytest.fixture
def clinic(db: Database) -> Clinic:
    """alice looks after CP-0001 and CP-0002; bob after CP-0003."""
    alice = make_user(db, "alice", "clinician")
    bob = make_user(db, "bob", "clinician")
    first = make_client(db, alice, "CP-0001", "First Client", today=clinic_today())
    make_client(db, alice, "CP-0002", "Second Client", today=clinic_today())
    make_client(db, bob, "CP-0003", "Bobs Client", today=clinic_today())
    return Clinic(db, alice, bob, first.id)


def assert_faults(db: Database, actor: Actor, data: bytes, expected: list[str]) -> None:
    before = stored(db)
    result = run(db, actor, data)
    assert [str(f) for f in result.faults] == expected
    assert (result.imported, result.skipped_duplicates, result.ok) == (0, 0, False)
    assert stored(db) == before, "a faulty file must not save anything"


# --- what a clean import saves -------------------------------------------------------------------


def test_every_column_is_imported(clinic):
    db, alice = clinic.db, clinic.alice
    assert (
        ",".join(COLUMNS) == f"client_ref,submitted_at,mood,sleep,self_care,connection,hope,"
        f"note,went_well,was_hard,{PHQ9},{GAD7},phq9_difficulty"
    )
    data = csv_bytes(
        ",".join(COLUMNS),
        'CP-0001,2026-04-01T09:15:30Z,7,6,5,4,3,"  walked, twice\nwith Sam  ",the park,'
        "mornings,0,1,2,3,0,1,2,3,0,3,3,3,3,3,3,3,2",
    )
    result = run(db, alice, data)
    assert result == ImportResult(imported=1, skipped_duplicates=0, faults=())
    assert result.summary() == "imported 1, skipped 0 duplicates"
    [checkin] = imported_checkins(db)
    assert checkin.submitted_at == datetime(2026, 4, 1, 9, 15, 30, tzinfo=UTC)
    assert (checkin.mood, checkin.sleep, checkin.self_care, checkin.connection, checkin.hope) == (
        7,
        6,
        5,
        4,
        3,
    )
    # Stored exactly as written: the spaces and the line break inside the quotes are kept.
    assert checkin.note == "  walked, twice\nwith Sam  "
    assert (checkin.went_well, checkin.was_hard) == ("the park", "mornings")
    assert checkin.created_by_id == alice.user_id
    answers = {m.instrument: m.answers for m in checkin.measures}
    assert answers == {"PHQ-9": [0, 1, 2, 3, 0, 1, 2, 3, 0], "GAD-7": [3] * 7}
    assert {m.administered_at for m in checkin.measures} == {checkin.submitted_at}
    # The PHQ-9's unscored 10th question is kept beside the items, never in the total.
    phq9 = next(m for m in checkin.measures if m.instrument == "PHQ-9")
    assert (phq9.difficulty, phq9.total, phq9.is_partial) == (2, 12, False)


def test_one_audit_event_with_counts_only_and_nothing_clinical_logged(clinic, caplog):
    db, alice = clinic.db, clinic.alice
    caplog.set_level(logging.DEBUG, logger="care_plans")
    data = csv_bytes(HEADER, VALID_ROW, "CP-0002,2026-04-02,4,private words", VALID_ROW)
    assert run(db, alice, data).summary() == "imported 2, skipped 1 duplicates"
    with db.uow() as uow:
        [audit] = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "checkin.import")
        )
        assert (audit.entity, audit.actor, audit.client_id) == ("import", "alice", None)
        assert audit.detail == {
            "rows": 3,
            "imported": 2,
            "skipped_duplicates": 1,
            "clients": 2,
            "partial_responses": 0,
        }
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for clinical in ("private words", "a good day", "CP-0001", "CP-0002"):
        assert clinical not in logged


def test_byte_order_mark_is_accepted(clinic):
    db, alice = clinic.db, clinic.alice
    assert run(db, alice, b"\xef\xbb\xbf" + csv_bytes(HEADER, VALID_ROW)).imported == 1


def test_blank_ratings_are_stored_as_null(clinic):
    db, alice = clinic.db, clinic.alice
    data = csv_bytes(
        "client_ref,submitted_at,mood,sleep,hope,note", "CP-0001,2026-04-01T09:00,,3, ,"
    )
    assert run(db, alice, data).imported == 1
    [checkin] = imported_checkins(db)
    assert (checkin.mood, checkin.sleep, checkin.self_care, checkin.hope) == (None, 3, None, None)
    assert (checkin.note, checkin.went_well, checkin.measures) == ("", "", [])


def test_time_zones_are_stored_as_the_right_utc_instant(clinic):
    db, alice = clinic.db, clinic.alice
    data = csv_bytes(
        "client_ref,submitted_at,mood",
        "CP-0001,2026-01-15T09:30,1",  # no zone, winter: London is UTC
        "CP-0001,2026-04-15T09:30,2",  # no zone, summer: London is UTC+1
        "CP-0001,2026-04-15T09:30Z,3",
        "CP-0001,2026-04-15T10:00:15+02:00,4",
        "CP-0001,2026-04-15T01:00-05:30,5",
        "CP-0001,2026-04-16,6",  # a date alone: 12:00 noon clinic time
        "CP-0001,2025-10-26T01:30,7",  # clocks go back: the first 01:30 (BST) is taken
    )
    assert run(db, alice, data).imported == 7
    assert {c.mood: c.submitted_at for c in imported_checkins(db)} == {
        1: datetime(2026, 1, 15, 9, 30, tzinfo=UTC),
        2: datetime(2026, 4, 15, 8, 30, tzinfo=UTC),
        3: datetime(2026, 4, 15, 9, 30, tzinfo=UTC),
        4: datetime(2026, 4, 15, 8, 0, 15, tzinfo=UTC),
        5: datetime(2026, 4, 15, 6, 30, tzinfo=UTC),
        6: datetime(2026, 4, 16, 11, 0, tzinfo=UTC),
        7: datetime(2025, 10, 26, 0, 30, tzinfo=UTC),
    }


def test_phq9_items_are_stored_and_scored(clinic):
    db, alice = clinic.db, clinic.alice
    data = csv_bytes(
        f"client_ref,submitted_at,{PHQ9},{GAD7}",
        "CP-0001,2026-04-01T09:00,2,2,2,2,2,2,2,2,1,1,1,1,1,1,1,1",
    )
    assert run(db, alice, data).imported == 1
    [checkin] = imported_checkins(db)
    scored = {m.instrument: (m.answers, m.total, m.severity, m.risk_flag) for m in checkin.measures}
    assert scored == {
        "PHQ-9": ([2, 2, 2, 2, 2, 2, 2, 2, 1], 17, "moderately severe", True),
        "GAD-7": ([1] * 7, 7, "mild", False),
    }
    assert checkin.mood is None


def test_header_only_file_imports_nothing_without_faults(clinic):
    db, alice = clinic.db, clinic.alice
    assert run(db, alice, csv_bytes(HEADER, "", ",,,")) == ImportResult(0, 0, ())


def test_duplicates_are_skipped_and_counted(clinic):
    db, alice = clinic.db, clinic.alice
    checkins.record_checkin(
        db,
        alice,
        client_id=clinic.first_id,
        submitted_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        ratings={"mood": 4},
        note="seen in session",
    )
    data = csv_bytes(
        HEADER,
        "CP-0001,2026-03-01T09:00Z,4,seen in session",  # same as the session check-in
        VALID_ROW,
        VALID_ROW,  # repeated within the file
        "cp-0001 ,2026-04-01T08:00:00Z,5,a good day",  # the same again, written differently
    )
    assert run(db, alice, data) == ImportResult(imported=1, skipped_duplicates=3)
    # Importing the same file again changes nothing.
    assert run(db, alice, data) == ImportResult(imported=0, skipped_duplicates=4)
    assert stored(db)[0] == 2


def test_a_check_in_marked_in_error_is_not_brought_back_but_can_be_corrected(clinic):
    db, alice = clinic.db, clinic.alice
    assert run(db, alice, csv_bytes(HEADER, VALID_ROW)).imported == 1
    [wrong] = imported_checkins(db)
    checkins.mark_entered_in_error(db, alice, checkin_id=wrong.id, reason="typed 5 for 3")
    assert run(db, alice, csv_bytes(HEADER, VALID_ROW)) == ImportResult(0, 1)
    corrected = VALID_ROW.replace(",5,", ",3,")
    assert run(db, alice, csv_bytes(HEADER, corrected)) == ImportResult(1, 0)


def test_dry_run_reports_counts_and_writes_nothing(clinic):
    db, alice = clinic.db, clinic.alice
    assert run(db, alice, csv_bytes(HEADER, VALID_ROW)).imported == 1
    before = stored(db)
    data = csv_bytes(HEADER, VALID_ROW, "CP-0002,2026-04-02,4,", "CP-0001,2026-04-03,6,")
    assert run(db, alice, data, dry_run=True) == ImportResult(imported=2, skipped_duplicates=1)
    assert stored(db) == before
    bad = csv_bytes(HEADER, VALID_ROW, "CP-0001,2026-04-03,60,")
    assert [str(f) for f in run(db, alice, bad, dry_run=True).faults] == [
        "line 3: mood: 60 is out of range 0–10"
    ]


def test_the_command_line_may_import_for_any_client(clinic):
    db = clinic.db
    data = csv_bytes(HEADER, VALID_ROW, "CP-0003,2026-04-01,2,")
    assert run(db, Actor.cli(), data).imported == 2


def test_an_administrator_may_not_import(clinic):
    db = clinic.db
    admin = make_user(db, "ada.admin", "admin")
    with pytest.raises(AccessDenied):
        run(db, admin, csv_bytes(HEADER, VALID_ROW))


def test_rows_are_read_in_a_few_queries_not_one_per_row(clinic):
    db, alice = clinic.db, clinic.alice
    lines = [f"{HEADER},{PHQ9}"]
    for n in range(300):
        ref = ("CP-0001", "CP-0002")[n % 2]
        lines.append(
            f"{ref},2026-03-{1 + n % 28:02d}T{n // 28:02d}:00Z,{n % 11},," + ",".join(["1"] * 9)
        )
    data = csv_bytes(*lines)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert run(db, alice, data) == ImportResult(300, 0)
        assert run(db, alice, data) == ImportResult(0, 300)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    reads = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    assert len(reads) < 30, reads
    if db.engine.dialect.name == "postgresql":
        # Batched INSERTs: a round trip per batch, not per row. (On SQLite, SQLAlchemy inserts
        # row by row to learn each new id; that is in-process and costs no round trip.)
        assert len(statements) - len(reads) < 10
    assert stored(db)[:2] == (300, 300)


# --- faults: exact lines, and nothing saved ------------------------------------------------------


FAULT_CASES: list[tuple[str, bytes, list[str]]] = [
    ("empty file", b"", ["line 1: header: the file is empty"]),
    ("only a byte order mark", b"\xef\xbb\xbf", ["line 1: header: the file is empty"]),
    ("only blank lines", b"\r\n \n,,\n", ["line 1: header: the file is empty"]),
    (
        "blank first line",
        b"\n" + csv_bytes(HEADER, VALID_ROW),
        [
            "line 1: header: is blank; the first line must name the columns",
        ],
    ),
    (
        "unknown columns",
        csv_bytes(f"{HEADER},feeling,moood", VALID_ROW + ",x,1"),
        [
            "line 1: feeling: unknown column",
            "line 1: moood: unknown column (did you mean mood?)",
        ],
    ),
    (
        "missing required columns",
        csv_bytes("mood,note", "5,x"),
        [
            "line 1: client_ref: required column is missing",
            "line 1: submitted_at: required column is missing",
        ],
    ),
    (
        "column named twice",
        csv_bytes(f"{HEADER},mood", VALID_ROW + ",5"),
        [
            "line 1: mood: appears more than once in the header",
        ],
    ),
    (
        "column without a name",
        csv_bytes(f"{HEADER},", VALID_ROW + ","),
        [
            "line 1: column 5: has no name in the header",
        ],
    ),
    (
        "instrument columns incomplete in the header",
        csv_bytes(f"client_ref,submitted_at,{PHQ9[: PHQ9.index(',phq9_8')]}", "CP-0001,2026-04-01"),
        ["line 1: phq9_8: PHQ-9 needs all its columns; missing phq9_8, phq9_9"],
    ),
    (
        "unknown client ref",
        csv_bytes(HEADER, VALID_ROW, "CP-0999,2026-04-01,5,"),
        [
            "line 3: client_ref: no client with ref CP-0999 in your caseload",
        ],
    ),
    (
        "blank client ref",
        csv_bytes(HEADER, VALID_ROW, " ,2026-04-01,5,"),
        [
            "line 3: client_ref: is required",
        ],
    ),
    (
        "ratings that are not whole numbers or out of range",
        csv_bytes(
            "client_ref,submitted_at,mood,sleep,self_care,connection,hope",
            "CP-0001,2026-04-01,3.5,abc,-1,11,10",
        ),
        [
            "line 2: mood: '3.5' is not a whole number",
            "line 2: sleep: 'abc' is not a whole number",
            "line 2: self_care: -1 is out of range 0–10",
            "line 2: connection: 11 is out of range 0–10",
        ],
    ),
    (
        "measure items out of range",
        csv_bytes(
            f"client_ref,submitted_at,{PHQ9}",
            VALID_ROW.rsplit(",", 2)[0] + ",0,1,4,0,x,0,0,0,-1",
        ),
        [
            "line 2: phq9_3: 4 is out of range 0–3",
            "line 2: phq9_5: 'x' is not a whole number",
            "line 2: phq9_9: -1 is out of range 0–3",
        ],
    ),
    (
        "impossible dates and times",
        csv_bytes(
            HEADER,
            VALID_ROW,
            "CP-0001,2026-02-30,5,",
            "CP-0001,2026-02-29T09:00,5,",
            "CP-0001,2026-04-01T25:00,5,",
            "CP-0001,2026-04-01T09:00+24:00,5,",
            "CP-0001,01/04/2026,5,",
            "CP-0001,2026-04-01 09:00,5,",
            "CP-0001,,5,",
            "CP-0001,2026-03-29T01:30,5,",
        ),
        [
            "line 3: submitted_at: 2026-02-30 is not a real date",
            "line 4: submitted_at: 2026-02-29 is not a real date",
            "line 5: submitted_at: 2026-04-01T25:00 is not a real time of day",
            "line 6: submitted_at: +24:00 is not a UTC offset",
            "line 7: submitted_at: '01/04/2026' is not a date or time; use YYYY-MM-DD or "
            "YYYY-MM-DDTHH:MM[:SS], optionally with Z or ±HH:MM",
            "line 8: submitted_at: '2026-04-01 09:00' is not a date or time; use YYYY-MM-DD or "
            "YYYY-MM-DDTHH:MM[:SS], optionally with Z or ±HH:MM",
            "line 9: submitted_at: is required",
            "line 10: submitted_at: 2026-03-29T01:30 does not exist in Europe/London "
            "(the clocks went forward); give the UTC offset",
        ],
    ),
    (
        "future dates",
        csv_bytes(
            HEADER,
            VALID_ROW,
            "CP-0001,2026-05-01T11:00,5,",  # 10:00 UTC: now, which is allowed
            "CP-0001,2026-05-01T10:00:01Z,5,",
            "CP-0001,2026-05-01,5,",  # noon today, an hour from now
        ),
        [
            "line 4: submitted_at: is in the future",
            "line 5: submitted_at: is in the future: a date alone means 12:00 noon clinic time; "
            "give the time as well",
        ],
    ),
    (
        "text too long",
        csv_bytes(
            "client_ref,submitted_at,mood,note,went_well,was_hard",
            f"CP-0001,2026-04-01,5,{'n' * 2000},{'w' * 2001},",
        ),
        [
            "line 2: went_well: is 2001 characters long; the limit is 2000",
        ],
    ),
    (
        "nothing answered",
        csv_bytes(HEADER, VALID_ROW, "CP-0001,2026-04-02, ,only a note"),
        [
            "line 3: row: nothing answered; give at least one rating or one measure item",
        ],
    ),
    (
        "wrong number of values",
        csv_bytes(HEADER, VALID_ROW, "CP-0001,2026-04-02,5", "a,b,c,d,e"),
        [
            "line 3: row: has 3 values but the header has 4 columns",
            "line 4: row: has 5 values but the header has 4 columns",
        ],
    ),
    (
        "a quoted value never closed",
        csv_bytes(HEADER, VALID_ROW, 'CP-0001,2026-04-02,5,"oh', "x"),
        [
            "line 3: row: a quoted value starts in this record and is never closed",
        ],
    ),
    (
        "NUL character",
        csv_bytes(HEADER, VALID_ROW, "CP-0001,2026-04-02,5,a\x00b"),
        [
            "line 3: note: contains a NUL character",
        ],
    ),
    (
        "invalid UTF-8 on line 3",
        csv_bytes(HEADER, VALID_ROW) + b"CP-0001,2026-04-02,5,caf\xe9\n",
        [
            "line 3: encoding: byte 0xE9 is not UTF-8; save the file as UTF-8 "
            "(in Excel: CSV UTF-8)",
        ],
    ),
    (
        "invalid UTF-8 in the header",
        b"client_ref,submitted_at,m\xffood\n",
        [
            "line 1: encoding: byte 0xFF is not UTF-8; save the file as UTF-8 "
            "(in Excel: CSV UTF-8)",
        ],
    ),
    (
        "same client and time twice with different values",
        csv_bytes(
            HEADER,
            VALID_ROW,
            "CP-0002,2026-04-01T09:00,5,a good day",
            "CP-0001,2026-04-01T08:00Z,6,a good day",
        ),
        [
            "line 4: submitted_at: conflicts with line 2: same client and time, different values",
        ],
    ),
]


@pytest.mark.parametrize(
    ("data", "expected"), [pytest.param(d, e, id=i) for i, d, e in FAULT_CASES]
)
def test_fault(clinic, data, expected):
    db, alice = clinic.db, clinic.alice
    assert_faults(db, alice, data, expected)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_multi_line_note_shifts_the_line_numbers_of_later_records(clinic, newline):
    db, alice = clinic.db, clinic.alice
    data = csv_bytes(
        HEADER,
        f'CP-0001,2026-04-01T09:00,5,"first line{newline}second line{newline}third line"',
        "CP-0001,2026-04-02T09:00,11,",
        'CP-0001,2026-04-03T09:00,5,"one more',
        'line"',
        "CP-0001,2026-04-04T09:00,abc,",
        newline=newline,
    )
    assert_faults(
        db,
        alice,
        data,
        [
            "line 5: mood: 11 is out of range 0–10",
            "line 8: mood: 'abc' is not a whole number",
        ],
    )
    fixed = data.replace(b",11,", b",1,").replace(b",abc,", b",2,")
    assert run(db, alice, fixed).imported == 4
    notes = [c.note for c in imported_checkins(db)]
    assert notes[0] == f"first line{newline}second line{newline}third line"


def test_another_clinicians_client_is_refused_in_the_same_words_as_an_unknown_one(clinic):
    db, alice, bob = clinic.db, clinic.alice, clinic.bob
    data = csv_bytes(HEADER, VALID_ROW, "CP-0003,2026-04-01,5,", "CP-0004,2026-04-01,5,")
    assert_faults(
        db,
        alice,
        data,
        [
            "line 3: client_ref: no client with ref CP-0003 in your caseload",
            "line 4: client_ref: no client with ref CP-0004 in your caseload",
        ],
    )
    assert run(db, bob, csv_bytes(HEADER, "CP-0003,2026-04-01,5,")).imported == 1


def test_a_row_conflicting_with_a_recorded_check_in_is_a_fault(clinic):
    db, alice = clinic.db, clinic.alice
    checkins.record_checkin(
        db,
        alice,
        client_id=clinic.first_id,
        submitted_at=datetime(2026, 4, 1, 8, 0, tzinfo=UTC),
        ratings={"mood": 5},
        note="a good day",
    )
    same_time_other_note = "CP-0001,2026-04-01T09:00,5,a better day"
    assert_faults(
        db,
        alice,
        csv_bytes(HEADER, "CP-0002,2026-04-01,5,", same_time_other_note),
        [
            "line 3: submitted_at: conflicts with a check-in already recorded for this client "
            "at this time with different values",
        ],
    )
    # A measure answered differently is a different check-in too.
    data = csv_bytes(f"{HEADER},{PHQ9}", VALID_ROW + ",0,0,0,0,0,0,0,0,0")
    assert [str(f) for f in run(db, alice, data).faults] == [
        "line 2: submitted_at: conflicts with a check-in already recorded for this client "
        "at this time with different values",
    ]


def test_fault_reads_line_column_problem():
    assert (
        str(ImportFault(7, "mood", "11 is out of range 0–10"))
        == "line 7: mood: 11 is out of range 0–10"
    )


def test_a_row_with_some_items_blank_imports_as_a_partial_response(clinic):
    db, alice = clinic.db, clinic.alice
    data = csv_bytes(
        f"client_ref,submitted_at,mood,{PHQ9},{GAD7}",
        "CP-0001,2026-04-01,5,1,1,1,,1,1,1,1,,,,,,,,",  # PHQ-9 items 4 and 9 blank
        "CP-0001,2026-04-02,5,,,,,,,,,,0,0,0,0,0,0,",  # GAD-7 item 7 blank
    )
    result = run(db, alice, data)
    assert result == ImportResult(imported=2, skipped_duplicates=0, faults=())
    first, second = imported_checkins(db)
    [phq9] = first.measures
    assert (phq9.instrument, phq9.is_partial, phq9.total, phq9.severity, phq9.risk_flag) == (
        "PHQ-9",
        True,
        None,
        None,
        False,
    )
    assert phq9.answers == [1, 1, 1, None, 1, 1, 1, 1, None]
    [gad7] = second.measures
    assert (gad7.is_partial, gad7.total, gad7.answers) == (True, None, [0] * 6 + [None])
    with db.uow() as uow:
        audit = uow.session.scalar(select(AuditEvent).where(AuditEvent.action == "checkin.import"))
        assert audit is not None and audit.detail["partial_responses"] == 2
    # The same file again is recognised as the same rows, blanks and all.
    assert run(db, alice, data).summary() == "imported 0, skipped 2 duplicates"


def test_an_item_9_answer_alone_imports_and_pins_the_self_harm_alert(clinic):
    from care_plans.read import caseload

    db, alice = clinic.db, clinic.alice
    data = csv_bytes(f"client_ref,submitted_at,{PHQ9}", "CP-0001,2026-04-03T20:30,,,,,,,,,3")
    assert run(db, alice, data).summary() == "imported 1, skipped 0 duplicates"
    [checkin] = imported_checkins(db)
    [phq9] = checkin.measures
    assert (phq9.is_partial, phq9.total, phq9.risk_flag) == (True, None, True)
    [alert] = caseload.risk_alerts(db, alice, today=NOW.date())
    assert (alert.ref, alert.item9_answer, alert.answer_wording, alert.total) == (
        "CP-0001",
        3,
        "Nearly every day",
        None,
    )
    assert alert.completeness == "incomplete: items 1–8 not answered"


def test_item_9_answered_not_at_all_alone_imports_without_an_alert(clinic):
    from care_plans.read import caseload

    db, alice = clinic.db, clinic.alice
    data = csv_bytes(f"client_ref,submitted_at,{PHQ9}", "CP-0001,2026-04-03,,,,,,,,,0")
    assert run(db, alice, data).ok
    assert caseload.risk_alerts(db, alice, today=NOW.date()) == []


@pytest.mark.parametrize(
    "row, faults",
    [
        (
            "CP-0001,2026-04-03,,,,,,,,,,2",
            [
                "line 2: phq9_difficulty: is answered but no PHQ-9 item is; give the items too",
                "line 2: row: nothing answered; give at least one rating or one measure item",
            ],
        ),
        (
            "CP-0001,2026-04-03,1,1,1,1,1,1,1,1,1,4",
            ["line 2: phq9_difficulty: 4 is out of range 0–3"],
        ),
    ],
)
def test_the_difficulty_question_is_checked(clinic, row, faults):
    data = csv_bytes(f"client_ref,submitted_at,{PHQ9},phq9_difficulty", row)
    assert_faults(clinic.db, clinic.alice, data, faults)
