"""Check-in CSV import: a clinic's check-ins kept elsewhere, brought in as one all-or-nothing step.

Why this module exists: clinics arrive with months of self-ratings and PHQ-9/GAD-7 answers in
spreadsheets or another system's export. Re-typing them is slow and error-prone, and a half-done
import is worse than none, so a file is checked in full first and either every new row is saved
in one unit of work or nothing is, with every fault named by the physical line a spreadsheet or
text editor shows. The CLI (``care-plans import-checkins``) and the dashboard both call
:func:`import_checkins`.

The format (UTF-8, with or without a byte-order mark; the first line is the header):

* ``client_ref`` (required): the client's reference, e.g. ``CP-0042`` (case and surrounding
  spaces do not matter).
* ``submitted_at`` (required): ``YYYY-MM-DD``, or ``YYYY-MM-DDTHH:MM`` / ``YYYY-MM-DDTHH:MM:SS``,
  optionally followed by ``Z`` or ``±HH:MM``. A time without a zone is the clinic's local time.
  A date alone means 12:00 (noon) clinic time: noon stays on the written date even when the
  instant is shown in a zone up to 11 hours away, and no daylight-saving change happens at noon.
  A local time that occurs twice when the clocks go back is taken as the first (earlier) one; a
  local time that does not exist because the clocks went forward is a fault.
* any of ``mood``, ``sleep``, ``self_care``, ``connection``, ``hope``: whole numbers 0–10;
  blank means not answered (stored as NULL).
* any of ``note``, ``went_well``, ``was_hard``: text of up to 2,000 characters, stored exactly
  as written (no trimming).
* ``phq9_1``…``phq9_9`` and ``gad7_1``…``gad7_7``: item answers 0–3. An instrument's columns
  come all together in the header. A row with some of an instrument's items blank imports as
  a *partial* response: the answered items are kept, with no total and no band (never a
  baseline, never on a chart of totals), and a PHQ-9 item 9 above 0 raises the self-harm alert
  as a complete one does, so an item-9 answer alone is enough. The column names are derived
  from :data:`care_plans.measures.INSTRUMENTS` (code ``PHQ-9`` -> ``phq9_1``…), so a new
  instrument in the registry is importable without a change here.
* ``phq9_difficulty`` (optional): the PHQ-9's unscored 10th question, 0–3 ("Not difficult at
  all" … "Extremely difficult"); given only with at least one PHQ-9 item. Never in the total.

A row needs at least one rating or one answered item; a line that is entirely blank (or
only commas) is ignored. A row identical to a check-in already recorded for the client at the
same instant (same ratings, texts and item answers), or to an earlier row of the file, is a
duplicate: skipped and counted, so the same file can be imported twice safely. The same client
and instant with *different* values is a conflict, which is a fault. Check-ins marked "entered in
error" still make an identical row a duplicate (a re-import does not bring back what a clinician
withdrew) but do not conflict with a corrected row.

Faults read ``line N: column: problem``; N is the physical line where the record starts (a quoted
note with line breaks in it makes later records start on later lines). Where no single column is
at fault the "column" is ``header`` (the first line), ``row`` (the whole record) or ``encoding``
(bytes that are not UTF-8). When the header itself is wrong, only the header's faults are
reported: row faults would follow from it and bury it.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from care_plans import audit, measures
from care_plans.access import Actor, client_for_write, require_clinical
from care_plans.db import Database
from care_plans.errors import DomainError, ValidationError
from care_plans.models import RATINGS, CheckIn, CheckinSource, Client, MeasureResponse, utcnow
from care_plans.quoting import printable, quote
from care_plans.rules import checkin_problems
from care_plans.services.checkins import add_checkin
from care_plans.services.clients import normalise_ref

__all__ = ["ImportFault", "ImportResult", "import_checkins", "instrument_columns", "COLUMNS"]

REQUIRED_COLUMNS: tuple[str, ...] = ("client_ref", "submitted_at")
TEXT_COLUMNS: tuple[str, ...] = ("note", "went_well", "was_hard")

#: Used for faults that belong to a whole record rather than to one of its cells.
ROW = "row"

# Bound parameters per IN (...) list: well inside SQLite's and PostgreSQL's limits.
_CHUNK = 500

_TIMESTAMP = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?"
)
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_FORMAT_HINT = "use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], optionally with Z or ±HH:MM"
_NOON = time(12, 0)


def instrument_columns() -> dict[str, tuple[str, ...]]:
    """Each registered instrument's item columns, e.g. ``"PHQ-9" -> ("phq9_1", …, "phq9_9")``."""
    columns: dict[str, tuple[str, ...]] = {}
    for code, instrument in measures.INSTRUMENTS.items():
        prefix = re.sub(r"[^a-z0-9]", "", code.lower())
        columns[code] = tuple(f"{prefix}_{n}" for n in range(1, instrument.item_count + 1))
    return columns


