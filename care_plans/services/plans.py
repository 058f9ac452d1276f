"""The care plan itself: sections, dates and status, its revisions, their diffs and restores.

A plan is written together with the client over months, and several clinicians may have it open
at once. So every save keeps a revision holding a snapshot of the WHOLE plan (plan fields,
sections, goals with steps and GAS ratings, the client's support contacts), a stale save is
refused with the fields someone else changed, and nothing is ever deleted: a restore archives
what came after instead. Goals and steps live in `goals.py`, contacts in `contacts.py`; both use
the write helpers defined here, so every kind of save follows the same path:

    access check -> lock the plan -> version check -> validate -> (revision 1) -> change
    -> flush -> new revision -> audit -> commit

Revision 1 is the plan as it was before its first saved change (a new client's draft plan has
no revision until then), so the first edit is revision 2 and can be compared with, or undone to,
the state it started from.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any, Literal, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from care_plans import audit
from care_plans.access import Actor, client_for_read, client_for_write
from care_plans.db import Database, UnitOfWork
from care_plans.errors import EditConflict, NotFound, ValidationError
from care_plans.models import (
    PLAN_SECTION_TITLES,
    PLAN_SECTIONS,
    CarePlan,
    Client,
    ContactKind,
    GasRating,
    Goal,
    GoalAchievement,
    GoalLifecycle,
    PlanRevision,
    PlanStatus,
    RecoveryDomain,
    Step,
    SupportContact,
    utcnow,
)

MAX_SECTION_TEXT = 20_000
MAX_FIELD_TEXT = 5_000
SNAPSHOT_FORMAT = 1
INITIAL_REASON = "plan as it was before the first saved change"
PLAN_DATE_FIELDS = ("start_date", "next_review_date")

Direction = Literal["up", "down"]


# --- Read models: frozen, picklable, never live ORM objects --------------------------------


@dataclass(frozen=True)
class StepView:
    id: int
    goal_id: int
    position: int
    description: str
    due_date: date | None
    done_on: date | None
    helper_contact_id: int | None
    helper_name: str | None
    version: int

    @property
    def is_done(self) -> bool:
        return self.done_on is not None


@dataclass(frozen=True)
class GasRatingView:
    id: int
    rated_on: date
    score: int
    weight: int


@dataclass(frozen=True)
class GoalView:
    id: int
    position: int
    domain: str
    description: str
    why_it_matters: str
    start_date: date | None
    target_date: date | None
    lifecycle_status: str
    achievement_status: str
    gas_levels: dict[str, str]
    version: int
    steps: tuple[StepView, ...]
    gas_ratings: tuple[GasRatingView, ...]


@dataclass(frozen=True)
class ContactView:
    id: int
    position: int
    name: str
    kind: str
    role: str
    phone: str
    email: str
    when_to_contact: str
    is_crisis_contact: bool
    consent_to_share: bool
    consent_date: date | None
    version: int


@dataclass(frozen=True)
class PlanView:
    id: int
    client_id: int
    status: str
    start_date: date
    next_review_date: date | None
    sections: dict[str, str]
    version: int
    goals: tuple[GoalView, ...]
    contacts: tuple[ContactView, ...]
    revision_count: int
    last_saved_at: datetime | None
    last_saved_by: str | None


@dataclass(frozen=True)
class RevisionInfo:
    number: int
    created_at: datetime
    created_by_name: str
    reason: str


@dataclass(frozen=True)
class Change:
    """One difference between two revisions, in words a clinician reads in a table."""

    where: str
    before: str
    after: str


@dataclass(frozen=True)
class Saved:
    """What a save returns: the record saved, its new version, the revision written (or None
    when the values given were already the stored ones, so nothing was written)."""

    id: int
    version: int
    revision: int | None


# --- Snapshots ---------------------------------------------------------------------------------


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _from_iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def step_record(step: Step) -> dict[str, Any]:
    return {
        "id": step.id, "goal_id": step.goal_id, "position": step.position,
        "description": step.description, "due_date": _iso(step.due_date),
        "done_on": _iso(step.done_on), "helper_contact_id": step.helper_contact_id,
        "version": step.version,
    }


def goal_record(goal: Goal) -> dict[str, Any]:
    """A goal's own fields (without steps and ratings), as stored in a snapshot."""
    return {
        "id": goal.id, "position": goal.position, "domain": goal.domain.value,
        "description": goal.description, "why_it_matters": goal.why_it_matters,
        "start_date": _iso(goal.start_date), "target_date": _iso(goal.target_date),
        "lifecycle_status": goal.lifecycle_status.value,
        "achievement_status": goal.achievement_status.value,
        "gas_levels": dict(goal.gas_levels or {}), "version": goal.version,
    }


