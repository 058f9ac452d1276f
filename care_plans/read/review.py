"""The session review: what changed since the client's last session, for the hour together.

Why a read model of its own: the figures a clinician reads out in session ("your mood has
averaged 8 since we last met, up 3 on the fortnight before") must be right, and computed the same
way every time. They are decided here once, as frozen dataclasses built from a few queries, never
live ORM objects, and tested against data made to give known answers.

The rules:

* The period runs from the date of the client's previous *attended* session before `today` (a
  session the client did not attend, or that was cancelled, reviewed nothing with them), or
  else from the start of the plan, to `today`, both days included. The previous period is the
  same number of days just before it. Check-ins belong to the day they were made in the clinic's
  time zone (`tz`).
* Check-ins marked entered in error count nowhere: not in means, counts, goal progress,
  measures, nor the client's words.
* A rating's change is this period's mean minus the previous period's, None when either has no
  answer. A goal's change is its latest progress rating in the period minus its latest before
  the period, for goals that are active.
* PHQ-9 and GAD-7: the baseline is the first score on or after the plan's start (the same rule
  as the caseload's deterioration flag, `caseload.baseline_and_latest`), the latest is the
  newest up to `today`; reliable change and recovery come from `measures`.
* `PILLAR_PROMPTS` holds warm, non-judgemental questions for each of the five recovery pillars
  of the seed text; `choose_prompts` picks the variant the figures suggest (a fall in the
  connection rating gets a gentle prompt about staying connected).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from care_plans import measures
from care_plans.access import Actor, client_for_read
from care_plans.dates import LAST_SESSION, PLAN_START, Period
from care_plans.db import Database
from care_plans.models import (
    PILLAR_TITLES,
    PILLARS,
    RATINGS,
    Attendance,
    CheckIn,
    ClinicalSession,
    Goal,
    GoalLifecycle,
    GoalProgress,
    MeasureResponse,
    RecoveryDomain,
    Step,
)
from care_plans.read.caseload import baseline_and_latest
from care_plans.read.plans import current_plan
from care_plans.read.progress import MeasureSummary
from care_plans.rules import RATING_LABELS

#: A mean rating that moved by at least this much counts as risen or fallen (as the caseload's
#: mood trend does).
RATING_CHANGE = 1.0
REVIEWED_INSTRUMENTS: tuple[str, ...] = (measures.PHQ_9.code, measures.GAD_7.code)


# --- Read model ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingChange:
    name: str
    label: str
    mean: float | None
    previous_mean: float | None
    count: int
    previous_count: int

    @property
    def delta(self) -> float | None:
        if self.mean is None or self.previous_mean is None:
            return None
        return self.mean - self.previous_mean


@dataclass(frozen=True)
class GoalChange:
    goal_id: int
    description: str
    domain: str
    latest: int | None
    before: int | None
    next_step: str | None

    @property
    def delta(self) -> int | None:
        if self.latest is None or self.before is None:
            return None
        return self.latest - self.before


@dataclass(frozen=True)
class StepDone:
    step_id: int
    description: str
    goal_description: str
    done_on: date


@dataclass(frozen=True)
class ClientWords:
    """A setback or a win, in the client's own words, from one check-in."""

    day: date
    text: str


@dataclass(frozen=True)
class Prompt:
    pillar: RecoveryDomain
    title: str
    texts: tuple[str, ...]
    #: Why this variant was chosen, in plain words; "" for the usual prompts.
    reason: str


@dataclass(frozen=True)
class ReviewData:
    client_id: int
    period: Period
    previous_session_id: int | None
    plan_id: int | None
    plan_start: date | None
    checkins: int
    previous_checkins: int
    ratings: tuple[RatingChange, ...]
    goals: tuple[GoalChange, ...]
    steps_done: tuple[StepDone, ...]
    measures: tuple[MeasureSummary, ...]
    setbacks: tuple[ClientWords, ...]
    wins: tuple[ClientWords, ...]
    prompts: tuple[Prompt, ...]

    def rating(self, name: str) -> RatingChange:
        return next(r for r in self.ratings if r.name == name)

    def measure(self, instrument: str) -> MeasureSummary | None:
        return next((m for m in self.measures if m.instrument == instrument), None)


# --- Pillar prompts (pure data) ------------------------------------------------------------------

