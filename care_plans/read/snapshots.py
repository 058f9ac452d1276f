"""Snapshots of a whole care plan: what every plan revision stores and every plan view is built
from.

A snapshot is the plan as JSON-ready dicts (plan fields, sections, live goals with live steps and
GAS ratings, the client's live contacts), each record with its id and version. The app's saves
(`services/revisions.py`), the demo data and the plan views all build it here, so a stored
revision always has the one shape `plan_views` and restore read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from care_plans.errors import NotFound
from care_plans.models import (
    PLAN_SECTIONS,
    CarePlan,
    GasRating,
    Goal,
    PlanRevision,
    Step,
    SupportContact,
)
from care_plans.read.plan_views import contact_display_order, to_iso

SNAPSHOT_FORMAT = 1


PLAN_DATE_FIELDS = ("start_date", "next_review_date")


def step_record(step: Step) -> dict[str, Any]:
    return {
        "id": step.id,
        "goal_id": step.goal_id,
        "position": step.position,
        "description": step.description,
        "due_date": to_iso(step.due_date),
        "done_on": to_iso(step.done_on),
        "helper_contact_id": step.helper_contact_id,
        "version": step.version,
    }


def goal_record(goal: Goal) -> dict[str, Any]:
    """A goal's own fields (without steps and ratings), as stored in a snapshot."""
    return {
        "id": goal.id,
        "position": goal.position,
        "domain": goal.domain.value,
        "description": goal.description,
        "why_it_matters": goal.why_it_matters,
        "start_date": to_iso(goal.start_date),
        "target_date": to_iso(goal.target_date),
        "lifecycle_status": goal.lifecycle_status.value,
        "achievement_status": goal.achievement_status.value,
        "gas_levels": dict(goal.gas_levels or {}),
        "version": goal.version,
    }


def contact_record(contact: SupportContact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "position": contact.position,
        "name": contact.name,
        "kind": contact.kind.value,
        "role": contact.role,
        "phone": contact.phone,
        "email": contact.email,
        "when_to_contact": contact.when_to_contact,
        "is_crisis_contact": contact.is_crisis_contact,
        "consent_to_share": contact.consent_to_share,
        "consent_date": to_iso(contact.consent_date),
        "version": contact.version,
    }


def plan_record(plan: CarePlan) -> dict[str, Any]:
    """The plan row's fields with its sections flattened in (the unit a plan save checks)."""
    return {
        "id": plan.id,
        "client_id": plan.client_id,
        "status": plan.status.value,
        "start_date": to_iso(plan.start_date),
        "next_review_date": to_iso(plan.next_review_date),
        "version": plan.version,
        **{name: getattr(plan, name) for name in PLAN_SECTIONS},
    }


RECORDS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "plan": plan_record,
    "goal": goal_record,
    "step": step_record,
    "contact": contact_record,
}


def plan_snapshot(session: Session, plan: CarePlan) -> dict[str, Any]:
    """The whole plan as JSON-ready data: live goals (with live steps and GAS ratings) and the
    client's live contacts, each with its id and version. Archived records are left out, which
    is what lets a restore tell which records to archive and which to bring back."""
    goals = session.scalars(
        select(Goal)
        .where(Goal.plan_id == plan.id, Goal.is_archived.is_(False))
        .order_by(Goal.position, Goal.id)
    ).all()
    goal_ids = [g.id for g in goals]
    steps: dict[int, list[dict[str, Any]]] = {gid: [] for gid in goal_ids}
    ratings: dict[int, list[dict[str, Any]]] = {gid: [] for gid in goal_ids}
    if goal_ids:
        for step in session.scalars(
            select(Step)
            .where(Step.goal_id.in_(goal_ids), Step.is_archived.is_(False))
            .order_by(Step.position, Step.id)
        ):
            steps[step.goal_id].append(step_record(step))
        for rating in session.scalars(
            select(GasRating)
            .where(GasRating.goal_id.in_(goal_ids))
            .order_by(GasRating.rated_on, GasRating.id)
        ):
            ratings[rating.goal_id].append(
                {
                    "id": rating.id,
                    "rated_on": to_iso(rating.rated_on),
                    "score": rating.score,
                    "weight": rating.weight,
                }
            )
    contacts = [
        contact_record(c)
        for c in session.scalars(
            select(SupportContact).where(
                SupportContact.client_id == plan.client_id, SupportContact.is_archived.is_(False)
            )
        )
    ]
    record = plan_record(plan)
    return {
        "format": SNAPSHOT_FORMAT,
        "plan": {k: record[k] for k in ("id", "client_id", "status", *PLAN_DATE_FIELDS, "version")},
        "sections": {name: record[name] for name in PLAN_SECTIONS},
        "goals": [
            {**goal_record(g), "steps": steps[g.id], "gas_ratings": ratings[g.id]} for g in goals
        ],
        "contacts": sorted(contacts, key=contact_display_order),
    }


def revision_of(session: Session, plan_id: int, number: int) -> PlanRevision:
    revision = session.scalar(
        select(PlanRevision).where(PlanRevision.plan_id == plan_id, PlanRevision.number == number)
    )
    if revision is None:
        raise NotFound(f"This plan has no revision {number}.")
    return revision