def contact_record(contact: SupportContact) -> dict[str, Any]:
    return {
        "id": contact.id, "position": contact.position, "name": contact.name,
        "kind": contact.kind.value, "role": contact.role, "phone": contact.phone,
        "email": contact.email, "when_to_contact": contact.when_to_contact,
        "is_crisis_contact": contact.is_crisis_contact,
        "consent_to_share": contact.consent_to_share,
        "consent_date": _iso(contact.consent_date), "version": contact.version,
    }


def plan_record(plan: CarePlan) -> dict[str, Any]:
    """The plan row's fields with its sections flattened in (the unit a plan save checks)."""
    return {
        "id": plan.id, "client_id": plan.client_id, "status": plan.status.value,
        "start_date": _iso(plan.start_date), "next_review_date": _iso(plan.next_review_date),
        "version": plan.version, **{name: getattr(plan, name) for name in PLAN_SECTIONS},
    }


def contact_display_order(contact: Mapping[str, Any]) -> tuple[bool, int, int]:
    """Crisis contacts first (they are the ones looked for in a hurry), then the chosen order."""
    return (not contact["is_crisis_contact"], contact["position"], contact["id"])


def plan_snapshot(session: Session, plan: CarePlan) -> dict[str, Any]:
    """The whole plan as JSON-ready data: live goals (with live steps and GAS ratings) and the
    client's live contacts, each with its id and version. Archived records are left out, which
    is what lets a restore tell which records to archive and which to bring back."""
    goals = session.scalars(
        select(Goal).where(Goal.plan_id == plan.id, Goal.is_archived.is_(False))
        .order_by(Goal.position, Goal.id)
    ).all()
    goal_ids = [g.id for g in goals]
    steps: dict[int, list[dict[str, Any]]] = {gid: [] for gid in goal_ids}
    ratings: dict[int, list[dict[str, Any]]] = {gid: [] for gid in goal_ids}
    if goal_ids:
        for step in session.scalars(
            select(Step).where(Step.goal_id.in_(goal_ids), Step.is_archived.is_(False))
            .order_by(Step.position, Step.id)
        ):
            steps[step.goal_id].append(step_record(step))
        for rating in session.scalars(
            select(GasRating).where(GasRating.goal_id.in_(goal_ids))
            .order_by(GasRating.rated_on, GasRating.id)
        ):
            ratings[rating.goal_id].append({
                "id": rating.id, "rated_on": _iso(rating.rated_on), "score": rating.score,
                "weight": rating.weight,
            })
    contacts = [
        contact_record(c) for c in session.scalars(
            select(SupportContact).where(
                SupportContact.client_id == plan.client_id, SupportContact.is_archived.is_(False)
            )
        )
    ]
    record = plan_record(plan)
    return {
        "format": SNAPSHOT_FORMAT,
        "plan": {k: record[k] for k in ("id", "client_id", "status", *PLAN_DATE_FIELDS,
                                        "version")},
        "sections": {name: record[name] for name in PLAN_SECTIONS},
        "goals": [
            {**goal_record(g), "steps": steps[g.id], "gas_ratings": ratings[g.id]} for g in goals
        ],
        "contacts": sorted(contacts, key=contact_display_order),
    }


def current_plan(session: Session, client_id: int) -> CarePlan | None:
    """The client's active plan, or else their newest one."""
    return session.scalar(
        select(CarePlan).where(CarePlan.client_id == client_id)
        .order_by((CarePlan.status == PlanStatus.ACTIVE).desc(), CarePlan.id.desc())
        .limit(1)
    )


# --- Write helpers shared by plans.py, goals.py and contacts.py --------------------------------