#: pillar -> variant -> one or two questions to ask, in the clinician's voice. "usual" is used
#: when the figures suggest nothing in particular.
PILLAR_PROMPTS: dict[RecoveryDomain, dict[str, tuple[str, ...]]] = {
    RecoveryDomain.SEEKING_SUPPORT: {
        "usual": (
            "Who has been helpful to you since we last met, and how did they help?",
            "Is there anyone you would like to lean on a little more, or add to your network?",
        ),
        "harder": (
            "It sounds as if some of this time has been hard. Who could you reach out to when "
            "it feels like this, and what would make reaching out a little easier?",
            "Shall we look at your crisis plan together and check it still feels right?",
        ),
    },
    RecoveryDomain.SELF_CARE: {
        "usual": (
            "How have you been looking after yourself lately: sleep, food, moving, resting?",
            "Is there one small thing that brings you joy that we could make room for?",
        ),
        "dipped": (
            "Looking after yourself seems to have been harder lately, which is very "
            "understandable. What is one small, kind thing you could do for yourself each day?",
            "Is anything getting in the way of sleep or rest that we could think about together?",
        ),
        "rose": (
            "It looks as if you have been taking good care of yourself. What has made that "
            "possible, and how can we keep it going?",
        ),
    },
    RecoveryDomain.REALISTIC_GOALS: {
        "usual": (
            "Which of your goals feels most important to you right now?",
            "What would be a small, realistic next step, something you feel fairly sure you "
            "can do before we next meet?",
        ),
        "steps_done": (
            "You have completed steps since we last met. That is real progress: how does it "
            "feel to look back on it?",
            "What helped you get there, and what would you like the next small step to be?",
        ),
        "stalled": (
            "Progress is rarely a straight line. Would it help to make the next step smaller, "
            "or to choose a different one for now?",
        ),
    },
    RecoveryDomain.STAYING_CONNECTED: {
        "usual": (
            "Who have you felt connected to recently?",
            "Is there someone you would like to spend a little more time with?",
        ),
        "fell": (
            "You have felt a little less connected lately, and that can be hard. Is there one "
            "person or group you might get in touch with, even briefly?",
            "What tends to get in the way of staying in touch, and could anyone help with that?",
        ),
        "rose": ("You have been feeling more connected. What has helped with that?",),
    },
    RecoveryDomain.RESILIENCE: {
        "usual": ("What have you coped with since we last met that you are quietly proud of?",),
        "setback": (
            "Setbacks are a normal part of recovery and do not undo the progress you have "
            "made. What did you learn about what helps when things get hard?",
            "How could you be as kind to yourself as you would be to a friend going through this?",
        ),
        "progress": (
            "Things seem to be moving in a good direction. Let us take a moment to notice "
            "that: what do you think has made the difference?",
        ),
    },
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def choose_prompts(
    *,
    ratings: Iterable[RatingChange],
    goals: Iterable[GoalChange],
    steps_done: int,
    summaries: Iterable[MeasureSummary],
    setbacks: int,
    wins: int,
) -> tuple[Prompt, ...]:
    """One prompt per pillar, in the seed text's order, the variant chosen from the figures."""
    by_name = {r.name: r for r in ratings}
    summaries = list(summaries)

    def moved(name: str, sign: int) -> str | None:
        """ "Connection fell by 1.5" when the rating moved at least RATING_CHANGE that way."""
        delta = by_name[name].delta if name in by_name else None
        if delta is None or sign * delta < RATING_CHANGE:
            return None
        return f"{by_name[name].label} {'rose' if delta > 0 else 'fell'} by {abs(delta):.1f}"

    def pick(pillar: RecoveryDomain, *choices: tuple[str, list[str | None]]) -> Prompt:
        """The first variant with a reason, else the usual prompts."""
        for variant, reasons in choices:
            given = [r for r in reasons if r]
            if given:
                return Prompt(
                    pillar,
                    PILLAR_TITLES[pillar],
                    PILLAR_PROMPTS[pillar][variant],
                    "; ".join(given) + ".",
                )
        return Prompt(pillar, PILLAR_TITLES[pillar], PILLAR_PROMPTS[pillar]["usual"], "")

    noted = _plural(setbacks, "setback") + " noted" if setbacks else None
    worse = [
        f"{m.instrument} reliably worse than at baseline"
        for m in summaries
        if m.reliable_change == measures.DETERIORATED
    ]
    better = [
        f"{m.instrument} reliably better than at baseline"
        for m in summaries
        if m.reliable_change == measures.IMPROVED
    ]
    slipped = sum(1 for g in goals if g.delta is not None and g.delta < 0)
    done = _plural(steps_done, "step") + " done" if steps_done else None
    lower = f"Progress rated lower on {_plural(slipped, 'goal')}" if slipped else None
    wins_noted = _plural(wins, "win") + " noted" if wins else None
    support, self_care, goals_pillar, connected, resilience = PILLARS
    return (
        pick(support, ("harder", [noted, *worse, moved("mood", -1)])),
        pick(
            self_care,
            ("dipped", [moved("self_care", -1), moved("sleep", -1)]),
            ("rose", [moved("self_care", +1)]),
        ),
        pick(goals_pillar, ("steps_done", [done]), ("stalled", [lower])),
        pick(connected, ("fell", [moved("connection", -1)]), ("rose", [moved("connection", +1)])),
        pick(
            resilience, ("setback", [noted]), ("progress", [*better, wins_noted, moved("mood", +1)])
        ),
    )


# --- Building it ---------------------------------------------------------------------------------


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def _wall_clock(moment: datetime, tz: tzinfo) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)


