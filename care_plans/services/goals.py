"""Goals, their small achievable steps, and Goal Attainment Scaling ratings.

"Setting realistic goals" is one of the five pillars: a goal is written in the client's words and
broken into steps small enough to tick off. Each save here is a save of the plan, so it goes
through the same path as a section edit (see `plans.py`): version check, validation, a new plan
revision, an audit event without any of the text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from care_plans.access import Actor, client_for_write
from care_plans.db import Database
from care_plans.errors import NotFound, ValidationError
from care_plans.models import (
    CarePlan,
    GasRating,
    Goal,
    GoalAchievement,
    GoalLifecycle,
    RecoveryDomain,
    Step,
    SupportContact,
)
from care_plans.read.plan_views import GAS_LEVELS
from care_plans.services.plans import (
    MAX_NOTE_TEXT,
    MAX_TITLE_TEXT,
    Direction,
    choice_value,
    date_value,
    lock_plan,
    move_in_order,
    next_position,
    plan_for_write,
    refuse_archived,
    refuse_unknown,
    text_value,
)
from care_plans.services.revisions import (
    Saved,
    check_record,
    ensure_initial_revision,
    finish_save,
    save_values,
)

GOAL_FIELDS = (
    "domain",
    "description",
    "why_it_matters",
    "start_date",
    "target_date",
    "lifecycle_status",
    "achievement_status",
    "gas_levels",
)
STEP_FIELDS = ("description", "due_date", "helper_contact_id")
#: What a clinician may type for a GAS level, and the key it is stored under.
GAS_LEVEL_KEYS = {"-2": "-2", "-1": "-1", "0": "0", "1": "1", "+1": "1", "2": "2", "+2": "2"}
GAS_LEVEL_HINT = "Use the levels -2, -1, 0 (the expected outcome), +1 and +2."


# --- Validation --------------------------------------------------------------------------------


def gas_levels_value(value: object, problems: dict[str, str]) -> dict[str, str] | None:
    """Level descriptions keyed "-2".."2" in level order; None when there are none."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        problems["gas_levels"] = f"Give a description for each level. {GAS_LEVEL_HINT}"
        return None
    levels: dict[str, str] = {}
    for key, text in value.items():
        level = None if isinstance(key, bool) else GAS_LEVEL_KEYS.get(str(key).strip())
        if level is None:
            problems["gas_levels"] = f"{key!r} is not a GAS level. {GAS_LEVEL_HINT}"
            continue
        own: dict[str, str] = {}
        cleaned = text_value(text, level, MAX_NOTE_TEXT, own)
        if own:
            problems["gas_levels"] = f"Level {level}: {own[level]}"
        elif cleaned:
            levels[level] = cleaned
    return {k: levels[k] for k in GAS_LEVELS if k in levels} or None


def goal_values(changes: Mapping[str, object], current: Goal | None) -> dict[str, object]:
    """The cleaned values of the fields in `changes`; ValidationError naming each bad one."""
    problems: dict[str, str] = {}
    refuse_unknown(changes, GOAL_FIELDS, "goal", problems)
    values: dict[str, object] = {}
    if "domain" in changes:
        values["domain"] = choice_value(
            RecoveryDomain, changes["domain"], "domain", "recovery domain", problems
        )
    if "description" in changes:
        values["description"] = text_value(
            changes["description"],
            "description",
            MAX_TITLE_TEXT,
            problems,
            required="Write the goal, in the client's own words.",
        )
    if "why_it_matters" in changes:
        values["why_it_matters"] = text_value(
            changes["why_it_matters"], "why_it_matters", MAX_NOTE_TEXT, problems
        )
    for name in ("start_date", "target_date"):
        if name in changes:
            values[name] = date_value(changes[name], name, problems)
    if "lifecycle_status" in changes:
        values["lifecycle_status"] = choice_value(
            GoalLifecycle, changes["lifecycle_status"], "lifecycle_status", "goal status", problems
        )
    if "achievement_status" in changes:
        values["achievement_status"] = choice_value(
            GoalAchievement,
            changes["achievement_status"],
            "achievement_status",
            "achievement status",
            problems,
        )
    if "gas_levels" in changes:
        values["gas_levels"] = gas_levels_value(changes["gas_levels"], problems)
    start = values.get("start_date", current.start_date if current else None)
    target = values.get("target_date", current.target_date if current else None)
    if (
        isinstance(start, date)
        and isinstance(target, date)
        and target < start
        and "start_date" not in problems
        and "target_date" not in problems
    ):
        problems["target_date"] = "The target date is before the goal's start date."
    if problems:
        raise ValidationError(problems)
    return values