def lock_plan(session: Session, plan_id: int) -> CarePlan:
    """Load the plan for a save, locking its row on PostgreSQL (SQLite serialises writers
    anyway): saves of one plan then run one after another, so revision numbers cannot clash
    and a version read here stays true until commit."""
    plan = session.scalar(
        select(CarePlan).where(CarePlan.id == plan_id).with_for_update()
        .execution_options(populate_existing=True)
    )
    if plan is None:
        raise NotFound("No such care plan.")
    return plan


def plan_for_write(session: Session, actor: Actor, plan_id: int) -> CarePlan:
    client_id = session.scalar(select(CarePlan.client_id).where(CarePlan.id == plan_id))
    if client_id is None:
        raise NotFound("No such care plan.")
    client_for_write(session, actor, client_id)
    return lock_plan(session, plan_id)


def _plan_for_read(session: Session, actor: Actor, plan_id: int) -> CarePlan:
    plan = session.get(CarePlan, plan_id)
    if plan is None:
        raise NotFound("No such care plan.")
    client_for_read(session, actor, plan.client_id)
    return plan


def ensure_initial_revision(session: Session, actor: Actor, plan: CarePlan) -> PlanRevision | None:
    """Keep the plan as it is now as revision 1, if it has no revision yet. Call before
    changing anything, inside the save's unit of work (so a refused save keeps none)."""
    if session.scalar(select(PlanRevision.id).where(PlanRevision.plan_id == plan.id).limit(1)):
        return None
    return write_revision(session, actor, plan, INITIAL_REASON)


def write_revision(session: Session, actor: Actor, plan: CarePlan, reason: str) -> PlanRevision:
    last = session.scalar(
        select(func.max(PlanRevision.number)).where(PlanRevision.plan_id == plan.id)
    )
    revision = PlanRevision(
        plan_id=plan.id, number=(last or 0) + 1, created_at=utcnow(),
        created_by_id=actor.user_id, created_by_name=actor.username, reason=reason,
        snapshot=plan_snapshot(session, plan),
    )
    session.add(revision)
    session.flush()
    return revision


def _race(what: str) -> EditConflict:
    return EditConflict(
        f"Someone else saved this {what} at the same moment. Your changes were not saved."
    )


def save_revision(session: Session, actor: Actor, plan: CarePlan, reason: str,
                  what: str) -> int:
    """Flush the changes made and keep the new revision; returns its number."""
    try:
        session.flush()
    except StaleDataError:
        # The version check passed, but another save updated the row before ours reached it.
        raise _race(what) from None
    return write_revision(session, actor, plan, reason).number


def commit(uow: UnitOfWork, what: str) -> None:
    try:
        uow.commit()
    except StaleDataError:
        raise _race(what) from None


def finish_save(uow: UnitOfWork, actor: Actor, plan: CarePlan, record: Any, *, reason: str,
                what: str, action: str, entity: str, fields: Iterable[str] | None = None,
                detail: Mapping[str, int] | None = None) -> Saved:
    """Flush, keep the new revision, audit (ids and field names only) and commit."""
    s = uow.session
    number = save_revision(s, actor, plan, reason, what)
    info: dict[str, Any] = {**(detail or {}), "revision": number}
    if fields is not None:
        info["fields"] = sorted(fields)
    audit.record(s, actor, action, entity, record.id, client_id=plan.client_id, detail=info)
    saved = Saved(record.id, record.version, number)
    commit(uow, what)
    return saved


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
    local = moment.astimezone(tz or UTC)
    clock = local.strftime("%H:%M") + ("" if tz else " UTC")
    today = datetime.now(tz or UTC).date()
    if local.date() == today:
        return f"at {clock}"
    return f"on {show_date(local.date())} at {clock}"


def check_version(
    session: Session,
    actor: Actor,
    *,
    plan_id: int,
    what: Literal["plan", "goal", "step", "contact"],
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
        select(PlanRevision).where(PlanRevision.plan_id == plan_id)
        .order_by(PlanRevision.number.desc()).execution_options(yield_per=20)
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
            k: (opened.get(k), v) for k, v in current.items()
            if k not in ignore and opened.get(k) != v
        }
    else:
        changed = {k: (None, current.get(k)) for k in fields if k not in ignore}
    if saved_in is None:
        message = f"Someone else saved this {what} after you opened it."
    elif saved_in.created_by_id is not None and saved_in.created_by_id == actor.user_id:
        message = f"You saved this {what} in another window {_when(saved_in.created_at, tz)}."
    else:
        message = (f"Someone else saved this {what} {_when(saved_in.created_at, tz)} "
                   f"({saved_in.created_by_name}).")
    raise EditConflict(f"{message} Your changes were not saved.", changed)


