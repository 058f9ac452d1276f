"""What the client did on their own link, as the clinician reads it: the plan's agreement state,
steps they ticked, notes they wrote. Shown on the client page, in the session review's "since last
session" and in the summary PDF, from this one read model so the three always agree.

The rules:

* "Agreed by the client on DATE (revision N)" is the latest agreement. The plan has "changed since
  the client agreed" once a later revision exists that the client did not make themselves (their
  own ticks are saves of the plan too, but they do not change what they agreed to).
* A clinician's request to agree again, made after the latest agreement, shows as asked for.
* A step "ticked by the client" is one done now whose tick came from the link (a clinician's later
  tick or un-tick takes that away, see `goals.set_step_done`).
* Actions are in time order, newest first; `since`/`until` (UTC instants) bound them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from care_plans.access import Actor, client_for_read
from care_plans.db import Database
from care_plans.models import (
    ClientGoalNote,
    ClientStepTick,
    Goal,
    PlanAgreement,
    PlanAgreementRequest,
    PlanRevision,
    PlanSectionSharing,
    Step,
)
from care_plans.read.plans import current_plan

#: The name revisions and audit events give the client on their link (see client_portal).
CLIENT_NAME = "client (own link)"

TICKED = "ticked done"
UNTICKED = "marked not done"
NOTE = "wrote a note"
AGREED = "agreed to the plan"


@dataclass(frozen=True)
class AgreementStatus:
    plan_id: int | None
    current_revision: int | None
    agreed_revision: int | None
    agreed_at: datetime | None
    typed_name: str
    #: A later revision, not made by the client, exists.
    changed_since: bool
    #: A clinician asked for agreement again after the latest agreement (or before any).
    asked_at: datetime | None

    @property
    def agreed(self) -> bool:
        return self.agreed_revision is not None


@dataclass(frozen=True)
class ClientAction:
    at: datetime
    kind: str
    goal_id: int
    goal: str
    step_id: int | None
    step: str
    #: The note's text, or the name typed to agree; "" for a tick.
    text: str
    revision: int | None


@dataclass(frozen=True)
class ClientActivity:
    status: AgreementStatus
    actions: tuple[ClientAction, ...]
    #: step id -> when the client ticked it, for steps done now by the client's own tick.
    ticked_by_client: dict[int, datetime]
    #: Plan sections kept for clinicians only (not shown on the link).
    hidden_sections: frozenset[str]

    def notes_for(self, goal_id: int) -> tuple[ClientAction, ...]:
        return tuple(a for a in self.actions if a.kind == NOTE and a.goal_id == goal_id)


def _status(s: Session, plan_id: int | None) -> AgreementStatus:
    if plan_id is None:
        return AgreementStatus(None, None, None, None, "", False, None)
    current = s.scalar(
        select(PlanRevision.number)
        .where(PlanRevision.plan_id == plan_id)
        .order_by(PlanRevision.number.desc())
        .limit(1)
    )
    agreement = s.scalar(
        select(PlanAgreement)
        .where(PlanAgreement.plan_id == plan_id)
        .order_by(PlanAgreement.agreed_at.desc(), PlanAgreement.id.desc())
        .limit(1)
    )
    asked = select(PlanAgreementRequest.requested_at).where(PlanAgreementRequest.plan_id == plan_id)
    if agreement is not None:
        asked = asked.where(PlanAgreementRequest.requested_at > agreement.agreed_at)
    asked_at = s.scalar(asked.order_by(PlanAgreementRequest.requested_at.desc()).limit(1))
    changed = False
    if agreement is not None:
        changed = (
            s.scalar(
                select(PlanRevision.id)
                .where(
                    PlanRevision.plan_id == plan_id,
                    PlanRevision.number > agreement.revision_number,
                    PlanRevision.created_by_name != CLIENT_NAME,
                )
                .limit(1)
            )
            is not None
        )
    return AgreementStatus(
        plan_id=plan_id,
        current_revision=current,
        agreed_revision=agreement.revision_number if agreement else None,
        agreed_at=agreement.agreed_at if agreement else None,
        typed_name=agreement.typed_name if agreement else "",
        changed_since=changed,
        asked_at=asked_at,
    )


def client_activity(
    db: Database,
    actor: Actor,
    client_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ClientActivity:
    """The client's current plan's agreement state and what they did on their link."""
    with db.uow() as uow:
        s = uow.session
        client_for_read(s, actor, client_id)
        plan = current_plan(s, client_id)
        plan_id = plan.id if plan is not None else None
        status = _status(s, plan_id)
        actions: list[ClientAction] = []

        def bounded(column: InstrumentedAttribute[datetime]) -> list[ColumnElement[bool]]:
            where: list[ColumnElement[bool]] = []
            if since is not None:
                where.append(column >= since)
            if until is not None:
                where.append(column < until)
            return where

        for tick, step, goal in s.execute(
            select(ClientStepTick, Step, Goal)
            .join(Step, Step.id == ClientStepTick.step_id)
            .join(Goal, Goal.id == Step.goal_id)
            .where(ClientStepTick.client_id == client_id, *bounded(ClientStepTick.at))
        ).all():
            actions.append(
                ClientAction(
                    tick.at,
                    TICKED if tick.done else UNTICKED,
                    goal.id,
                    goal.description,
                    step.id,
                    step.description,
                    "",
                    tick.revision_number,
                )
            )
        for note, goal in s.execute(
            select(ClientGoalNote, Goal)
            .join(Goal, Goal.id == ClientGoalNote.goal_id)
            .where(ClientGoalNote.client_id == client_id, *bounded(ClientGoalNote.created_at))
        ).all():
            actions.append(
                ClientAction(
                    note.created_at, NOTE, goal.id, goal.description, None, "", note.text, None
                )
            )
        for agreement in s.scalars(
            select(PlanAgreement).where(
                PlanAgreement.client_id == client_id, *bounded(PlanAgreement.agreed_at)
            )
        ):
            actions.append(
                ClientAction(
                    agreement.agreed_at,
                    AGREED,
                    0,
                    "",
                    None,
                    "",
                    agreement.typed_name,
                    agreement.revision_number,
                )
            )
        ticked: dict[int, datetime] = {}
        hidden: frozenset[str] = frozenset()
        if plan_id is not None:
            ticked = {
                step_id: at
                for step_id, at in s.execute(
                    select(Step.id, Step.done_by_client_at)
                    .join(Goal, Goal.id == Step.goal_id)
                    .where(
                        Goal.plan_id == plan_id,
                        Step.done_on.is_not(None),
                        Step.done_by_client_at.is_not(None),
                    )
                )
                if at is not None
            }  # always, by the query: narrows the type
            hidden = frozenset(
                s.scalars(
                    select(PlanSectionSharing.section).where(
                        PlanSectionSharing.plan_id == plan_id,
                        PlanSectionSharing.shown_to_client.is_(False),
                    )
                )
            )
    actions.sort(key=lambda a: a.at, reverse=True)
    return ClientActivity(status, tuple(actions), ticked, hidden)
