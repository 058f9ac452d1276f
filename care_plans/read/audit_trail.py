"""The audit trail as administrators see it: filtered by user, client ref, action and dates, and
exported as CSV (cells a spreadsheet would run neutralised). Reading the trail is itself
audited when it leaves the app as a file (`audit.export`).

Events hold ids and field names only, so the trail shows no clinical content; client refs are
shown (administrators manage assignments by ref already), names are not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from care_plans import audit
from care_plans.access import Actor, require_admin
from care_plans.csvsafe import write_csv
from care_plans.db import Database
from care_plans.errors import ValidationError
from care_plans.models import AuditEvent, Client

#: The most events one page shows (the CSV export has no limit).
PAGE_LIMIT = 500

CSV_FIELDS = (
    "seq",
    "at",
    "user",
    "action",
    "entity",
    "entity_id",
    "client_ref",
    "detail",
    "source_address",
)


@dataclass(frozen=True)
class AuditFilter:
    user: str = ""
    client_ref: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: datetime
    user: str
    action: str
    entity: str
    entity_id: int | None
    client_ref: str
    detail: str
    source_address: str


def _statement(f: AuditFilter, tz: ZoneInfo) -> Select[AuditEvent, str | None]:
    if f.since and f.until and f.since > f.until:
        raise ValidationError({"until": "The last day is before the first day."})
    stmt = (
        select(AuditEvent, Client.ref)
        .outerjoin(Client, Client.id == AuditEvent.client_id)
        .order_by(AuditEvent.seq.desc())
    )
    if f.user.strip():
        stmt = stmt.where(AuditEvent.actor == f.user.strip().lower())
    if f.client_ref.strip():
        stmt = stmt.where(Client.ref == f.client_ref.strip().upper())
    if f.action.strip():
        stmt = stmt.where(AuditEvent.action.startswith(f.action.strip(), autoescape=True))
    if f.since:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(f.since, time(), tz))
    if f.until:
        stmt = stmt.where(AuditEvent.at < datetime.combine(f.until + timedelta(days=1), time(), tz))
    return stmt


def _row(event: AuditEvent, ref: str | None) -> AuditRow:
    return AuditRow(
        seq=event.seq,
        at=event.at,
        user=event.actor,
        action=event.action,
        entity=event.entity,
        entity_id=event.entity_id,
        client_ref=ref or "",
        detail=json.dumps(event.detail, sort_keys=True, ensure_ascii=False) if event.detail else "",
        source_address=event.source_address or "",
    )


def search(
    db: Database, actor: Actor, f: AuditFilter, *, tz: ZoneInfo, limit: int | None = PAGE_LIMIT
) -> list[AuditRow]:
    """The newest events matching `f` (administrators only)."""
    stmt = _statement(f, tz)
    if limit is not None:
        stmt = stmt.limit(limit)
    with db.uow() as uow:
        require_admin(uow.session, actor)
        return [_row(e, ref) for e, ref in uow.session.execute(stmt).all()]


def actions(db: Database, actor: Actor) -> list[str]:
    with db.uow() as uow:
        require_admin(uow.session, actor)
        return list(
            uow.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
        )


def export_csv(db: Database, actor: Actor, f: AuditFilter, *, tz: ZoneInfo) -> bytes:
    """Every matching event as CSV; the export is audited with the filter and the row count."""
    stmt = _statement(f, tz)
    with db.uow() as uow:
        require_admin(uow.session, actor)
        rows = [_row(e, ref) for e, ref in uow.session.execute(stmt).all()]
        audit.record(
            uow.session,
            actor,
            "audit.export",
            "audit_events",
            detail={
                "rows": len(rows),
                "user": f.user or None,
                "client_ref": f.client_ref or None,
                "action": f.action or None,
                "since": f.since.isoformat() if f.since else None,
                "until": f.until.isoformat() if f.until else None,
            },
        )
        uow.commit()
    text = write_csv(
        CSV_FIELDS,
        (
            {
                "seq": r.seq,
                "at": r.at.astimezone(tz).isoformat(timespec="seconds"),
                "user": r.user,
                "action": r.action,
                "entity": r.entity,
                "entity_id": r.entity_id,
                "client_ref": r.client_ref,
                "detail": r.detail,
                "source_address": r.source_address,
            }
            for r in rows
        ),
    )
    return text.encode("utf-8")