def text_value(value: object, field: str, limit: int, problems: dict[str, str], *,
               required: str | None = None) -> str:
    """Cleaned text, or "" with the problem recorded in `problems` under `field`."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems[field] = "Enter this as text."
        return ""
    text = value.strip()
    if required and not text:
        problems[field] = required
    elif len(text) > limit:
        problems[field] = f"This is {len(text):,} characters long; keep it to {limit:,}."
    return text


def date_value(value: object, field: str, problems: dict[str, str], *,
               required: str | None = None) -> date | None:
    if value is None:
        if required:
            problems[field] = required
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        problems[field] = "Enter a date."
        return None
    return value


E = TypeVar("E", bound=enum.Enum)


def choice_value(cls: type[E], value: object, field: str, what: str,
                 problems: dict[str, str]) -> E | None:
    """The enum member named by `value` (a member or its text), or None with the problem."""
    if value is None or value == "":
        problems[field] = f"Choose a {what}."
        return None
    try:
        return cls(value)
    except (ValueError, TypeError):
        options = ", ".join(str(m.value) for m in cls)
        problems[field] = f"{value!r} is not a {what}. Choose one of: {options}."
        return None


def refuse_unknown(changes: Mapping[str, object], allowed: Iterable[str], what: str,
                   problems: dict[str, str]) -> None:
    allowed = set(allowed)
    for name in changes:
        if name not in allowed:
            problems[name] = f"This is not something a {what} has, or it is changed elsewhere."


def apply_changes(record: object, values: Mapping[str, object]) -> list[str]:
    """Set the values that differ from the stored ones; return the names of those fields."""
    changed = []
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed.append(name)
    return changed


def move_in_order(records: Sequence[Any], record: Any, direction: Direction) -> bool:
    """Swap `record` with its neighbour in `records` (already in display order) and number the
    positions 0.. in the new order, so gaps and ties left by archiving disappear. False when it
    is already at that end."""
    if direction not in ("up", "down"):
        raise ValidationError({"direction": "Move a record up or down."})
    order = list(records)
    i = order.index(record)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(order):
        return False
    order[i], order[j] = order[j], order[i]
    for position, item in enumerate(order):
        if item.position != position:
            item.position = position
    return True


# --- Plan writes -------------------------------------------------------------------------------


def _plan_values(plan: CarePlan, changes: Mapping[str, object]) -> dict[str, object]:
    problems: dict[str, str] = {}
    refuse_unknown(changes, (*PLAN_SECTIONS, *PLAN_DATE_FIELDS), "care plan", problems)
    values: dict[str, object] = {}
    for name in PLAN_SECTIONS:
        if name in changes:
            values[name] = text_value(changes[name], name, MAX_SECTION_TEXT, problems)
    if "start_date" in changes:
        values["start_date"] = date_value(changes["start_date"], "start_date", problems,
                                          required="Enter the date the plan starts.")
    if "next_review_date" in changes:
        values["next_review_date"] = date_value(
            changes["next_review_date"], "next_review_date", problems)
    start = values.get("start_date", plan.start_date)
    review = values.get("next_review_date", plan.next_review_date)
    if (isinstance(start, date) and isinstance(review, date) and review < start
            and not problems.keys() & set(PLAN_DATE_FIELDS)):
        problems["next_review_date"] = "The next review date is before the plan's start date."
    if problems:
        raise ValidationError(problems)
    return values


def update_plan(
    db: Database,
    actor: Actor,
    plan_id: int,
    *,
    expected_version: int,
    changes: Mapping[str, object],
    tz: tzinfo | None = None,
) -> Saved:
    """Save sections (keys of PLAN_SECTIONS) and/or `start_date` / `next_review_date`.

    Only the keys given are changed. Status has its own function: it has a rule of its own.
    """
    with db.uow() as uow:
        s = uow.session
        plan = plan_for_write(s, actor, plan_id)
        check_version(s, actor, plan_id=plan.id, what="plan", current=plan_record(plan),
                      expected_version=expected_version, fields=changes, tz=tz)
        values = _plan_values(plan, changes)
        if all(getattr(plan, k) == v for k, v in values.items()):
            return Saved(plan.id, plan.version, None)
        ensure_initial_revision(s, actor, plan)
        changed = apply_changes(plan, values)
        plan.updated_at = utcnow()
        if set(changed) <= set(PLAN_SECTIONS):
            reason = "sections edited"
        elif set(changed) <= set(PLAN_DATE_FIELDS):
            reason = "plan dates edited"
        else:
            reason = "sections and plan dates edited"
        return finish_save(uow, actor, plan, plan, reason=reason, what="plan",
                           action="plan.update", entity="care_plan", fields=changed)


def set_plan_status(
    db: Database,
    actor: Actor,
    plan_id: int,
    *,
    status: PlanStatus | str,
    expected_version: int,
    tz: tzinfo | None = None,
) -> Saved:
    """Change the plan's status. Making it active while another plan of the same client is
    active is refused: which plan the team works from must be a deliberate choice."""
    with db.uow() as uow:
        s = uow.session
        plan = plan_for_write(s, actor, plan_id)
        check_version(s, actor, plan_id=plan.id, what="plan", current=plan_record(plan),
                      expected_version=expected_version, fields=["status"], tz=tz)
        problems: dict[str, str] = {}
        new_status = choice_value(PlanStatus, status, "status", "plan status", problems)
        if problems or new_status is None:
            raise ValidationError(problems)
        if new_status == plan.status:
            return Saved(plan.id, plan.version, None)
        if new_status == PlanStatus.ACTIVE:
            # Lock the client so two of its plans cannot be activated at the same moment.
            s.scalar(select(Client.id).where(Client.id == plan.client_id).with_for_update())
            other = s.scalar(
                select(CarePlan).where(
                    CarePlan.client_id == plan.client_id, CarePlan.id != plan.id,
                    CarePlan.status == PlanStatus.ACTIVE,
                )
            )
            if other is not None:
                raise ValidationError({"status": (
                    f"Another care plan for this client (started {show_date(other.start_date)}) "
                    "is already active. Put that plan on hold or complete it first."
                )})
        ensure_initial_revision(s, actor, plan)
        plan.status = new_status
        plan.updated_at = utcnow()
        return finish_save(uow, actor, plan, plan, reason=f"status set to {new_status.value}",
                           what="plan", action="plan.status", entity="care_plan",
                           fields=["status"])


def activate_plan(db: Database, actor: Actor, plan_id: int, *, expected_version: int,
                  tz: tzinfo | None = None) -> Saved:
    return set_plan_status(db, actor, plan_id, status=PlanStatus.ACTIVE,
                           expected_version=expected_version, tz=tz)


# --- Reads -------------------------------------------------------------------------------------


def _view(snapshot: Mapping[str, Any], revision_count: int, last_saved_at: datetime | None,
          last_saved_by: str | None) -> PlanView:
    names = {c["id"]: c["name"] for c in snapshot["contacts"]}
    plan = snapshot["plan"]
    return PlanView(
        id=plan["id"], client_id=plan["client_id"], status=plan["status"],
        start_date=date.fromisoformat(plan["start_date"]),
        next_review_date=_from_iso(plan["next_review_date"]),
        sections=dict(snapshot["sections"]), version=plan["version"],
        goals=tuple(
            GoalView(
                id=g["id"], position=g["position"], domain=g["domain"],
                description=g["description"], why_it_matters=g["why_it_matters"],
                start_date=_from_iso(g["start_date"]), target_date=_from_iso(g["target_date"]),
                lifecycle_status=g["lifecycle_status"],
                achievement_status=g["achievement_status"], gas_levels=dict(g["gas_levels"]),
                version=g["version"],
                steps=tuple(
                    StepView(
                        id=st["id"], goal_id=st["goal_id"], position=st["position"],
                        description=st["description"], due_date=_from_iso(st["due_date"]),
                        done_on=_from_iso(st["done_on"]),
                        helper_contact_id=st["helper_contact_id"],
                        helper_name=names.get(st["helper_contact_id"]), version=st["version"],
                    )
                    for st in g["steps"]
                ),
                gas_ratings=tuple(
                    GasRatingView(r["id"], date.fromisoformat(r["rated_on"]), r["score"],
                                  r["weight"])
                    for r in g["gas_ratings"]
                ),
            )
            for g in snapshot["goals"]
        ),
        contacts=tuple(contact_view(c) for c in snapshot["contacts"]),
        revision_count=revision_count, last_saved_at=last_saved_at, last_saved_by=last_saved_by,
    )


def contact_view(c: Mapping[str, Any]) -> ContactView:
    return ContactView(
        id=c["id"], position=c["position"], name=c["name"], kind=c["kind"], role=c["role"],
        phone=c["phone"], email=c["email"], when_to_contact=c["when_to_contact"],
        is_crisis_contact=c["is_crisis_contact"], consent_to_share=c["consent_to_share"],
        consent_date=_from_iso(c["consent_date"]), version=c["version"],
    )


def get_plan(db: Database, actor: Actor, client_id: int, plan_id: int | None = None) -> PlanView:
    """The client's current plan (the active one, else the newest), or the plan `plan_id`."""
    with db.uow() as uow:
        s = uow.session
        client_for_read(s, actor, client_id)
        plan = current_plan(s, client_id) if plan_id is None else s.get(CarePlan, plan_id)
        if plan is None or plan.client_id != client_id:
            raise NotFound("This client has no such care plan.")
        # Header columns only: the stored snapshots are not needed for a count.
        count = s.scalar(select(func.count(PlanRevision.id))
                         .where(PlanRevision.plan_id == plan.id)) or 0
        last = s.execute(
            select(PlanRevision.created_at, PlanRevision.created_by_name)
            .where(PlanRevision.plan_id == plan.id).order_by(PlanRevision.number.desc()).limit(1)
        ).first()
        return _view(plan_snapshot(s, plan), count, last[0] if last else None,
                     last[1] if last else None)