def _live_contact_ids(s: Session, client_id: int) -> set[int]:
    return set(
        s.scalars(
            select(SupportContact.id).where(
                SupportContact.client_id == client_id, SupportContact.is_archived.is_(False)
            )
        )
    )


def step_values(s: Session, client_id: int, changes: Mapping[str, object]) -> dict[str, object]:
    problems: dict[str, str] = {}
    refuse_unknown(changes, STEP_FIELDS, "step", problems)
    values: dict[str, object] = {}
    if "description" in changes:
        values["description"] = text_value(
            changes["description"],
            "description",
            MAX_TITLE_TEXT,
            problems,
            required="Describe the step.",
        )
    if "due_date" in changes:
        values["due_date"] = date_value(changes["due_date"], "due_date", problems)
    if "helper_contact_id" in changes:
        helper = changes["helper_contact_id"]
        if helper is not None and helper not in _live_contact_ids(s, client_id):
            problems["helper_contact_id"] = "Choose someone from the client's support contacts."
        values["helper_contact_id"] = helper
    if problems:
        raise ValidationError(problems)
    return values


# --- Loading for a save ------------------------------------------------------------------------


def _goal_for_write(s: Session, actor: Actor, goal_id: int) -> tuple[CarePlan, Goal]:
    row = s.execute(
        select(Goal.plan_id, CarePlan.client_id)
        .join(CarePlan, Goal.plan_id == CarePlan.id)
        .where(Goal.id == goal_id)
    ).first()
    if row is None:
        raise NotFound("No such goal.")
    client_for_write(s, actor, row.client_id)
    plan = lock_plan(s, row.plan_id)
    goal = s.get(Goal, goal_id, populate_existing=True)
    assert goal is not None
    return plan, goal


def _step_for_write(s: Session, actor: Actor, step_id: int) -> tuple[CarePlan, Goal, Step]:
    goal_id = s.scalar(select(Step.goal_id).where(Step.id == step_id))
    if goal_id is None:
        raise NotFound("No such step.")
    plan, goal = _goal_for_write(s, actor, goal_id)
    step = s.get(Step, step_id, populate_existing=True)
    assert step is not None
    return plan, goal, step


def _refuse_archived(goal: Goal) -> None:
    refuse_archived(goal, "goal", "Restore a revision to bring it back.")


# --- Goals -------------------------------------------------------------------------------------


def add_goal(
    db: Database,
    actor: Actor,
    plan_id: int,
    *,
    domain: RecoveryDomain | str,
    description: str,
    why_it_matters: str = "",
    start_date: date | None = None,
    target_date: date | None = None,
    lifecycle_status: GoalLifecycle | str = GoalLifecycle.ACTIVE,
    achievement_status: GoalAchievement | str = GoalAchievement.IN_PROGRESS,
    gas_levels: Mapping[str, str] | None = None,
) -> Saved:
    """A new goal, placed after the plan's other goals."""
    with db.uow() as uow:
        s = uow.session
        plan = plan_for_write(s, actor, plan_id)
        values = goal_values(
            {
                "domain": domain,
                "description": description,
                "why_it_matters": why_it_matters,
                "start_date": start_date,
                "target_date": target_date,
                "lifecycle_status": lifecycle_status,
                "achievement_status": achievement_status,
                "gas_levels": gas_levels,
            },
            None,
        )
        ensure_initial_revision(s, actor, plan)
        position = next_position(s, Goal.position, Goal.plan_id == plan.id)
        goal = Goal(plan_id=plan.id, position=position, **values)
        s.add(goal)
        return finish_save(
            uow,
            actor,
            plan,
            goal,
            reason="goal added",
            what="goal",
            action="goal.create",
            entity="goal",
            detail={"plan_id": plan.id},
        )


def update_goal(
    db: Database,
    actor: Actor,
    goal_id: int,
    *,
    expected_version: int,
    changes: Mapping[str, object],
    tz: tzinfo | None = None,
) -> Saved:
    """Change the fields of a goal named in `changes` (keys of GOAL_FIELDS)."""
    with db.uow() as uow:
        s = uow.session
        plan, goal = _goal_for_write(s, actor, goal_id)
        check_record(
            s, actor, plan, "goal", goal, expected_version=expected_version, fields=changes, tz=tz
        )
        _refuse_archived(goal)
        return save_values(
            uow,
            actor,
            plan,
            goal,
            goal_values(changes, goal),
            reason="goal edited",
            what="goal",
            action="goal.update",
            entity="goal",
        )


