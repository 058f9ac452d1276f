"""Open risk for one client, read once and shown first everywhere: the review page's banner,
the client page and the "Risk and safety" box on the summary PDF's first page.

Why a module of its own: "is there an open self-harm answer?" must read the same on every
output, and an answer that was followed up must never read like one that was not. The rules
are the product's own: the risk item (``care_plans.measures.risk_endorsed``, stored as
``MeasureResponse.risk_flag``) on complete *and* partial responses; reliable deterioration and
"no check-in 14 days" exactly as the caseload decides them (``caseload.caseload_flags``), on
the clinic's days. Answers are given in the questionnaire's published words
("Nearly every day"), not as numbers. Frozen dataclasses only; no ORM object leaves here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from care_plans import measures
from care_plans.access import Actor, client_for_read
from care_plans.db import Database
from care_plans.models import CheckIn, MeasureResponse, User
from care_plans.read.caseload import (
    CHECKIN_GAP,
    DETERIORATION,
    FLAGGED_INSTRUMENTS,
    NO_RECENT_CHECKIN,
    baseline_and_latest,
    caseload_flags,
)
from care_plans.read.plans import current_plan

__all__ = ["Deterioration", "SafetySummary", "SelfHarmAnswer", "safety_in", "safety_summary"]


@dataclass(frozen=True)
class SelfHarmAnswer:
    """One endorsement of a risk item (PHQ-9 item 9), open or followed up."""

    measure_response_id: int
    instrument: str
    administered_at: datetime  # UTC
    answer: int
    #: The published wording of the answer, e.g. "Nearly every day".
    answer_wording: str
    #: "complete", or e.g. "incomplete: items 1–8 not answered" for a partial response.
    completeness: str
    total: int | None
    followed_up_at: datetime | None
    followed_up_by: str | None
    follow_up_note: str | None

    @property
    def is_open(self) -> bool:
        return self.followed_up_at is None


@dataclass(frozen=True)
class Deterioration:
    """A reliable worsening from the baseline since the plan started to the latest score."""

    instrument: str
    baseline_total: int
    baseline_at: datetime
    latest_total: int
    latest_at: datetime


@dataclass(frozen=True)
class SafetySummary:
    open_self_harm: tuple[SelfHarmAnswer, ...]
    followed_up: tuple[SelfHarmAnswer, ...]
    deteriorations: tuple[Deterioration, ...]
    last_checkin: datetime | None
    #: No check-in for more than 14 clinic days (the caseload's "no check-in 14 days").
    no_recent_checkin: bool

    @property
    def has_open_alerts(self) -> bool:
        return bool(self.open_self_harm or self.deteriorations or self.no_recent_checkin)


def _self_harm_answers(s: Session, client_id: int) -> list[SelfHarmAnswer]:
    follower = aliased(User)
    rows = s.execute(
        select(MeasureResponse, follower.full_name, follower.username)
        .join(CheckIn, CheckIn.id == MeasureResponse.checkin_id)
        .outerjoin(follower, follower.id == MeasureResponse.risk_followed_up_by_id)
        .where(
            MeasureResponse.client_id == client_id,
            MeasureResponse.risk_flag.is_(True),
            CheckIn.entered_in_error.is_(False),
        )
        .order_by(MeasureResponse.administered_at.desc(), MeasureResponse.id.desc())
    ).all()
    found = []
    for response, full_name, username in rows:
        instrument = measures.get_instrument(response.instrument)
        if instrument.risk_item is None:
            continue
        answer = int(response.answers[instrument.risk_item])
        unanswered = [n for n, a in enumerate(response.answers, start=1) if a is None]
        found.append(
            SelfHarmAnswer(
                measure_response_id=response.id,
                instrument=response.instrument,
                administered_at=response.administered_at,
                answer=answer,
                answer_wording=instrument.answer_label(answer),
                completeness=(
                    measures.describe_unanswered(unanswered)
                    if response.is_partial
                    else measures.COMPLETE
                ),
                total=response.total,
                followed_up_at=response.risk_followed_up_at,
                followed_up_by=(full_name or username) if response.risk_followed_up_by_id else None,
                follow_up_note=response.risk_follow_up_note,
            )
        )
    return found


def safety_in(s: Session, client_id: int, *, today: date, tz: tzinfo) -> SafetySummary:
    """The client's open risk inside an open session (the caller has checked access)."""
    answers = _self_harm_answers(s, client_id)
    plan = current_plan(s, client_id)
    plan_start = plan.start_date if plan is not None else None
    last_checkin = s.scalar(
        select(func.max(CheckIn.submitted_at)).where(
            CheckIn.client_id == client_id, CheckIn.entered_in_error.is_(False)
        )
    )
    scored = s.execute(
        select(MeasureResponse.instrument, MeasureResponse.administered_at, MeasureResponse.total)
        .join(CheckIn, CheckIn.id == MeasureResponse.checkin_id)
        .where(
            MeasureResponse.client_id == client_id,
            CheckIn.entered_in_error.is_(False),
            MeasureResponse.is_partial.is_(False),
            MeasureResponse.instrument.in_(FLAGGED_INSTRUMENTS),
        )
        .order_by(MeasureResponse.administered_at, MeasureResponse.id)
    ).all()
    timed: dict[str, list[tuple[datetime, int]]] = {}
    for instrument, at, total in scored:
        assert total is not None  # complete responses only (check partial_has_no_total)
        timed.setdefault(instrument, []).append((at, int(total)))
    flags = caseload_flags(
        today=today,
        plan_status=plan.status.value if plan is not None else None,
        plan_start=plan_start,
        next_review_date=None,
        last_checkin=last_checkin,
        scores=timed,
        tz=tz,
    )
    deteriorations = []
    if DETERIORATION in flags:
        for instrument in FLAGGED_INSTRUMENTS:
            baseline, latest = baseline_and_latest(timed.get(instrument, []), plan_start, tz)
            if (
                baseline is not None
                and latest is not None
                and measures.reliable_change(instrument, baseline[1], latest[1])
                == measures.DETERIORATED
            ):
                deteriorations.append(
                    Deterioration(instrument, baseline[1], baseline[0], latest[1], latest[0])
                )
    return SafetySummary(
        open_self_harm=tuple(a for a in answers if a.is_open),
        followed_up=tuple(a for a in answers if not a.is_open),
        deteriorations=tuple(deteriorations),
        last_checkin=last_checkin,
        no_recent_checkin=NO_RECENT_CHECKIN in flags,
    )


def safety_summary(
    db: Database, actor: Actor, client_id: int, *, today: date, tz: tzinfo
) -> SafetySummary:
    """The client's open risk, access-checked (read access is enough). `today` is the clinic's
    date and `tz` its time zone."""
    with db.uow() as uow:
        client_for_read(uow.session, actor, client_id)
        return safety_in(uow.session, client_id, today=today, tz=tz)


#: For captions: the gap that raises "no check-in".
CHECKIN_GAP_DAYS = CHECKIN_GAP.days