def list_revisions(db: Database, actor: Actor, plan_id: int) -> list[RevisionInfo]:
    """Every revision of the plan, newest first."""
    with db.uow() as uow:
        _plan_for_read(uow.session, actor, plan_id)
        rows = uow.session.execute(
            select(PlanRevision.number, PlanRevision.created_at, PlanRevision.created_by_name,
                   PlanRevision.reason)
            .where(PlanRevision.plan_id == plan_id).order_by(PlanRevision.number.desc())
        ).all()
        return [RevisionInfo(*row) for row in rows]


def _revision(session: Session, plan_id: int, number: int) -> PlanRevision:
    revision = session.scalar(
        select(PlanRevision).where(PlanRevision.plan_id == plan_id,
                                   PlanRevision.number == number)
    )
    if revision is None:
        raise NotFound(f"This plan has no revision {number}.")
    return revision


def get_revision(db: Database, actor: Actor, plan_id: int, number: int) -> dict[str, Any]:
    with db.uow() as uow:
        _plan_for_read(uow.session, actor, plan_id)
        return dict(_revision(uow.session, plan_id, number).snapshot)


# --- Diffs -------------------------------------------------------------------------------------

PLAN_FIELD_LABELS = {"status": "status", "start_date": "start date",
                     "next_review_date": "next review date"}