def archive_goal(
    db: Database, actor: Actor, goal_id: int, *, expected_version: int, tz: tzinfo | None = None
) -> Saved:
    """Take a goal out of the plan; it stays in the revisions and a restore brings it back."""
    with db.uow() as uow:
        s = uow.session
        plan, goal = _goal_for_write(s, actor, goal_id)
        check_record(
            s,
            actor,
            plan,
            "goal",
            goal,
            expected_version=expected_version,
            fields=["is_archived"],
            tz=tz,
        )
        if goal.is_archived:
            return Saved.unchanged(goal)
        ensure_initial_revision(s, actor, plan)
        goal.is_archived = True
        return finish_save(
            uow,
            actor,
            plan,
            goal,
            reason="goal archived",
            what="goal",
            action="goal.archive",
            entity="goal",
        )


def move_goal(
    db: Database,
    actor: Actor,
    goal_id: int,
    *,
    direction: Direction,
    expected_version: int,
    tz: tzinfo | None = None,
) -> Saved:
    """Move a goal one place up or down among the plan's goals."""
    with db.uow() as uow:
        s = uow.session
        plan, goal = _goal_for_write(s, actor, goal_id)
        check_record(
            s,
            actor,
            plan,
            "goal",
            goal,
            expected_version=expected_version,
            fields=["position"],
            tz=tz,
        )
        _refuse_archived(goal)
        goals = s.scalars(
            select(Goal)
            .where(Goal.plan_id == plan.id, Goal.is_archived.is_(False))
            .order_by(Goal.position, Goal.id)
        ).all()
        ensure_initial_revision(s, actor, plan)
        if not move_in_order(goals, goal, direction):
            return Saved.unchanged(goal)  # already first or last; rolled back
        return finish_save(
            uow,
            actor,
            plan,
            goal,
            reason=f"goal moved {direction}",
            what="goal",
            action="goal.move",
            entity="goal",
        )


# --- Steps -------------------------------------------------------------------------------------


def add_step(
    db: Database,
    actor: Actor,
    goal_id: int,
    *,
    description: str,
    due_date: date | None = None,
    helper_contact_id: int | None = None,
) -> Saved:
    """A new step at the end of the goal's steps."""
    with db.uow() as uow:
        s = uow.session
        plan, goal = _goal_for_write(s, actor, goal_id)
        _refuse_archived(goal)
        values = step_values(
            s,
            plan.client_id,
            {
                "description": description,
                "due_date": due_date,
                "helper_contact_id": helper_contact_id,
            },
        )
        ensure_initial_revision(s, actor, plan)
        position = next_position(s, Step.position, Step.goal_id == goal.id)
        step = Step(goal_id=goal.id, position=position, **values)
        s.add(step)
        return finish_save(
            uow,
            actor,
            plan,
            step,
            reason="step added",
            what="step",
            action="step.create",
            entity="step",
            detail={"goal_id": goal.id},
        )


def update_step(
    db: Database,
    actor: Actor,
    step_id: int,
    *,
    expected_version: int,
    changes: Mapping[str, object],
    tz: tzinfo | None = None,
) -> Saved:
    """Change a step's description, due date or helper (ticking it done: `set_step_done`)."""
    with db.uow() as uow:
        s = uow.session
        plan, goal, step = _step_for_write(s, actor, step_id)
        check_record(
            s, actor, plan, "step", step, expected_version=expected_version, fields=changes, tz=tz
        )
        _refuse_archived(goal)
        return save_values(
            uow,
            actor,
            plan,
            step,
            step_values(s, plan.client_id, changes),
            reason="step edited",
            what="step",
            action="step.update",
            entity="step",
        )


