"""Plan revisions: the snapshot each one holds, writing them, checking a save against them,
restoring one.

Every save of a plan keeps a revision holding a snapshot of the WHOLE plan. Whatever is saved (a
section, a goal, a step, a contact, the status, a discharge), once the plan row is locked the
save follows the same path through the helpers here:

    version check -> validate -> (revision 1) -> change -> flush -> new revision -> audit -> commit

Revision 1 is the plan as it was before its first saved change (a new client's draft plan has
no revision until then), so the first edit is revision 2 and can be compared with, or undone to,
the state it started from. A stale save is refused naming the fields someone else changed and
who saved them, both read back from the revisions. A restore archives what came after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from care_plans import audit
from care_plans.access import Actor
from care_plans.dates import show_time_in_full
from care_plans.db import UnitOfWork
from care_plans.errors import EditConflict
from care_plans.models import (
    PLAN_SECTIONS,
    CarePlan,
    ContactKind,
    Goal,
    GoalAchievement,
    GoalLifecycle,
    PlanRevision,
    RecoveryDomain,
    Step,
    SupportContact,
    utcnow,
)
from care_plans.read.plan_views import (
    CONTACT_FIELD_LABELS,
    from_iso,
)
from care_plans.read.snapshots import (
    RECORDS,
    plan_snapshot,
)

INITIAL_REASON = "plan as it was before the first saved change"

What = Literal["plan", "goal", "step", "contact"]


@dataclass(frozen=True)
class Saved:
    """What a save returns: the record saved, its new version, the revision written (or None
    when the values given were already the stored ones, so nothing was written)."""

    id: int
    version: int
    revision: int | None

    @classmethod
    def unchanged(cls, record: Any) -> Saved:
        return cls(record.id, record.version, None)


# --- Snapshots ---------------------------------------------------------------------------------


# --- Writing -----------------------------------------------------------------------------------


def _race(what: str) -> EditConflict:
    return EditConflict(
        f"Someone else saved this {what} at the same moment. Your changes were not saved."
    )


def flush_or_conflict(session: Session, what: str) -> None:
    try:
        session.flush()
    except StaleDataError:
        # The version check passed, but another save updated the row before ours reached it.
        raise _race(what) from None


def commit(uow: UnitOfWork, what: str) -> None:
    try:
        uow.commit()
    except StaleDataError:
        raise _race(what) from None


def apply_changes(record: object, values: Mapping[str, object]) -> list[str]:
    """Set the values that differ from the stored ones; return the names of those fields."""
    changed = []
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed.append(name)
    return changed


def write_revision(session: Session, actor: Actor, plan: CarePlan, reason: str) -> PlanRevision:
    last = session.scalar(
        select(func.max(PlanRevision.number)).where(PlanRevision.plan_id == plan.id)
    )
    revision = PlanRevision(
        plan_id=plan.id,
        number=(last or 0) + 1,
        created_at=utcnow(),
        created_by_id=actor.user_id,
        created_by_name=actor.username,
        reason=reason,
        snapshot=plan_snapshot(session, plan),
    )
    session.add(revision)
    session.flush()
    return revision


def ensure_initial_revision(
    session: Session, actor: Actor, plan: CarePlan | None
) -> PlanRevision | None:
    """Keep the plan as it is now as revision 1, if it has no revision yet. Call before
    changing anything, inside the save's unit of work (so a refused save keeps none).
    Without a plan (a client no service made) there is nothing to keep."""
    if plan is None or session.scalar(
        select(PlanRevision.id).where(PlanRevision.plan_id == plan.id).limit(1)
    ):
        return None
    return write_revision(session, actor, plan, INITIAL_REASON)


def save_revision(session: Session, actor: Actor, plan: CarePlan, reason: str, what: str) -> int:
    """Flush the changes made and keep the new revision; returns its number."""
    flush_or_conflict(session, what)
    return write_revision(session, actor, plan, reason).number


def finish_save(
    uow: UnitOfWork,
    actor: Actor,
    plan: CarePlan | None,
    record: Any,
    *,
    reason: str,
    what: str,
    action: str,
    entity: str,
    fields: Iterable[str] | None = None,
    detail: Mapping[str, int] | None = None,
) -> Saved:
    """Flush, keep the new revision (when there is a plan to keep it in), audit (ids and field
    names only) and commit."""
    s = uow.session
    number: int | None = None
    if plan is not None:
        number = save_revision(s, actor, plan, reason, what)
    else:
        flush_or_conflict(s, what)
    info: dict[str, Any] = {**(detail or {})}
    if number is not None:
        info["revision"] = number
    if fields is not None:
        info["fields"] = sorted(fields)
    client_id = plan.client_id if plan is not None else record.client_id
    audit.record(s, actor, action, entity, record.id, client_id=client_id, detail=info)
    saved = Saved(record.id, record.version, number)
    commit(uow, what)
    return saved


def save_values(
    uow: UnitOfWork,
    actor: Actor,
    plan: CarePlan | None,
    record: Any,
    values: Mapping[str, object],
    *,
    reason: str,
    what: str,
    action: str,
    entity: str,
) -> Saved:
    """Save validated `values` on `record` as one revision, naming the fields that changed;
    nothing is written when they are the stored ones."""
    if all(getattr(record, k) == v for k, v in values.items()):
        return Saved.unchanged(record)
    ensure_initial_revision(uow.session, actor, plan)
    changed = apply_changes(record, values)
    return finish_save(
        uow,
        actor,
        plan,
        record,
        reason=reason,
        what=what,
        action=action,
        entity=entity,
        fields=changed,
    )


# --- Version check -----------------------------------------------------------------------------


def _find_record(snapshot: Mapping[str, Any], what: str, record_id: int) -> dict[str, Any] | None:
    if what == "plan":
        return {**snapshot["plan"], **snapshot["sections"]}
    if what == "contact":
        items: Iterable[dict[str, Any]] = snapshot.get("contacts", [])
    elif what == "goal":
        items = snapshot.get("goals", [])
    else:
        items = (s for g in snapshot.get("goals", []) for s in g.get("steps", []))
    return next((item for item in items if item.get("id") == record_id), None)


def _when(moment: datetime, tz: tzinfo | None) -> str:
    """ "on 3 March 2026 at 14:05" (always with the day: no clock decides what "today" is)."""
    return f"on {show_time_in_full(moment, tz)}"


def check_version(
    session: Session,
    actor: Actor,
    *,
    plan_id: int,
    what: What,
    current: Mapping[str, Any],
    expected_version: int,
    fields: Iterable[str],
    tz: tzinfo | None = None,
) -> None:
    """Refuse a save made from an out-of-date copy of a record.

    `current` is the record as stored now (as in a snapshot); `fields` are the ones the editor
    is saving. `changed` names every field that differs between the version the editor opened
    (found in the revision snapshots) and now; without such a snapshot, the current values of
    the fields being saved.
    """
    if current["version"] == expected_version:
        return
    opened: dict[str, Any] | None = None
    saved_in: PlanRevision | None = None
    with session.scalars(
        select(PlanRevision)
        .where(PlanRevision.plan_id == plan_id)
        .order_by(PlanRevision.number.desc())
        .execution_options(yield_per=20)
    ) as revisions:
        # Newest first: the last revision seen at the current version is the save that made it.
        for revision in revisions:
            found = _find_record(revision.snapshot, what, current["id"])
            if found is None:
                continue
            if found.get("version") == current["version"]:
                saved_in = revision
            if found.get("version") == expected_version:
                opened = found
                break
    ignore = {"id", "version", "steps", "gas_ratings"}
    if opened is not None:
        changed = {
            k: (opened.get(k), v)
            for k, v in current.items()
            if k not in ignore and opened.get(k) != v
        }
    else:
        changed = {k: (None, current.get(k)) for k in fields if k not in ignore}
    if saved_in is None:
        message = f"Someone else saved this {what} after you opened it."
    elif saved_in.created_by_id is not None and saved_in.created_by_id == actor.user_id:
        message = f"You saved this {what} in another window {_when(saved_in.created_at, tz)}."
    else:
        message = (
            f"Someone else saved this {what} {_when(saved_in.created_at, tz)} "
            f"({saved_in.created_by_name})."
        )
    raise EditConflict(f"{message} Your changes were not saved.", changed)


def check_record(
    session: Session,
    actor: Actor,
    plan: CarePlan | None,
    what: What,
    record: Any,
    *,
    expected_version: int,
    fields: Iterable[str],
    tz: tzinfo | None = None,
) -> None:
    """`check_version` for the plan itself or one of its goals, steps or contacts, as stored
    now. Without a plan there are no revisions to name who saved; the check still holds."""
    check_version(
        session,
        actor,
        plan_id=plan.id if plan is not None else -1,
        what=what,
        current=RECORDS[what](record),
        expected_version=expected_version,
        fields=fields,
        tz=tz,
    )


# --- Restore -----------------------------------------------------------------------------------


def _content(snapshot: object) -> object:
    """A snapshot without versions: what a clinician would call the plan's content."""
    if isinstance(snapshot, Mapping):
        return {k: _content(v) for k, v in snapshot.items() if k != "version"}
    if isinstance(snapshot, list):
        return [_content(v) for v in snapshot]
    return snapshot