GOAL_FIELD_LABELS = {
    "domain": "recovery domain", "description": "description",
    "why_it_matters": "why it matters", "start_date": "start date", "target_date": "target date",
    "lifecycle_status": "status", "achievement_status": "achievement",
}
STEP_FIELD_LABELS = {"description": "description", "due_date": "due date", "done_on": "done",
                     "helper_contact_id": "helped by"}
CONTACT_FIELD_LABELS = {
    "name": "name", "kind": "kind", "role": "role", "phone": "phone", "email": "email",
    "when_to_contact": "when to reach out", "is_crisis_contact": "crisis contact",
    "consent_to_share": "consent to share", "consent_date": "consent date",
}
GAS_LEVELS = ("-2", "-1", "0", "1", "2")
EMPTY = "(empty)"
ADDED = ("(not there)", "added")
REMOVED = ("(there)", "removed")


def show_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def show_level(level: str | int) -> str:
    n = int(level)
    return f"+{n}" if n > 0 else str(n)


def _show(field: str, value: Any, contacts: Mapping[int, str]) -> str:
    if field == "done_on" and value is None:
        return "not done"
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field == "helper_contact_id":
        return contacts.get(value, "a contact no longer listed")
    if field.endswith("_date") or field == "done_on":
        return show_date(date.fromisoformat(value))
    return str(value)