def set_step_done(
    db: Database,
    actor: Actor,
    step_id: int,
    *,
    expected_version: int,
    done: bool,
    on: date | None = None,
    today: date,
    tz: tzinfo | None = None,
) -> Saved:
    """Tick a step done (on `on`, else today) or un-tick it."""
    with db.uow() as uow:
        s = uow.session
        plan, goal, step = _step_for_write(s, actor, step_id)
        check_record(
            s,
            actor,
            plan,
            "step",
            step,
            expected_version=expected_version,
            fields=["done_on"],
            tz=tz,
        )
        _refuse_archived(goal)
        problems: dict[str, str] = {}
        done_on = date_value(on or today, "done_on", problems) if done else None
        if done_on is not None and done_on > today:
            problems["done_on"] = "The date the step was done is in the future."
        if problems:
            raise ValidationError(problems)
        if step.done_on == done_on:
            return Saved.unchanged(step)
        ensure_initial_revision(s, actor, plan)
        step.done_on = done_on
        step.done_by_client_at = None  # a clinician's tick: no longer the client's own
        return finish_save(
            uow,
            actor,
            plan,
            step,
            reason="step done" if done else "step marked not done",
            what="step",
            action="step.done",
            entity="step",
            fields=["done_on"],
        )


def archive_step(
    db: Database, actor: Actor, step_id: int, *, expected_version: int, tz: tzinfo | None = None
) -> Saved:
    with db.uow() as uow:
        s = uow.session
        plan, _goal, step = _step_for_write(s, actor, step_id)
        check_record(
            s,
            actor,
            plan,
            "step",
            step,
            expected_version=expected_version,
            fields=["is_archived"],
            tz=tz,
        )
        if step.is_archived:
            return Saved.unchanged(step)
        ensure_initial_revision(s, actor, plan)
        step.is_archived = True
        return finish_save(
            uow,
            actor,
            plan,
            step,
            reason="step archived",
            what="step",
            action="step.archive",
            entity="step",
        )


def move_step(
    db: Database,
    actor: Actor,
    step_id: int,
    *,
    direction: Direction,
    expected_version: int,
    tz: tzinfo | None = None,
) -> Saved:
    with db.uow() as uow:
        s = uow.session
        plan, goal, step = _step_for_write(s, actor, step_id)
        check_record(
            s,
            actor,
            plan,
            "step",
            step,
            expected_version=expected_version,
            fields=["position"],
            tz=tz,
        )
        _refuse_archived(goal)
        steps = s.scalars(
            select(Step)
            .where(Step.goal_id == goal.id, Step.is_archived.is_(False))
            .order_by(Step.position, Step.id)
        ).all()
        refuse_archived(step, "step")
        ensure_initial_revision(s, actor, plan)
        if not move_in_order(steps, step, direction):
            return Saved.unchanged(step)
        return finish_save(
            uow,
            actor,
            plan,
            step,
            reason=f"step moved {direction}",
            what="step",
            action="step.move",
            entity="step",
        )


# --- Goal Attainment Scaling -------------------------------------------------------------------


def record_gas_rating(
    db: Database,
    actor: Actor,
    goal_id: int,
    *,
    score: int,
    rated_on: date | None = None,
    weight: int = 1,
    today: date,
) -> Saved:
    """Rate a goal −2..+2 at a review. A second rating of the same goal on the same day
    replaces the first (a correction); the revisions keep the one it replaced.
    Returns the goal's id and version."""
    rated_on = rated_on or today
    problems: dict[str, str] = {}
    if isinstance(score, bool) or not isinstance(score, int) or not -2 <= score <= 2:
        problems["score"] = "A GAS score is a whole number from -2 to +2."
    if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
        problems["weight"] = "A weight is a whole number from 1 to 100."
    if date_value(rated_on, "rated_on", problems) is not None and rated_on > today:
        problems["rated_on"] = "The review date is in the future."
    with db.uow() as uow:
        s = uow.session
        plan, goal = _goal_for_write(s, actor, goal_id)
        _refuse_archived(goal)
        if problems:
            raise ValidationError(problems)
        ensure_initial_revision(s, actor, plan)
        rating = s.scalar(
            select(GasRating).where(GasRating.goal_id == goal.id, GasRating.rated_on == rated_on)
        )
        if rating is None:
            rating = GasRating(
                goal_id=goal.id,
                rated_on=rated_on,
                score=score,
                weight=weight,
                recorded_by_id=actor.user_id,
            )
            s.add(rating)
        elif (rating.score, rating.weight) == (score, weight):
            return Saved.unchanged(goal)
        else:
            rating.score, rating.weight = score, weight
            rating.recorded_by_id = actor.user_id
        s.flush()
        return finish_save(
            uow,
            actor,
            plan,
            goal,
            reason="GAS rating recorded",
            what="goal",
            action="gas.record",
            entity="goal",
            detail={"gas_rating_id": rating.id},
        )