def _period(
    s: Session, client_id: int, plan_start: date | None, today: date
) -> tuple[Period, int | None]:
    previous = s.execute(
        select(ClinicalSession.id, ClinicalSession.session_date)
        .where(
            ClinicalSession.client_id == client_id,
            ClinicalSession.attendance == Attendance.ATTENDED,
            ClinicalSession.session_date < today,
        )
        .order_by(ClinicalSession.session_date.desc(), ClinicalSession.id.desc())
        .limit(1)
    ).first()
    if previous is not None:
        return Period(previous[1], today, LAST_SESSION), previous[0]
    return Period(min(plan_start or today, today), today, PLAN_START), None


def _rating(name: str, now: list[CheckIn], before: list[CheckIn]) -> RatingChange:
    this = [v for c in now if (v := getattr(c, name)) is not None]
    last = [v for c in before if (v := getattr(c, name)) is not None]
    return RatingChange(
        name,
        RATING_LABELS[name],
        sum(this) / len(this) if this else None,
        sum(last) / len(last) if last else None,
        len(this),
        len(last),
    )


def _summaries(
    s: Session, client_id: int, plan_start: date | None, period: Period, upper: datetime, tz: tzinfo
) -> tuple[MeasureSummary, ...]:
    rows = s.execute(
        select(
            MeasureResponse.instrument,
            MeasureResponse.administered_at,
            MeasureResponse.total,
            MeasureResponse.risk_flag,
            MeasureResponse.id,
        )
        .join(CheckIn, CheckIn.id == MeasureResponse.checkin_id)
        .where(
            MeasureResponse.client_id == client_id,
            CheckIn.entered_in_error.is_(False),
            MeasureResponse.is_partial.is_(False),  # no total: never scored or a baseline
            MeasureResponse.instrument.in_(REVIEWED_INSTRUMENTS),
            MeasureResponse.administered_at < upper,
        )
        .order_by(MeasureResponse.administered_at, MeasureResponse.id)
    ).all()
    summaries = []
    for code in REVIEWED_INSTRUMENTS:
        mine = [r for r in rows if r.instrument == code]
        if not mine:
            continue
        baseline, _ = baseline_and_latest(
            [(r.administered_at, r.total) for r in mine], plan_start, tz
        )
        newest = mine[-1]  # ordered by time then id: a tie ends on the newest row
        latest_at = _wall_clock(newest.administered_at, tz)
        summaries.append(
            MeasureSummary(
                instrument=code,
                latest_at=latest_at,
                latest_total=newest.total,
                severity=measures.severity(code, newest.total),
                baseline_at=_wall_clock(baseline[0], tz) if baseline else None,
                baseline_total=baseline[1] if baseline else None,
                risk_flag=newest.risk_flag,
                latest_in_period=latest_at.date() in period,
            )
        )
    return tuple(summaries)