def _label(text: str, limit: int = 40) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "untitled"
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _field_changes(where: str, a: Mapping[str, Any], b: Mapping[str, Any],
                   labels: Mapping[str, str], names_a: Mapping[int, str],
                   names_b: Mapping[int, str]) -> list[Change]:
    return [
        Change(f"{where}: {label}", _show(field, a.get(field), names_a),
               _show(field, b.get(field), names_b))
        for field, label in labels.items() if a.get(field) != b.get(field)
    ]


def _order_change(where: str, a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]],
                  label_field: str) -> list[Change]:
    """One line when records present in both revisions were put in a different order."""
    common = {r["id"] for r in a} & {r["id"] for r in b}

    def ordered(records: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        return sorted((r for r in records if r["id"] in common),
                      key=lambda r: (r["position"], r["id"]))

    before, after = ordered(a), ordered(b)
    if [r["id"] for r in before] == [r["id"] for r in after]:
        return []
    return [Change(where, "; ".join(_label(r[label_field]) for r in before),
                   "; ".join(_label(r[label_field]) for r in after))]


def _matched(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]
             ) -> Iterable[tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]]:
    """Pairs of the same record (by id) in two lists: removed ones, then kept and added ones."""
    by_id = {r["id"]: r for r in a}
    later = {r["id"] for r in b}
    for r in a:
        if r["id"] not in later:
            yield r, None
    for r in b:
        yield by_id.get(r["id"]), r


def diff_snapshots(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Change]:
    """What changed from snapshot `a` to snapshot `b`, in the order the plan page shows it."""
    changes: list[Change] = []
    names_a = {c["id"]: c["name"] for c in a["contacts"]}
    names_b = {c["id"]: c["name"] for c in b["contacts"]}
    changes += _field_changes("Plan", a["plan"], b["plan"], PLAN_FIELD_LABELS, {}, {})
    for name in PLAN_SECTIONS:
        if a["sections"].get(name, "") != b["sections"].get(name, ""):
            changes.append(Change(f"Section: {PLAN_SECTION_TITLES[name]}",
                                  a["sections"].get(name) or EMPTY,
                                  b["sections"].get(name) or EMPTY))
    changes += _order_change("Goals: order", a["goals"], b["goals"], "description")
    for old, new in _matched(a["goals"], b["goals"]):
        goal = f"Goal '{_label((new or old or {})['description'])}'"
        if old is None or new is None:
            changes.append(Change(goal, *(ADDED if old is None else REMOVED)))
            continue
        changes += _field_changes(goal, old, new, GOAL_FIELD_LABELS, names_a, names_b)
        for level in GAS_LEVELS:
            before, after = old["gas_levels"].get(level, ""), new["gas_levels"].get(level, "")
            if before != after:
                changes.append(Change(f"{goal}: GAS level {show_level(level)}",
                                      before or EMPTY, after or EMPTY))
        rated_a = {r["rated_on"]: r["score"] for r in old["gas_ratings"]}
        for r in new["gas_ratings"]:
            if rated_a.get(r["rated_on"]) != r["score"]:
                before = rated_a.get(r["rated_on"])
                changes.append(Change(
                    f"{goal}: GAS rating on {show_date(date.fromisoformat(r['rated_on']))}",
                    EMPTY if before is None else show_level(before), show_level(r["score"])))
        changes += _order_change(f"{goal}: order of steps", old["steps"], new["steps"],
                                 "description")
        for old_step, new_step in _matched(old["steps"], new["steps"]):
            step = f"{goal}, step '{_label((new_step or old_step or {})['description'])}'"
            if old_step is None or new_step is None:
                changes.append(Change(step, *(ADDED if old_step is None else REMOVED)))
            else:
                changes += _field_changes(step, old_step, new_step, STEP_FIELD_LABELS,
                                          names_a, names_b)
    changes += _order_change("Contacts: order", a["contacts"], b["contacts"], "name")
    for old, new in _matched(a["contacts"], b["contacts"]):
        contact = f"Contact '{_label((new or old or {})['name'])}'"
        if old is None or new is None:
            changes.append(Change(contact, *(ADDED if old is None else REMOVED)))
        else:
            changes += _field_changes(contact, old, new, CONTACT_FIELD_LABELS, {}, {})
    return changes


