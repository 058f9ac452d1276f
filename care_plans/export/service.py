"""Exports as use-cases: gather the data (access-checked), write the file, record that it was
made. The dashboard's download buttons and the `care-plans export-*` commands call these.

Why a module of its own: every file that leaves with a client's record in it is an audit event
at the moment it is generated, whoever asked for it and however. The event holds ids, options,
the period, the file's SHA-256 (to recognise the file later) and how many characters of the PDFs'
text no font could print (`replaced_glyphs`: printed as a replacement mark, never dropped), never
names or clinical values.
The generation time is an input, so a fixed time gives byte-identical files.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import uuid
import weakref
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from care_plans import audit, dates, versions
from care_plans.access import Actor, client_for_read
from care_plans.config import Settings
from care_plans.db import Database
from care_plans.errors import ValidationError
from care_plans.export import consent, pdf
from care_plans.export.consent import Mention, UnconsentedMentions
from care_plans.read import export_data

PDF = "application/pdf"
JSON = "application/fhir+json"
ZIP = "application/zip"
MAX_BATCH = 200


@dataclass(frozen=True)
class ExportFile:
    file_name: str
    mime: str
    content: bytes


def _now(generated_at: datetime | None) -> datetime:
    if generated_at is None:
        return datetime.now(UTC).replace(microsecond=0)
    if generated_at.tzinfo is None:
        raise ValueError("generated_at must be timezone-aware")
    return generated_at


def _record(
    db: Database, actor: Actor, action: str, client_id: int, content: bytes, detail: dict[str, Any]
) -> None:
    with db.uow() as uow:
        client_for_read(uow.session, actor, client_id)
        audit.record(
            uow.session,
            actor,
            action,
            "client",
            client_id,
            client_id=client_id,
            detail={**detail, "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()},
        )
        uow.commit()


Acknowledged = frozenset[tuple[int, str, str]]


def record_mentions(record: export_data.RecordData, include_unconsented: bool) -> list[Mention]:
    """Where the FHIR bundle's free text names a contact it otherwise leaves out."""
    texts = (
        consent.plan_texts(record.plan)
        + consent.session_texts(record.sessions)
        + consent.contact_texts(record.contacts)
    )
    for checkin in record.checkins:
        if checkin.entered_in_error:
            continue  # a withdrawn check-in goes out without its notes
        texts += [
            consent.Text(
                f"checkin:{checkin.id}:{field}",
                f"Check-in of {dates.show_day(checkin.submitted_at.date())} ({label})",
                text,
            )
            for field, label, text in (
                ("went_well", "went well", checkin.went_well),
                ("was_hard", "was hard", checkin.was_hard),
            )
        ]
    return consent.find_mentions(texts, consent.withheld_contacts(record.plan, include_unconsented))


def summary_mentions(summary: export_data.SummaryData) -> list[Mention]:
    """Where the summary PDF's free text names a contact it otherwise leaves out."""
    latest = [summary.latest_session] if summary.latest_session is not None else []
    texts = (
        consent.plan_texts(summary.plan)
        + consent.session_texts(latest, with_summary=not summary.client_copy)
        + consent.contact_texts(summary.contacts)
        + [
            consent.Text(
                f"client_note:{note.at.isoformat()}:{note.kind}",
                f"Client's note of {dates.show_day(note.at.date())}",
                note.text,
            )
            for note in summary.notes
        ]
    )
    return consent.find_mentions(
        texts, consent.withheld_contacts(summary.plan, summary.include_unconsented)
    )


def _check_mentions(mentions: list[Mention], proceed_with: Acknowledged | None) -> bool:
    """Refuse unless every mention was shown and the clinician chose to proceed; whether
    there were any (for the audit event)."""
    unacknowledged = [
        m
        for m in mentions
        if (m.contact_id, m.field, m.matched) not in (proceed_with or frozenset())
    ]
    if unacknowledged:
        raise UnconsentedMentions(unacknowledged)
    return bool(mentions)


def summary_file_name(ref: str, period: dates.Period, client_copy: bool) -> str:
    copy = "-client-copy" if client_copy else ""
    return f"{ref}-session-summary-{period.since}-to-{period.until}{copy}.pdf"


def crisis_file_name(ref: str) -> str:
    return f"{ref}-crisis-plan.pdf"


def fhir_file_name(ref: str) -> str:
    return f"{ref}-fhir-r4.json"


def planned_summary(
    db: Database,
    actor: Actor,
    client_id: int,
    *,
    settings: Settings,
    since: date | None = None,
    until: date | None = None,
    client_copy: bool = False,
    today: date,
) -> tuple[dates.Period, str]:
    """The period a summary made now would cover and its file name, without making it (for
    the page to show, and to refuse a file name before anything is generated)."""
    ref, period = export_data.plan_period(
        db, actor, client_id, today=today, since=since, until=until
    )
    return period, summary_file_name(ref, period, client_copy)


