"""Check-ins: the client's self-report, from a link, in session or imported.

Standard measures are scored here from their item answers (every item is kept); a check-in
recorded in error is flagged, never deleted, and disappears from charts and counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from care_plans import audit, measures
from care_plans.access import Actor, client_for_write
from care_plans.db import Database
from care_plans.errors import NotFound, ValidationError
from care_plans.models import (
    RATINGS,
    CarePlan,
    CheckIn,
    CheckinSource,
    Goal,
    GoalProgress,
    MeasureResponse,
    utcnow,
)
from care_plans.rules import checkin_problems


@dataclass(frozen=True)
class SavedCheckin:
    id: int
    client_id: int
    submitted_at: datetime
    scores: dict[str, measures.Score]

    @property
    def risk_flag(self) -> bool:
        return any(s.risk_flag for s in self.scores.values())


def score_measures(measure_answers: dict[str, list[Any]]) -> dict[str, measures.Score]:
    """Score every instrument; a part-answered one is assessed as partial (kept, not scored).

    An instrument with no item answered is left out (nothing to keep). A problem in one (a
    wrong number of items, an answer off the scale) is named by instrument.
    """
    scores: dict[str, measures.Score] = {}
    problems: dict[str, str] = {}
    for code, answers in measure_answers.items():
        try:
            if isinstance(answers, (list, tuple)) and answers and all(a is None for a in answers):
                continue
            scores[code] = measures.score_answers(code, answers)
        except ValueError as exc:
            problems[code] = str(exc)
    if problems:
        raise ValidationError(problems)
    return scores


def _difficulty_problems(
    difficulty: dict[str, int | None] | None, scores: dict[str, measures.Score]
) -> dict[str, str]:
    problems: dict[str, str] = {}
    for code, value in (difficulty or {}).items():
        if value is None:
            continue
        try:
            measures.get_instrument(code).difficulty_label(value)
        except ValueError as exc:
            problems[f"{code} difficulty"] = str(exc)
            continue
        if code not in scores:
            problems[f"{code} difficulty"] = "answered without any of the questionnaire's items"
    return problems


def partial_detail(scores: dict[str, measures.Score]) -> dict[str, list[str]]:
    """For an audit event: which instruments were saved part-answered (codes only)."""
    partial = sorted(code for code, sc in scores.items() if sc.is_partial)
    return {"partial": partial} if partial else {}


def _any_item_answered(measure_answers: dict[str, list[Any]] | None) -> bool:
    return any(
        not isinstance(answers, (list, tuple)) or any(a is not None for a in answers)
        for answers in (measure_answers or {}).values()
    )


def _goal_ids_of_client(s: Session, client_id: int) -> set[int]:
    return set(
        s.scalars(
            select(Goal.id)
            .join(CarePlan, Goal.plan_id == CarePlan.id)
            .where(CarePlan.client_id == client_id)
        )
    )


def add_checkin(
    s: Session,
    *,
    client_id: int,
    submitted_at: datetime,
    source: CheckinSource,
    ratings: dict[str, int | None],
    goal_progress: dict[int, int] | None = None,
    note: str = "",
    went_well: str = "",
    was_hard: str = "",
    measure_answers: dict[str, list[Any]] | None = None,
    difficulty: dict[str, int | None] | None = None,
    created_by_id: int | None = None,
    link_id: int | None = None,
    now: datetime | None = None,
    flush: bool = True,
) -> tuple[CheckIn, dict[str, measures.Score]]:
    """Validate and add one check-in inside an open session (no access check, no commit).

    Callers check access first: `record_checkin` for staff, the link service for clients.
    `measure_answers` lists each instrument's item answers in order, ``None`` for an item not
    answered: a part-answered instrument is saved as a partial response (no total, no band;
    its risk item still flagged), never refused. `difficulty` holds the answer to an
    instrument's unscored difficulty question (PHQ-9's 10th), by instrument code.
    `flush=False` leaves the INSERT to the next flush, so a bulk caller (the CSV import) lets
    SQLAlchemy batch thousands of rows instead of a round trip each; `checkin.id` is then unset.
    """
    if submitted_at.tzinfo is None:
        raise ValidationError({"submitted_at": "needs a time zone"})
    texts = {"note": note, "went_well": went_well, "was_hard": was_hard}
    problems = checkin_problems(
        ratings,
        goal_progress=goal_progress,
        texts=texts,
        has_measure=_any_item_answered(measure_answers),
        submitted_at=submitted_at,
        now=now or utcnow(),
    )
    scores: dict[str, measures.Score] = {}
    try:
        scores = score_measures(measure_answers or {})
    except ValidationError as exc:
        problems.update(exc.problems)
    problems.update(_difficulty_problems(difficulty, scores))
    if goal_progress:
        unknown = set(goal_progress) - _goal_ids_of_client(s, client_id)
        if unknown:
            problems["goal_progress"] = "names a goal that is not in this client's plan"
    if problems:
        raise ValidationError(problems)
    checkin = CheckIn(
        client_id=client_id,
        submitted_at=submitted_at,
        source=source,
        **{r: ratings.get(r) for r in RATINGS},
        note=note,
        went_well=went_well,
        was_hard=was_hard,
        created_by_id=created_by_id,
        link_id=link_id,
    )
    for goal_id, value in (goal_progress or {}).items():
        checkin.goal_progress.append(GoalProgress(goal_id=goal_id, rating=value))
    for code, sc in scores.items():
        checkin.measures.append(
            MeasureResponse(
                client_id=client_id,
                instrument=code,
                administered_at=submitted_at,
                answers=[None if a is None else int(a) for a in measure_answers[code]],  # type: ignore[index]
                is_partial=sc.is_partial,
                total=sc.total,
                severity=sc.severity,
                risk_flag=sc.risk_flag,
                difficulty=(difficulty or {}).get(code),
            )
        )
    s.add(checkin)
    if flush:
        s.flush()
    return checkin, scores


def record_checkin(
    db: Database,
    actor: Actor,
    *,
    client_id: int,
    submitted_at: datetime | None = None,
    source: CheckinSource = CheckinSource.SESSION,
    ratings: dict[str, int | None] | None = None,
    goal_progress: dict[int, int] | None = None,
    note: str = "",
    went_well: str = "",
    was_hard: str = "",
    measure_answers: dict[str, list[Any]] | None = None,
    difficulty: dict[str, int | None] | None = None,
) -> SavedCheckin:
    """A check-in entered by staff (in session, or imported one at a time)."""
    with db.uow() as uow:
        s = uow.session
        client_for_write(s, actor, client_id)
        checkin, scores = add_checkin(
            s,
            client_id=client_id,
            submitted_at=submitted_at or utcnow(),
            source=source,
            ratings=ratings or {},
            goal_progress=goal_progress,
            note=note,
            went_well=went_well,
            was_hard=was_hard,
            measure_answers=measure_answers,
            difficulty=difficulty,
            created_by_id=actor.user_id,
        )
        audit.record(
            s,
            actor,
            "checkin.create",
            "checkin",
            checkin.id,
            client_id=client_id,
            detail={
                "source": source.value,
                "instruments": sorted(scores),
                **partial_detail(scores),
            },
        )
        saved = SavedCheckin(checkin.id, client_id, checkin.submitted_at, scores)
        uow.commit()
        return saved


def mark_entered_in_error(db: Database, actor: Actor, *, checkin_id: int, reason: str) -> None:
    """Hide a check-in from charts and counts, keeping it and saying why and who."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why this check-in was entered in error."})
    with db.uow() as uow:
        s = uow.session
        checkin = s.get(CheckIn, checkin_id)
        if checkin is None:
            raise NotFound("No such check-in.")
        client_for_write(s, actor, checkin.client_id)
        if checkin.entered_in_error:
            raise ValidationError({"": "This check-in is already marked as entered in error."})
        checkin.entered_in_error = True
        checkin.error_reason = reason.strip()
        checkin.error_marked_by_id = actor.user_id
        checkin.error_marked_at = utcnow()
        audit.record(
            s, actor, "checkin.entered_in_error", "checkin", checkin.id, client_id=checkin.client_id
        )
        uow.commit()
