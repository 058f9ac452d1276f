"""Self-harm follow-up: closing the loop on a PHQ-9 item-9 endorsement.

Why this exists: an endorsement of the self-harm item must be followed up by a clinician,
whatever the total. Until someone records who was contacted and what was agreed, the client
carries the "self-harm item" flag and an alert is pinned above the caseload. Recording the
follow-up is once only (the first record stands), and the audit trail keeps the ids, never the
note, which is clinical content.
"""

from __future__ import annotations

from sqlalchemy import select

from care_plans import audit
from care_plans.access import Actor, client_for_write
from care_plans.db import Database
from care_plans.errors import NotFound, ValidationError
from care_plans.models import CheckIn, MeasureResponse, utcnow
from care_plans.rules import MAX_TEXT

NOTE_REQUIRED = "Describe the follow-up (who was contacted, what was agreed)."


def record_risk_follow_up(
    db: Database, actor: Actor, *, measure_response_id: int, note: str
) -> None:
    """Record that a self-harm endorsement was followed up, by whom, when and how.

    Needs write access to the client. Refuses (ValidationError) an empty or over-long note, a
    response without a self-harm endorsement, one whose check-in was entered in error, and one
    already followed up.
    """
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": NOTE_REQUIRED})
    if len(note) > MAX_TEXT:
        raise ValidationError({"note": f"is {len(note)} characters long; the limit is {MAX_TEXT}"})
    with db.uow() as uow:
        s = uow.session
        # Locked on PostgreSQL, so two clinicians saving at once cannot both record one.
        response = s.scalar(
            select(MeasureResponse)
            .where(MeasureResponse.id == measure_response_id)
            .with_for_update()
        )
        if response is None:
            raise NotFound("No such measure response.")
        client_for_write(s, actor, response.client_id)
        if not response.risk_flag:
            raise ValidationError(
                {
                    "": "This response did not endorse the self-harm item; there is nothing to "
                    "follow up."
                }
            )
        in_error = s.scalar(
            select(CheckIn.entered_in_error).where(CheckIn.id == response.checkin_id)
        )
        if in_error:
            raise ValidationError(
                {"": "This check-in was marked as entered in error; there is nothing to follow up."}
            )
        if response.risk_followed_up_at is not None:
            raise ValidationError({"": "This self-harm item has already been followed up."})
        response.risk_followed_up_at = utcnow()
        response.risk_followed_up_by_id = actor.user_id
        response.risk_follow_up_note = note
        audit.record(
            s,
            actor,
            "risk.follow_up",
            "measure_response",
            response.id,
            client_id=response.client_id,
            detail={"checkin_id": response.checkin_id},
        )
        uow.commit()
