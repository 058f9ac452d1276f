"""Reading a care plan: the current plan as a frozen view, its revisions and their diffs.

The saves live in `care_plans.services.plans`; everything here only reads, behind one access
check per call.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from care_plans.access import Actor, client_for_read
from care_plans.db import Database
from care_plans.errors import NotFound
from care_plans.models import CarePlan, PlanRevision, PlanStatus
from care_plans.read.plan_views import Change, PlanView, RevisionInfo, diff_snapshots, plan_view
from care_plans.read.snapshots import plan_snapshot, revision_of


def current_plan(session: Session, client_id: int) -> CarePlan | None:
    """The client's active plan, or else their newest one."""
    return session.scalar(
        select(CarePlan)
        .where(CarePlan.client_id == client_id)
        .order_by((CarePlan.status == PlanStatus.ACTIVE).desc(), CarePlan.id.desc())
        .limit(1)
    )


def _plan_for_read(session: Session, actor: Actor, plan_id: int) -> CarePlan:
    plan = session.get(CarePlan, plan_id)
    if plan is None:
        raise NotFound("No such care plan.")
    client_for_read(session, actor, plan.client_id)
    return plan


def get_plan(db: Database, actor: Actor, client_id: int, plan_id: int | None = None) -> PlanView:
    """The client's current plan (the active one, else the newest), or the plan `plan_id`."""
    with db.uow() as uow:
        s = uow.session
        client_for_read(s, actor, client_id)
        plan = current_plan(s, client_id) if plan_id is None else s.get(CarePlan, plan_id)
        if plan is None or plan.client_id != client_id:
            raise NotFound("This client has no such care plan.")
        # Header columns only: the stored snapshots are not needed for a count.
        count = (
            s.scalar(select(func.count(PlanRevision.id)).where(PlanRevision.plan_id == plan.id))
            or 0
        )
        last = s.execute(
            select(PlanRevision.created_at, PlanRevision.created_by_name)
            .where(PlanRevision.plan_id == plan.id)
            .order_by(PlanRevision.number.desc())
            .limit(1)
        ).first()
        return plan_view(
            plan_snapshot(s, plan), count, last[0] if last else None, last[1] if last else None
        )


def list_revisions(db: Database, actor: Actor, plan_id: int) -> list[RevisionInfo]:
    """Every revision of the plan, newest first."""
    with db.uow() as uow:
        _plan_for_read(uow.session, actor, plan_id)
        rows = uow.session.execute(
            select(
                PlanRevision.number,
                PlanRevision.created_at,
                PlanRevision.created_by_name,
                PlanRevision.reason,
            )
            .where(PlanRevision.plan_id == plan_id)
            .order_by(PlanRevision.number.desc())
        ).all()
        return [RevisionInfo(*row) for row in rows]


def get_revision(db: Database, actor: Actor, plan_id: int, number: int) -> dict[str, Any]:
    with db.uow() as uow:
        _plan_for_read(uow.session, actor, plan_id)
        return dict(revision_of(uow.session, plan_id, number).snapshot)


def diff_revisions(db: Database, actor: Actor, plan_id: int, a: int, b: int) -> list[Change]:
    """What changed from revision `a` to revision `b` (pass the older one first)."""
    with db.uow() as uow:
        _plan_for_read(uow.session, actor, plan_id)
        return diff_snapshots(
            revision_of(uow.session, plan_id, a).snapshot,
            revision_of(uow.session, plan_id, b).snapshot,
        )
