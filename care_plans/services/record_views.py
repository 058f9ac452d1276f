"""Reading a client's record is audited: once per client per sign-in session.

Why once per sign-in and not per page run: Streamlit reruns the page on every click, and an
audit trail with a hundred identical views per visit hides the one that matters. The sign-in
session's id is the event's entity, so "who opened which record in which sign-in" is one query.
"""

from __future__ import annotations

from sqlalchemy import select

from care_plans import audit
from care_plans.access import Actor, client_for_read
from care_plans.db import Database
from care_plans.models import AuditEvent

VIEW_ACTION = "client.view"


def record_view(
    db: Database, actor: Actor, client_id: int, signin_id: int | None, page: str
) -> bool:
    """Audit that `actor` opened `client_id`'s record; False when this sign-in already did."""
    with db.uow() as uow:
        s = uow.session
        client_for_read(s, actor, client_id)
        seen = s.scalar(
            select(AuditEvent.id)
            .where(
                AuditEvent.action == VIEW_ACTION,
                AuditEvent.client_id == client_id,
                AuditEvent.entity == "signin_session",
                AuditEvent.entity_id == signin_id,
                AuditEvent.actor == actor.username,
            )
            .limit(1)
        )
        if seen is not None:
            return False
        audit.record(
            s,
            actor,
            VIEW_ACTION,
            "signin_session",
            signin_id,
            client_id=client_id,
            detail={"page": page},
        )
        uow.commit()
        return True