def since_last_session(
    db: Database, actor: Actor, client_id: int, *, today: date, tz: tzinfo
) -> ReviewData:
    """Everything the session review shows about the period since the last session."""
    with db.uow() as uow:
        s = uow.session
        client_for_read(s, actor, client_id)
        plan = current_plan(s, client_id)
        plan_start = plan.start_date if plan is not None else None
        period, previous_session_id = _period(s, client_id, plan_start, today)
        upper = _midnight(period.until + timedelta(days=1), tz)

        checkins = s.scalars(
            select(CheckIn)
            .where(
                CheckIn.client_id == client_id,
                CheckIn.entered_in_error.is_(False),
                CheckIn.submitted_at >= _midnight(period.before().since, tz),
                CheckIn.submitted_at < upper,
            )
            .order_by(CheckIn.submitted_at, CheckIn.id)
        ).all()
        now_ins = [c for c in checkins if c.submitted_at.astimezone(tz).date() >= period.since]
        before_ins = [c for c in checkins if c.submitted_at.astimezone(tz).date() < period.since]
        ratings = tuple(_rating(name, now_ins, before_ins) for name in RATINGS)

        def words(field: str) -> tuple[ClientWords, ...]:
            return tuple(
                ClientWords(c.submitted_at.astimezone(tz).date(), text)
                for c in now_ins
                if (text := getattr(c, field).strip())
            )

        goals: tuple[GoalChange, ...] = ()
        steps_done: tuple[StepDone, ...] = ()
        if plan is not None:
            goals, steps_done = _goals(s, plan.id, period, upper, tz)
        summaries = _summaries(s, client_id, plan_start, period, upper, tz)
        setbacks, wins = words("was_hard"), words("went_well")
        return ReviewData(
            client_id=client_id,
            period=period,
            previous_session_id=previous_session_id,
            plan_id=plan.id if plan is not None else None,
            plan_start=plan_start,
            checkins=len(now_ins),
            previous_checkins=len(before_ins),
            ratings=ratings,
            goals=goals,
            steps_done=steps_done,
            measures=summaries,
            setbacks=setbacks,
            wins=wins,
            prompts=choose_prompts(
                ratings=ratings,
                goals=goals,
                steps_done=len(steps_done),
                summaries=summaries,
                setbacks=len(setbacks),
                wins=len(wins),
            ),
        )


def _goals(
    s: Session, plan_id: int, period: Period, upper: datetime, tz: tzinfo
) -> tuple[tuple[GoalChange, ...], tuple[StepDone, ...]]:
    """Active goals with their progress change and next step; steps done in the period."""
    every_goal = s.scalars(
        select(Goal)
        .where(Goal.plan_id == plan_id, Goal.is_archived.is_(False))
        .order_by(Goal.position, Goal.id)
    ).all()
    goal_ids = [g.id for g in every_goal]
    steps: dict[int, list[Step]] = defaultdict(list)
    if goal_ids:
        for step in s.scalars(
            select(Step)
            .where(Step.goal_id.in_(goal_ids), Step.is_archived.is_(False))
            .order_by(Step.position, Step.id)
        ):
            steps[step.goal_id].append(step)
    active = [g for g in every_goal if g.lifecycle_status == GoalLifecycle.ACTIVE]
    latest: dict[int, int] = {}
    before: dict[int, int] = {}
    if active:
        for goal_id, rating, at in s.execute(
            select(GoalProgress.goal_id, GoalProgress.rating, CheckIn.submitted_at)
            .join(CheckIn, CheckIn.id == GoalProgress.checkin_id)
            .where(
                GoalProgress.goal_id.in_([g.id for g in active]),
                CheckIn.entered_in_error.is_(False),
                CheckIn.submitted_at < upper,
            )
            .order_by(CheckIn.submitted_at, CheckIn.id)
        ):
            # In time order, so the last one written for each goal is the latest.
            (latest if at.astimezone(tz).date() >= period.since else before)[goal_id] = rating
    changes = tuple(
        GoalChange(
            goal_id=g.id,
            description=g.description,
            domain=g.domain.value,
            latest=latest.get(g.id),
            before=before.get(g.id),
            next_step=next((st.description for st in steps[g.id] if st.done_on is None), None),
        )
        for g in active
    )
    done = tuple(
        StepDone(st.id, st.description, g.description, st.done_on)
        for g in every_goal
        for st in steps[g.id]
        if st.done_on is not None and st.done_on in period
    )
    return changes, tuple(sorted(done, key=lambda d: (d.done_on, d.step_id)))