def _summary(
    db: Database,
    actor: Actor,
    client_id: int,
    settings: Settings,
    at: datetime,
    *,
    since: date | None = None,
    until: date | None = None,
    client_copy: bool = False,
    include_unconsented: bool = False,
) -> export_data.SummaryData:
    return export_data.summary_data(
        db,
        actor,
        client_id,
        since=since,
        until=until,
        include_unconsented=include_unconsented,
        client_copy=client_copy,
        tz=settings.tz,
        today=at.astimezone(settings.tz).date(),
        clinic_name=settings.clinic_name,
        crisis_message=settings.crisis_message,
    )


Images = tuple[bytes | None, bytes | None]

#: How many summaries' chart pictures (about 150 kB each) a process keeps.
CHART_CACHE_SIZE = 64
_chart_cache: OrderedDict[Hashable, Images] = OrderedDict()
_chart_lock = threading.Lock()
#: A token per Database: client ids and versions mean nothing across databases (tests make
#: many, and two in-memory SQLite databases have the same URL).
_db_tokens: weakref.WeakKeyDictionary[Database, str] = weakref.WeakKeyDictionary()


def _chart_key(
    db: Database,
    actor: Actor,
    client_id: int,
    version: tuple[int, int],
    summary: export_data.SummaryData,
) -> Hashable:
    """Everything the charts are drawn from: the database, who asks (as the pages key theirs),
    the client, the data version and the period."""
    with _chart_lock:
        token = _db_tokens.setdefault(db, uuid.uuid4().hex)
    period = summary.period
    return (
        token,
        actor,
        client_id,
        version,
        period.since,
        period.until,
        str(summary.tz),
        summary.progress.x_domain,
        summary.client_copy,
    )


def _summary_images(key: Hashable, summary: export_data.SummaryData) -> Images:
    """The summary's two chart PNGs (ratings, measures), drawn once per client, data version
    and period: drawing them is most of a PDF's time. `key` (`_chart_key`) holds the client
    and the version read before `summary`, so a write made meanwhile makes a key of its own."""
    with _chart_lock:
        cached = _chart_cache.get(key)
        if cached is not None:
            _chart_cache.move_to_end(key)
            return cached
    images = (
        pdf.ratings_png(summary),
        None if summary.client_copy else pdf.measures_png(summary),
    )
    with _chart_lock:
        _chart_cache[key] = images
        _chart_cache.move_to_end(key)
        while len(_chart_cache) > CHART_CACHE_SIZE:
            _chart_cache.popitem(last=False)
    return images


def clear_chart_cache() -> None:
    with _chart_lock:
        _chart_cache.clear()


def export_pdf(
    db: Database,
    actor: Actor,
    client_id: int,
    *,
    settings: Settings,
    since: date | None = None,
    until: date | None = None,
    client_copy: bool = False,
    include_unconsented: bool = False,
    generated_at: datetime | None = None,
    proceed_with: Acknowledged | None = None,
) -> ExportFile:
    """The session summary PDF of one client (default period: since the session before the
    most recent one), audited as "export.pdf".

    Raises UnconsentedMentions, making nothing, when its text names a contact without consent
    to share and `proceed_with` (`consent.keys` of the mentions shown) does not cover it."""
    at = _now(generated_at)
    # Read before the data: a write in between gives a newer version, never a stale chart.
    version = versions.client_record_version(db, actor, client_id)
    summary = _summary(
        db,
        actor,
        client_id,
        settings,
        at,
        since=since,
        until=until,
        client_copy=client_copy,
        include_unconsented=include_unconsented,
    )
    mentions = summary_mentions(summary)
    proceeded = _check_mentions(mentions, proceed_with)
    images = _summary_images(_chart_key(db, actor, client_id, version, summary), summary)
    printed = pdf.print_session_summary(summary, at, images)
    content = printed.content
    _record(
        db,
        actor,
        "export.pdf",
        client_id,
        content,
        {
            "since": summary.period.since.isoformat(),
            "until": summary.period.until.isoformat(),
            "client_copy": client_copy,
            "include_unconsented": include_unconsented,
            "replaced_glyphs": printed.replaced_glyphs,
            **consent.audit_detail(mentions, proceeded),
        },
    )
    return ExportFile(
        summary_file_name(summary.client.ref, summary.period, client_copy), PDF, content
    )


def export_crisis_plan(
    db: Database,
    actor: Actor,
    client_id: int,
    *,
    settings: Settings,
    generated_at: datetime | None = None,
) -> ExportFile:
    """The client's one-page crisis plan, audited as "export.crisis_pdf".

    It lists every crisis contact, consent to share or not: the page is the client's own, for
    them to keep, and a crisis plan must never lose the number to ring (consent governs
    sharing a contact's details with others: the summary and the FHIR export honour it)."""
    at = _now(generated_at)
    summary = _summary(
        db, actor, client_id, settings, at, client_copy=True, include_unconsented=True
    )
    printed = pdf.print_crisis_plan(summary, at)
    content = printed.content
    _record(
        db,
        actor,
        "export.crisis_pdf",
        client_id,
        content,
        {
            "crisis_contacts": len(summary.crisis_contacts),
            "replaced_glyphs": printed.replaced_glyphs,
        },
    )
    return ExportFile(crisis_file_name(summary.client.ref), PDF, content)