_INSTRUMENT_COLUMNS = instrument_columns()


def difficulty_columns() -> dict[str, str]:
    """The column of each instrument's unscored difficulty question, e.g. ``"phq9_difficulty"``."""
    return {
        code: f"{re.sub(r'[^a-z0-9]', '', code.lower())}_difficulty"
        for code, instrument in measures.INSTRUMENTS.items()
        if instrument.difficulty_question is not None
    }


_DIFFICULTY_COLUMNS = difficulty_columns()

#: Every column the import understands, in the order the format describes them.
COLUMNS: tuple[str, ...] = (
    *REQUIRED_COLUMNS,
    *RATINGS,
    *TEXT_COLUMNS,
    *(name for names in _INSTRUMENT_COLUMNS.values() for name in names),
    *_DIFFICULTY_COLUMNS.values(),
)


@dataclass(frozen=True)
class ImportFault:
    """One thing wrong with the file, at the physical line where its record starts."""

    line: int
    column: str
    problem: str

    def __str__(self) -> str:
        # Column names and problems may quote the file: escaped, so a terminal shows them.
        return printable(f"line {self.line}: {self.column}: {self.problem}")


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or, in a dry run, would do). With faults, nothing was saved."""

    imported: int
    skipped_duplicates: int
    faults: tuple[ImportFault, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.faults

    def summary(self) -> str:
        """The one-line report the CLI and the page show after a clean import."""
        return f"imported {self.imported}, skipped {self.skipped_duplicates} duplicates"


@dataclass
class _Row:
    """A row that passed every check of its own, ready to compare with the record and save."""

    line: int
    client_id: int
    submitted_at: datetime
    ratings: dict[str, int | None]
    texts: dict[str, str]
    measure_answers: dict[str, list[int | None]]
    difficulty: dict[str, int] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, datetime]:
        return (self.client_id, self.submitted_at)

    @property
    def content(self) -> tuple[Any, ...]:
        return _content(self.ratings, self.texts, self.measure_answers)


def _content(
    ratings: dict[str, int | None],
    texts: dict[str, str],
    answers: Mapping[str, Sequence[int | None]],
) -> tuple[Any, ...]:
    # What makes two check-ins "the same": the fields a CSV row can carry, nothing else.
    return (
        tuple(ratings.get(r) for r in RATINGS),
        tuple(texts.get(t, "") for t in TEXT_COLUMNS),
        tuple(sorted((code, tuple(values)) for code, values in answers.items())),
    )


@dataclass
class _Existing:
    """The check-ins already recorded at the instants the file names, by (client, instant)."""

    live: dict[tuple[int, datetime], set[tuple[Any, ...]]] = field(default_factory=dict)
    withdrawn: dict[tuple[int, datetime], set[tuple[Any, ...]]] = field(default_factory=dict)


def import_checkins(
    db: Database,
    actor: Actor,
    data: bytes,
    *,
    tz: ZoneInfo,
    dry_run: bool = False,
    now: datetime | None = None,
) -> ImportResult:
    """Check a check-in CSV in full and save its new rows in one unit of work, or none of them.

    `tz` is the clinic's time zone, used for times written without a zone (and a date alone
    means 12:00 noon there). `now` (default: the current time) bounds `submitted_at`: later is
    a fault. With faults the result carries them and nothing is written; with `dry_run` nothing
    is written either, but the counts say what an import would do. Imported check-ins have
    source ``import``; one audit event (``checkin.import``, counts only) records the import.
    Raises AccessDenied only for an actor who may not record check-ins at all (an admin).
    """
    now = now if now is not None else utcnow()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    require_clinical(actor)

    text, fault = _decode(data)
    if fault is not None:
        return ImportResult(0, 0, (fault,))
    records, faults = _read_records(text)
    if faults:
        return ImportResult(0, 0, tuple(faults))
    if not records:
        return ImportResult(0, 0, (ImportFault(1, "header", "the file is empty"),))
    (_, header), body = records[0], records[1:]
    columns, faults = _check_header(header)
    if faults:
        return ImportResult(0, 0, tuple(faults))

    with db.uow() as uow:
        s = uow.session
        cells_by_line: list[tuple[int, dict[str, str]]] = []
        for line, cells in body:
            if all(not c.strip() for c in cells):
                continue  # blank lines and rows of bare commas carry nothing to import
            if len(cells) != len(columns):
                faults.append(
                    ImportFault(
                        line,
                        ROW,
                        f"has {len(cells)} values but the header has {len(columns)} columns",
                    )
                )
                continue
            cells_by_line.append((line, dict(zip(columns, cells, strict=True))))

        writable = _writable_clients(  # a ref holding NUL is a row fault, never a query
            s,
            actor,
            {
                normalise_ref(c["client_ref"])
                for _, c in cells_by_line
                if "\x00" not in c["client_ref"]
            },
        )
        rows: list[_Row] = []
        for line, named_cells in cells_by_line:
            row, row_faults = _check_row(line, named_cells, writable, tz=tz, now=now)
            faults.extend(row_faults)
            if row is not None:
                rows.append(row)

        existing = _load_existing(s, rows)
        new_rows, duplicates, conflict_faults = _sort_out_repeats(rows, existing)
        faults.extend(conflict_faults)
        if faults:
            return ImportResult(0, 0, tuple(sorted(faults, key=lambda f: f.line)))
        if dry_run:
            return ImportResult(len(new_rows), duplicates)

        for row in new_rows:
            try:
                add_checkin(
                    s,
                    client_id=row.client_id,
                    submitted_at=row.submitted_at,
                    source=CheckinSource.IMPORT,
                    ratings=row.ratings,
                    measure_answers={code: list(a) for code, a in row.measure_answers.items()},
                    difficulty=dict(row.difficulty) or None,
                    created_by_id=actor.user_id,
                    now=now,
                    flush=False,
                    note=row.texts["note"],
                    went_well=row.texts["went_well"],
                    was_hard=row.texts["was_hard"],
                )
            except ValidationError as exc:
                # The checks above mirror add_checkin's, so this is a safety net: report the
                # row like any other fault and let the unit of work roll everything back.
                return ImportResult(
                    0,
                    0,
                    tuple(
                        ImportFault(row.line, name or ROW, problem)
                        for name, problem in exc.problems.items()
                    ),
                )
        audit.record(
            s,
            actor,
            "checkin.import",
            "import",
            detail={
                "rows": len(rows),
                "imported": len(new_rows),
                "skipped_duplicates": duplicates,
                "clients": len({row.client_id for row in rows}),
                "partial_responses": sum(
                    1 for row in new_rows for a in row.measure_answers.values() if None in a
                ),
            },
        )
        uow.commit()
        return ImportResult(len(new_rows), duplicates)


# --- reading the file ------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, ImportFault | None]:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = len(_LINE_BREAK.findall(data[: exc.start])) + 1
        bad = data[exc.start : exc.start + 1].hex().upper()
        return "", ImportFault(
            line,
            "encoding",
            f"byte 0x{bad} is not UTF-8; save the file as UTF-8 (in Excel: CSV UTF-8)",
        )


def _read_records(text: str) -> tuple[list[tuple[int, list[str]]], list[ImportFault]]:
    """Every CSV record with the physical line it starts on; a quoting error is a fault."""
    # newline="" hands the csv module each line with its own line break, as csv requires, so
    # a quoted value keeps its \r\n and line_num counts physical lines (\n, \r\n or \r).
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problem = (
                "a quoted value starts in this record and is never closed"
                if "unexpected end of data" in str(exc)
                else f"is not valid CSV ({exc})"
            )
            return [], [ImportFault(start, ROW, problem)]
        records.append((start, cells))
    while records and all(not c.strip() for c in records[-1][1]):
        records.pop()  # trailing blank lines, so a file of blank lines counts as empty
    return records, []


def _check_header(header: list[str]) -> tuple[list[str], list[ImportFault]]:
    columns = [name.strip() for name in header]
    faults: list[ImportFault] = []
    if all(not name for name in columns):
        return columns, [ImportFault(1, "header", "is blank; the first line must name the columns")]
    seen: set[str] = set()
    for position, name in enumerate(columns, start=1):
        if not name:
            faults.append(ImportFault(1, f"column {position}", "has no name in the header"))
        elif name in seen:
            faults.append(ImportFault(1, name, "appears more than once in the header"))
        elif name not in COLUMNS:
            close = difflib.get_close_matches(name, COLUMNS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            faults.append(ImportFault(1, name[:40], f"unknown column{hint}"))
        seen.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            faults.append(ImportFault(1, name, "required column is missing"))
    for code, items in _INSTRUMENT_COLUMNS.items():
        missing = [item for item in items if item not in seen]
        if 0 < len(missing) < len(items):
            faults.append(
                ImportFault(
                    1, missing[0], f"{code} needs all its columns; missing {', '.join(missing)}"
                )
            )
    return columns, faults


# --- checking rows ---------------------------------------------------------------------------


def _chunks(values: Iterable[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _writable_clients(s: Session, actor: Actor, refs: set[str]) -> dict[str, int]:
    """ref -> client id for the refs `actor` may write; other refs are left out."""
    ids: dict[str, int] = {}
    for batch in _chunks(sorted(r for r in refs if r)):
        query = select(Client.ref, Client.id).where(Client.ref.in_(batch))
        ids.update((ref, client_id) for ref, client_id in s.execute(query))
    writable: dict[str, int] = {}
    for ref, client_id in ids.items():
        # Once per client, not per row; the access rules live in access.py alone.
        try:
            client_for_write(s, actor, client_id)
        except DomainError:
            continue
        writable[ref] = client_id
    return writable


def _parse_whole_number(raw: str) -> int | str:
    """The number in a cell, or why it is not one."""
    value = raw.strip()
    if not _WHOLE_NUMBER.fullmatch(value):
        return f"{quote(value)} is not a whole number"  # the wording of rules.rating_problem
    digits = len(value.lstrip("+-0"))
    if digits > 9:  # int() refuses more than 4,300 digits; no answer has more than two
        return f"a number of {digits:,} digits is far too large"
    return int(value)


class _NotATime(ValueError):
    """Why a submitted_at cell is not a usable instant (the message is shown as it is)."""


def _parse_submitted_at(raw: str, tz: ZoneInfo) -> tuple[datetime, bool]:
    """The UTC instant in a submitted_at cell, and whether it was a date alone."""
    value = raw.strip()
    if not value:
        raise _NotATime("is required")
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        raise _NotATime(f"{quote(value)} is not a date or time; {_FORMAT_HINT}")
    try:
        day = date.fromisoformat(match["date"])
    except ValueError:
        raise _NotATime(f"{match['date']} is not a real date") from None
    try:
        if match["hour"] is None:
            return datetime.combine(day, _NOON, tzinfo=tz).astimezone(UTC), True
        try:
            clock = time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0))
        except ValueError:
            raise _NotATime(f"{value} is not a real time of day") from None
        zone = match["zone"]
        if zone is None:
            local = datetime.combine(day, clock, tzinfo=tz)  # fold=0: first of a repeated hour
            round_trip = local.astimezone(UTC).astimezone(tz)
            if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
                raise _NotATime(
                    f"{value} does not exist in {tz.key} (the clocks went forward); "
                    "give the UTC offset"
                )
            return local.astimezone(UTC), False
        if zone == "Z":
            offset = UTC
        else:
            hours, minutes = int(zone[1:3]), int(zone[4:6])
            if hours > 23 or minutes > 59:
                raise _NotATime(f"{zone} is not a UTC offset")
            sign = -1 if zone[0] == "-" else 1
            offset = timezone(sign * timedelta(hours=hours, minutes=minutes))
        return datetime.combine(day, clock, tzinfo=offset).astimezone(UTC), False
    except OverflowError:  # e.g. 0001-01-01T00:00+01:00 falls before year 1 in UTC
        raise _NotATime(f"{value} is outside the dates that can be stored") from None


def _check_row(
    line: int, cells: dict[str, str], writable: dict[str, int], *, tz: ZoneInfo, now: datetime
) -> tuple[_Row | None, list[ImportFault]]:
    faults: list[ImportFault] = []

    def fault(column: str, problem: str) -> None:
        faults.append(ImportFault(line, column, problem))

    for column, value in cells.items():
        if "\x00" in value:
            # PostgreSQL cannot store NUL in text; it is a sign of a binary or UTF-16 file.
            fault(column, "contains a NUL character")
    if faults:
        return None, faults

    raw_ref = cells["client_ref"].strip()
    client_id = writable.get(normalise_ref(raw_ref))
    if not raw_ref:
        fault("client_ref", "is required")
    elif client_id is None:
        # Same words for unknown and not-yours, so an import cannot probe for other clients.
        fault("client_ref", f"no client with ref {raw_ref[:40]} in your caseload")

    submitted_at: datetime | None = None
    date_only = False
    try:
        submitted_at, date_only = _parse_submitted_at(cells["submitted_at"], tz)
    except _NotATime as exc:
        fault("submitted_at", str(exc))

    ratings: dict[str, int | None] = {}
    answered = False
    for name in RATINGS:
        raw = cells.get(name, "")
        if not raw.strip():
            ratings[name] = None
            continue
        answered = True
        parsed = _parse_whole_number(raw)
        if isinstance(parsed, str):
            fault(name, parsed)
        else:
            ratings[name] = parsed

    measure_answers: dict[str, list[int | None]] = {}
    for code, items in _INSTRUMENT_COLUMNS.items():
        instrument = measures.get_instrument(code)
        blank = [item for item in items if not cells.get(item, "").strip()]
        if len(blank) == len(items):
            continue
        answered = True
        answers: list[int | None] = []
        bad = False
        for item in items:
            if item in blank:
                answers.append(None)  # not answered: kept as a partial response
                continue
            parsed = _parse_whole_number(cells[item])
            if isinstance(parsed, str):
                fault(item, parsed)
                bad = True
            elif not instrument.min_answer <= parsed <= instrument.max_answer:
                fault(
                    item,
                    f"{parsed} is out of range {instrument.min_answer}–{instrument.max_answer}",
                )
                bad = True
            else:
                answers.append(parsed)
        if not bad:
            measure_answers[code] = answers

    difficulty: dict[str, int] = {}
    for code, column in _DIFFICULTY_COLUMNS.items():
        raw = cells.get(column, "")
        if not raw.strip():
            continue
        instrument = measures.get_instrument(code)
        parsed = _parse_whole_number(raw)
        if isinstance(parsed, str):
            fault(column, parsed)
        elif parsed not in dict(instrument.difficulty_options):
            fault(column, f"{parsed} is out of range 0–{len(instrument.difficulty_options) - 1}")
        elif all(not cells.get(item, "").strip() for item in _INSTRUMENT_COLUMNS[code]):
            fault(column, f"is answered but no {code} item is; give the items too")
        else:
            difficulty[code] = parsed

    if not answered:
        fault(ROW, "nothing answered; give at least one rating or one measure item")

    texts = {name: cells.get(name, "") for name in TEXT_COLUMNS}
    # The shared rules decide ranges, text length and "in the future", as for every check-in.
    for name, problem in checkin_problems(
        {r: v for r, v in ratings.items() if v is not None},
        texts=texts,
        has_measure=bool(measure_answers),
        submitted_at=submitted_at,
        now=now,
    ).items():
        if name == "":
            continue  # "nothing answered" is stricter for an import and checked above
        if name == "submitted_at" and date_only:
            problem = (
                "is in the future: a date alone means 12:00 noon clinic time; give the time as well"
            )
        fault(name, problem)
    for code, answers in measure_answers.items():
        try:
            measures.score_answers(code, answers)
        except ValueError as exc:
            fault(_INSTRUMENT_COLUMNS[code][0], str(exc))

    if faults or client_id is None or submitted_at is None:
        return None, faults
    return _Row(line, client_id, submitted_at, ratings, texts, measure_answers, difficulty), []


# --- duplicates and conflicts ----------------------------------------------------------------


def _load_existing(s: Session, rows: list[_Row]) -> _Existing:
    """The recorded check-ins at the file's (client, instant) pairs, in a few queries."""
    existing = _Existing()
    if not rows:
        return existing
    wanted = {row.key for row in rows}
    earliest = min(row.submitted_at for row in rows)
    latest = max(row.submitted_at for row in rows)
    for client_ids in _chunks(sorted({row.client_id for row in rows})):
        in_window = (
            CheckIn.client_id.in_(client_ids),
            CheckIn.submitted_at >= earliest,
            CheckIn.submitted_at <= latest,
        )
        found = s.execute(
            select(
                CheckIn.id,
                CheckIn.client_id,
                CheckIn.submitted_at,
                CheckIn.entered_in_error,
                CheckIn.note,
                CheckIn.went_well,
                CheckIn.was_hard,
                *(getattr(CheckIn, r) for r in RATINGS),
            ).where(*in_window)
        ).all()
        found = [c for c in found if (c.client_id, c.submitted_at) in wanted]
        if not found:
            continue
        answers: dict[int, dict[str, list[int]]] = {}
        for checkin_id, instrument, values in s.execute(
            select(MeasureResponse.checkin_id, MeasureResponse.instrument, MeasureResponse.answers)
            .join(CheckIn, MeasureResponse.checkin_id == CheckIn.id)
            .where(*in_window)
        ):
            answers.setdefault(checkin_id, {})[instrument] = list(values)
        for c in found:
            content = _content(
                {r: getattr(c, r) for r in RATINGS},
                {t: getattr(c, t) for t in TEXT_COLUMNS},
                answers.get(c.id, {}),
            )
            target = existing.withdrawn if c.entered_in_error else existing.live
            target.setdefault((c.client_id, c.submitted_at), set()).add(content)
    return existing


def _sort_out_repeats(
    rows: list[_Row], existing: _Existing
) -> tuple[list[_Row], int, list[ImportFault]]:
    """(rows to save, duplicates skipped, conflict faults), in file order."""
    new_rows: list[_Row] = []
    duplicates = 0
    faults: list[ImportFault] = []
    first_in_file: dict[tuple[int, datetime], _Row] = {}
    for row in rows:
        content = row.content
        recorded = existing.live.get(row.key, set()) | existing.withdrawn.get(row.key, set())
        earlier = first_in_file.get(row.key)
        if content in recorded or (earlier is not None and earlier.content == content):
            duplicates += 1
        elif earlier is not None:
            faults.append(
                ImportFault(
                    row.line,
                    "submitted_at",
                    f"conflicts with line {earlier.line}: same client and time, different values",
                )
            )
        elif row.key in existing.live:
            faults.append(
                ImportFault(
                    row.line,
                    "submitted_at",
                    "conflicts with a check-in already recorded for this client at this time "
                    "with different values",
                )
            )
        else:
            first_in_file[row.key] = row
            new_rows.append(row)
    return new_rows, duplicates, faults
