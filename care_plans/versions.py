"""Data versions: a number that changes whenever a client's record may have changed.

Why: pages cache what they draw (charts, progress frames) between reruns, and a cache must
never show a clinician something older than the database, including a write made on another
app server. Every write of client data is audited in the same transaction (a rule of this
codebase: services write, audit, commit), so the newest audit event about the client, with the
newest event about no particular client (imports, seeding, account changes), is such a number.
It costs two index lookups, and reading it checks the actor's access like any other read.
"""

from __future__ import annotations

from sqlalchemy import func, select

from care_plans.access import Actor, client_for_read, readable_client_ids
from care_plans.db import Database
from care_plans.models import AuditEvent


def client_data_version(db: Database, actor: Actor, client_id: int) -> tuple[int, int]:
    """(newest audit id of this client, newest audit id of no client); AccessDenied or
    NotFound when the actor may not read the client."""
    with db.uow() as uow:
        s = uow.session
        client_for_read(s, actor, client_id)
        own = s.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.client_id == client_id))
        shared = s.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.client_id.is_(None)))
    return own or 0, shared or 0


def clinic_data_version(db: Database, actor: Actor) -> int:
    """The newest audit id of the whole clinic: it changes with every write to any client or
    account, here or on another app server. For pages over many clients at once (the outcomes
    page). AccessDenied for an administrator or an inactive account, as the read would be."""
    with db.uow() as uow:
        s = uow.session
        readable_client_ids(s, actor)
        return s.scalar(select(func.max(AuditEvent.id))) or 0


def client_record_version(db: Database, actor: Actor, client_id: int) -> tuple[int, int]:
    """`client_data_version` leaving out the audit events of exports: making a file changes
    nothing in the record, so an export does not make what was drawn from the record stale
    (the PDF charts cached by `care_plans.export.service`). Any other event counts: a version
    that changes too often only costs a redraw."""
    with db.uow() as uow:
        s = uow.session
        client_for_read(s, actor, client_id)
        own = s.scalar(
            select(AuditEvent.id)
            .where(AuditEvent.client_id == client_id, AuditEvent.action.not_like("export.%"))
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        shared = s.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.client_id.is_(None)))
    return own or 0, shared or 0