def diff_revisions(db: Database, actor: Actor, plan_id: int, a: int, b: int) -> list[Change]:
    """What changed from revision `a` to revision `b` (pass the older one first)."""
    with db.uow() as uow:
        _plan_for_read(uow.session, actor, plan_id)
        return diff_snapshots(_revision(uow.session, plan_id, a).snapshot,
                              _revision(uow.session, plan_id, b).snapshot)


# --- Restore -----------------------------------------------------------------------------------


def _content(snapshot: Mapping[str, Any]) -> Any:
    """A snapshot without versions: what a clinician would call the plan's content."""
    if isinstance(snapshot, Mapping):
        return {k: _content(v) for k, v in snapshot.items() if k != "version"}
    if isinstance(snapshot, list):
        return [_content(v) for v in snapshot]
    return snapshot


def _restore_records(session: Session, model: type[Any], live: Iterable[Any],
                     saved: Sequence[Mapping[str, Any]], owner: tuple[str, set[int]],
                     fields: Mapping[str, Any]) -> None:
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


def restore_revision(
    db: Database,
    actor: Actor,
    plan_id: int,
    number: int,
    *,
    expected_version: int,
    tz: tzinfo | None = None,
) -> Saved:
    """Put revision `number` back, as a new revision.

    Sections and dates come back; goals, steps and contacts in that revision get their fields
    back and are un-archived if archived since; those not in it are archived, never deleted.
    The status is not restored (it records a decision about the plan, not its content; and
    bringing back `active` could break the one-active-plan rule), nor are GAS ratings (each
    is what was rated at a review, and stays true of that review).
    """
    with db.uow() as uow:
        s = uow.session
        plan = plan_for_write(s, actor, plan_id)
        check_version(s, actor, plan_id=plan.id, what="plan", current=plan_record(plan),
                      expected_version=expected_version, fields=(), tz=tz)
        old = _revision(s, plan.id, number).snapshot
        before = plan_snapshot(s, plan)
        if apply_changes(plan, {
            **{name: old["sections"].get(name, "") for name in PLAN_SECTIONS},
            "start_date": date.fromisoformat(old["plan"]["start_date"]),
            "next_review_date": _from_iso(old["plan"]["next_review_date"]),
        }):
            plan.updated_at = utcnow()
        goals = s.scalars(select(Goal).where(Goal.plan_id == plan.id)).all()
        _restore_records(
            s, Goal, [g for g in goals if not g.is_archived], old["goals"],
            ("plan_id", {plan.id}),
            {"position": _same, "domain": RecoveryDomain, "description": _same,
             "why_it_matters": _same, "start_date": _from_iso, "target_date": _from_iso,
             "lifecycle_status": GoalLifecycle, "achievement_status": GoalAchievement,
             "gas_levels": lambda v: dict(v) if v else None},
        )
        goal_ids = {g.id for g in goals}
        live_steps = s.scalars(select(Step).where(
            Step.goal_id.in_(goal_ids), Step.is_archived.is_(False))).all() if goal_ids else []
        contact_ids = set(s.scalars(
            select(SupportContact.id).where(SupportContact.client_id == plan.client_id)))
        _restore_records(
            s, Step, live_steps, [st for g in old["goals"] for st in g["steps"]],
            ("goal_id", goal_ids),
            {"position": _same, "description": _same, "due_date": _from_iso,
             "done_on": _from_iso,
             "helper_contact_id": lambda v: v if v in contact_ids else None},
        )
        _restore_records(
            s, SupportContact,
            s.scalars(select(SupportContact).where(
                SupportContact.client_id == plan.client_id,
                SupportContact.is_archived.is_(False))).all(),
            old["contacts"], ("client_id", {plan.client_id}),
            {**{name: _same for name in ("position", *CONTACT_FIELD_LABELS)},
             "kind": ContactKind, "consent_date": _from_iso},
        )
        try:
            s.flush()
        except StaleDataError:
            raise _race("plan") from None
        if _content(plan_snapshot(s, plan)) == _content(before):
            return Saved(plan.id, plan.version, None)  # already as it was; the uow rolls back
        return finish_save(uow, actor, plan, plan, reason=f"restored revision {number}",
                           what="plan", action="plan.restore", entity="care_plan",
                           detail={"from_revision": number})

