"""The care plan itself: sections, dates and status; activating, changing and restoring it.

A plan is written together with the client over months, and several clinicians may have it open
at once. So every save keeps a revision holding a snapshot of the WHOLE plan (plan fields,
sections, goals with steps and GAS ratings, the client's support contacts), a stale save is
refused with the fields someone else changed, and nothing is ever deleted: a restore archives
what came after instead. Every kind of save follows the same path:

    access check -> lock the plan -> version check -> validate -> (revision 1) -> change
    -> flush -> new revision -> audit -> commit

This module is the entry for plan-level use-cases that change data, and holds the loading and
validation helpers every save uses. Goals and steps live in `goals.py`, contacts in
`contacts.py`; the revision machinery (writing, version checks, restore) in `revisions.py`.
Reading a plan, its snapshots, views and diffs lives in `care_plans.read` (`plans`,
`snapshots`, `plan_views`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import Any, Literal, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from care_plans.access import Actor, client_for_write
from care_plans.dates import show_day_in_full
from care_plans.db import Database
from care_plans.errors import NotFound, ValidationError
from care_plans.models import PLAN_SECTIONS, CarePlan, Client, PlanStatus, utcnow
from care_plans.read.snapshots import PLAN_DATE_FIELDS, revision_of
from care_plans.services.revisions import (
    Saved,
    apply_changes,
    check_record,
    ensure_initial_revision,
    finish_save,
    restore_snapshot,
)

MAX_SECTION_TEXT = 20_000
MAX_FIELD_TEXT = 5_000
# Where a person types, the page shows these limits (max_chars) and the services enforce them:
# a goal or a step is a line one reads at a glance on a phone, in the review and in the PDF.
MAX_TITLE_TEXT = 300
MAX_NAME_TEXT = 200
MAX_NOTE_TEXT = 2_000

Direction = Literal["up", "down"]


# --- Loading a plan ----------------------------------------------------------------------------


def lock_plan(session: Session, plan_id: int) -> CarePlan:
    """Load the plan for a save, locking its row on PostgreSQL (SQLite serialises writers
    anyway): saves of one plan then run one after another, so revision numbers cannot clash
    and a version read here stays true until commit."""
    plan = session.scalar(
        select(CarePlan)
        .where(CarePlan.id == plan_id)
        .with_for_update()
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


# --- Validation and ordering shared by plans.py, goals.py and contacts.py ----------------------


def text_value(
    value: object, field: str, limit: int, problems: dict[str, str], *, required: str | None = None
) -> str:
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


def date_value(
    value: object, field: str, problems: dict[str, str], *, required: str | None = None
) -> date | None:
    if value is None:
        if required:
            problems[field] = required
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        problems[field] = "Enter a date."
        return None
    return value


E = TypeVar("E", bound=enum.Enum)


def choice_value(
    cls: type[E], value: object, field: str, what: str, problems: dict[str, str]
) -> E | None:
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


def refuse_unknown(
    changes: Mapping[str, object], allowed: Iterable[str], what: str, problems: dict[str, str]
) -> None:
    allowed = set(allowed)
    for name in changes:
        if name not in allowed:
            problems[name] = f"This is not something a {what} has, or it is changed elsewhere."


def refuse_archived(record: Any, what: str, hint: str = "") -> None:
    if record.is_archived:
        raise ValidationError({"": f"This {what} was archived.{' ' + hint if hint else ''}"})


def next_position(session: Session, position: InstrumentedAttribute[int], *where: Any) -> int:
    """The position after the last of the records `where` selects (0 for the first one)."""
    last = session.scalar(select(func.max(position)).where(*where))
    return 0 if last is None else last + 1


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
        values["start_date"] = date_value(
            changes["start_date"],
            "start_date",
            problems,
            required="Enter the date the plan starts.",
        )
    if "next_review_date" in changes:
        values["next_review_date"] = date_value(
            changes["next_review_date"], "next_review_date", problems
        )
    start = values.get("start_date", plan.start_date)
    review = values.get("next_review_date", plan.next_review_date)
    if (
        isinstance(start, date)
        and isinstance(review, date)
        and review < start
        and not problems.keys() & set(PLAN_DATE_FIELDS)
    ):
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
        check_record(
            s, actor, plan, "plan", plan, expected_version=expected_version, fields=changes, tz=tz
        )
        values = _plan_values(plan, changes)
        if all(getattr(plan, k) == v for k, v in values.items()):
            return Saved.unchanged(plan)
        ensure_initial_revision(s, actor, plan)
        changed = apply_changes(plan, values)
        plan.updated_at = utcnow()
        if set(changed) <= set(PLAN_SECTIONS):
            reason = "sections edited"
        elif set(changed) <= set(PLAN_DATE_FIELDS):
            reason = "plan dates edited"
        else:
            reason = "sections and plan dates edited"
        return finish_save(
            uow,
            actor,
            plan,
            plan,
            reason=reason,
            what="plan",
            action="plan.update",
            entity="care_plan",
            fields=changed,
        )


def change_status(session: Session, actor: Actor, plan: CarePlan, status: PlanStatus) -> None:
    """Set the (locked) plan's status inside a save, keeping revision 1 first if need be. The
    caller then keeps the new revision (`finish_save`, or `save_revision` and its own audit)."""
    ensure_initial_revision(session, actor, plan)
    plan.status = status
    plan.updated_at = utcnow()


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
        check_record(
            s,
            actor,
            plan,
            "plan",
            plan,
            expected_version=expected_version,
            fields=["status"],
            tz=tz,
        )
        problems: dict[str, str] = {}
        new_status = choice_value(PlanStatus, status, "status", "plan status", problems)
        if problems or new_status is None:
            raise ValidationError(problems)
        if new_status == plan.status:
            return Saved.unchanged(plan)
        if new_status == PlanStatus.ACTIVE:
            # Lock the client so two of its plans cannot be activated at the same moment.
            s.scalar(select(Client.id).where(Client.id == plan.client_id).with_for_update())
            other = s.scalar(
                select(CarePlan).where(
                    CarePlan.client_id == plan.client_id,
                    CarePlan.id != plan.id,
                    CarePlan.status == PlanStatus.ACTIVE,
                )
            )
            if other is not None:
                raise ValidationError(
                    {
                        "status": (
                            "Another care plan for this client (started "
                            f"{show_day_in_full(other.start_date)}) "
                            "is already active. Put that plan on hold or complete it first."
                        )
                    }
                )
        change_status(s, actor, plan, new_status)
        return finish_save(
            uow,
            actor,
            plan,
            plan,
            reason=f"status set to {new_status.value}",
            what="plan",
            action="plan.status",
            entity="care_plan",
            fields=["status"],
        )


def activate_plan(
    db: Database, actor: Actor, plan_id: int, *, expected_version: int, tz: tzinfo | None = None
) -> Saved:
    return set_plan_status(
        db, actor, plan_id, status=PlanStatus.ACTIVE, expected_version=expected_version, tz=tz
    )


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
        check_record(
            s, actor, plan, "plan", plan, expected_version=expected_version, fields=(), tz=tz
        )
        if not restore_snapshot(s, plan, revision_of(s, plan.id, number).snapshot):
            return Saved.unchanged(plan)  # already as it was; the uow rolls back
        return finish_save(
            uow,
            actor,
            plan,
            plan,
            reason=f"restored revision {number}",
            what="plan",
            action="plan.restore",
            entity="care_plan",
            detail={"from_revision": number},
        )