def _restore_records(
    session: Session,
    model: type[Any],
    live: Iterable[Any],
    saved: Sequence[Mapping[str, Any]],
    owner: tuple[str, set[int]],
    fields: Mapping[str, Any],
) -> None:
    """Put each saved record's fields back (un-archiving it); archive live ones not saved."""
    owner_field, owner_ids = owner
    saved_ids = {r["id"] for r in saved}
    for record in live:
        if record.id not in saved_ids:
            record.is_archived = True
    for data in saved:
        record = session.get(model, data["id"])
        if record is None or getattr(record, owner_field) not in owner_ids:
            continue  # not this plan's record: never let a snapshot reach across plans
        values = {name: convert(data.get(name)) for name, convert in fields.items()}
        apply_changes(record, {**values, "is_archived": False})


def _same(value: Any) -> Any:
    return value


def restore_snapshot(session: Session, plan: CarePlan, old: Mapping[str, Any]) -> bool:
    """Put the content of snapshot `old` back into the (locked) plan and flush; False when the
    plan already held that content, so there is nothing to save.

    Sections and dates come back; goals, steps and contacts in `old` get their fields back and
    are un-archived if archived since; those not in it are archived, never deleted.
    """
    s = session
    before = plan_snapshot(s, plan)
    if apply_changes(
        plan,
        {
            **{name: old["sections"].get(name, "") for name in PLAN_SECTIONS},
            "start_date": date.fromisoformat(old["plan"]["start_date"]),
            "next_review_date": from_iso(old["plan"]["next_review_date"]),
        },
    ):
        plan.updated_at = utcnow()
    goals = s.scalars(select(Goal).where(Goal.plan_id == plan.id)).all()
    _restore_records(
        s,
        Goal,
        [g for g in goals if not g.is_archived],
        old["goals"],
        ("plan_id", {plan.id}),
        {
            "position": _same,
            "domain": RecoveryDomain,
            "description": _same,
            "why_it_matters": _same,
            "start_date": from_iso,
            "target_date": from_iso,
            "lifecycle_status": GoalLifecycle,
            "achievement_status": GoalAchievement,
            "gas_levels": lambda v: dict(v) if v else None,
        },
    )
    goal_ids = {g.id for g in goals}
    live_steps = (
        s.scalars(select(Step).where(Step.goal_id.in_(goal_ids), Step.is_archived.is_(False))).all()
        if goal_ids
        else []
    )
    contact_ids = set(
        s.scalars(select(SupportContact.id).where(SupportContact.client_id == plan.client_id))
    )
    _restore_records(
        s,
        Step,
        live_steps,
        [st for g in old["goals"] for st in g["steps"]],
        ("goal_id", goal_ids),
        {
            "position": _same,
            "description": _same,
            "due_date": from_iso,
            "done_on": from_iso,
            "helper_contact_id": lambda v: v if v in contact_ids else None,
        },
    )
    _restore_records(
        s,
        SupportContact,
        s.scalars(
            select(SupportContact).where(
                SupportContact.client_id == plan.client_id, SupportContact.is_archived.is_(False)
            )
        ).all(),
        old["contacts"],
        ("client_id", {plan.client_id}),
        {
            **{name: _same for name in ("position", *CONTACT_FIELD_LABELS)},
            "kind": ContactKind,
            "consent_date": from_iso,
        },
    )
    flush_or_conflict(s, "plan")
    return _content(plan_snapshot(s, plan)) != _content(before)
