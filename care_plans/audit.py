"""The audit trail: who did what to which record, when. Append-only.

`detail` holds identifiers, field names and counts, never client names or clinical values, so the
trail can be shown to an auditor and logged without disclosing a record.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from care_plans.access import Actor
from care_plans.models import AuditEvent, utcnow

log = logging.getLogger("care_plans.audit")


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None = None,
    *,
    client_id: int | None = None,
    detail: dict[str, Any] | None = None,
    source_address: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        at=utcnow(),
        actor=actor.username,
        actor_id=actor.user_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        client_id=client_id,
        detail=detail or None,
        source_address=source_address,
    )
    session.add(event)
    log.info("audit %s %s %s#%s", actor.username, action, entity, entity_id)
    return event