def export_fhir(
    db: Database,
    actor: Actor,
    client_id: int,
    *,
    include_unconsented: bool = False,
    generated_at: datetime | None = None,
    settings: Settings | None = None,
    proceed_with: Acknowledged | None = None,
) -> ExportFile:
    """The client's record as a FHIR R4 collection Bundle (UTF-8 JSON), audited as
    "export.fhir". Refuses as `export_pdf` does when free text names an unconsented contact.
    """
    at = _now(generated_at)
    record = export_data.record_data(db, actor, client_id, include_unconsented=include_unconsented)
    mentions = record_mentions(record, include_unconsented)
    proceeded = _check_mentions(mentions, proceed_with)
    from care_plans.export import fhir  # not imported by the PDF exports (`care-plans export-pdf`)

    bundle = fhir.client_bundle(
        record, generated_at=at, clinic_uri=settings.clinic_uri if settings else ""
    )
    content = (json.dumps(bundle, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    _record(
        db,
        actor,
        "export.fhir",
        client_id,
        content,
        {
            "include_unconsented": include_unconsented,
            "entries": len(bundle["entry"]),
            **consent.audit_detail(mentions, proceeded),
        },
    )
    return ExportFile(fhir_file_name(record.client.ref), JSON, content)


def fhir_mentions(
    db: Database, actor: Actor, client_id: int, *, include_unconsented: bool = False
) -> list[Mention]:
    """What the FHIR export would flag, before it is made (for the page and the CLI)."""
    return record_mentions(
        export_data.record_data(db, actor, client_id, include_unconsented=include_unconsented),
        include_unconsented,
    )


def pdf_mentions(
    db: Database,
    actor: Actor,
    client_id: int,
    *,
    settings: Settings,
    since: date | None = None,
    until: date | None = None,
    client_copy: bool = False,
    include_unconsented: bool = False,
    generated_at: datetime | None = None,
) -> list[Mention]:
    """What the summary PDF would flag, before it is made."""
    summary = _summary(
        db,
        actor,
        client_id,
        settings,
        _now(generated_at),
        since=since,
        until=until,
        client_copy=client_copy,
        include_unconsented=include_unconsented,
    )
    return summary_mentions(summary)


def export_batch_zip(
    db: Database,
    actor: Actor,
    client_ids: Sequence[int],
    *,
    settings: Settings,
    client_copy: bool = False,
    generated_at: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    proceed_despite_mentions: bool = False,
) -> ExportFile:
    """One session summary per client (each with its default period) in a zip file.

    Access to every client is checked before anything is generated; each PDF is audited as it
    is made. `progress(done, total)` is called after each client. When any summary's text
    names a contact without consent to share, nothing is made (UnconsentedMentions naming
    the clients) unless `proceed_despite_mentions`.
    """
    ids = list(dict.fromkeys(client_ids))
    if not ids:
        raise ValidationError({"clients": "Choose at least one client."})
    if len(ids) > MAX_BATCH:
        raise ValidationError({"clients": f"Export at most {MAX_BATCH} clients at a time."})
    with db.uow() as uow:
        for client_id in ids:
            client_for_read(uow.session, actor, client_id)
    at = _now(generated_at)
    flagged: dict[int, list[Mention]] = {}
    for client_id in ids:
        found = pdf_mentions(
            db, actor, client_id, settings=settings, client_copy=client_copy, generated_at=at
        )
        if found:
            flagged[client_id] = found
    if flagged and not proceed_despite_mentions:
        with db.uow() as uow:
            refs = sorted(client_for_read(uow.session, actor, cid).ref for cid in flagged)
        raise UnconsentedMentions(
            [m for found in flagged.values() for m in found],
            prefix=f"Summaries of {', '.join(refs)}: ",
        )
    stamp = at.astimezone(settings.tz).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for done, client_id in enumerate(ids, start=1):
            exported = export_pdf(
                db,
                actor,
                client_id,
                settings=settings,
                client_copy=client_copy,
                generated_at=at,
                proceed_with=consent.keys(flagged.get(client_id, [])),
            )
            # A fixed entry time: the same data and time give the same zip.
            info = zipfile.ZipInfo(exported.file_name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o640 << 16
            archive.writestr(info, exported.content)
            if progress is not None:
                progress(done, len(ids))
    day = at.astimezone(settings.tz).date()
    return ExportFile(f"session-summaries-{day}.zip", ZIP, buffer.getvalue())
