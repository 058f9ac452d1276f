"""Everything one client's exports show, gathered once behind one access check into frozen
dataclasses, so the PDF and FHIR writers take plain data and never a database session.

Why a read model of its own: two rules decide what leaves the building, and they must hold the
same way in every file. *Consent*: a support contact without consent to share is left out
(name, phone, and as the helper of a step) unless the clinician includes them explicitly.
*Client copy*: measures, session summaries and addenda stay out of the data itself, so no
writer can print them by mistake. The default period lives here too: from the session before
the most recent one until the day of the export, so a summary made right after recording
today's session covers the time since the previous meeting.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from care_plans import measures
from care_plans.access import Actor, client_for_read
from care_plans.dates import CHOSEN, PLAN_START, PREVIOUS_SESSION, Period
from care_plans.db import Database
from care_plans.errors import NotFound, ValidationError
from care_plans.installation import installation_id
from care_plans.models import (
    RATINGS,
    Attendance,
    CheckIn,
    Client,
    ClientAssignment,
    MeasureResponse,
    User,
)
from care_plans.read import client_activity, progress, safety
from care_plans.read import sessions as read_sessions
from care_plans.read.plan_views import ContactView, PlanView
from care_plans.read.plans import current_plan, get_plan
from care_plans.read.progress import MeasureSummary

#: What a step's helper reads as when that contact is left out for want of consent.
WITHHELD_HELPER = "a contact not named here (no consent to share)"


@dataclass(frozen=True)
class ClientFacts:
    id: int
    ref: str
    full_name: str
    date_of_birth: date | None
    status: str
    given_name: str = ""
    family_name: str = ""
    administrative_gender: str = "unknown"
    national_id_kind: str | None = None
    national_id: str | None = None


@dataclass(frozen=True)
class Clinician:
    id: int
    username: str
    full_name: str
    is_primary: bool


@dataclass(frozen=True)
class MeasureRow:
    """One administration in the period, against the instrument's baseline."""

    instrument: str
    at: datetime  # clinic wall clock
    total: int
    severity: str
    change: int | None
    reliable_change: str | None
    risk_flag: bool


@dataclass(frozen=True)
class ClientNote:
    """A win or a setback in the client's own words."""

    at: datetime  # clinic wall clock
    kind: str  # progress.WIN or progress.SETBACK
    text: str


@dataclass(frozen=True)
class SummaryData:
    client: ClientFacts
    clinic_name: str
    clinician_name: str
    prepared_by: str
    tz: tzinfo
    period: Period
    plan: PlanView | None
    #: The contacts shown (crisis contacts first); `withheld_contacts` were left out.
    contacts: tuple[ContactView, ...]
    withheld_contacts: int
    include_unconsented: bool
    client_copy: bool
    crisis_message: str
    checkin_count: int
    #: The frames the charts draw (measures emptied in a client copy).
    progress: progress.ProgressData
    measure_rows: tuple[MeasureRow, ...]
    measure_outcomes: tuple[MeasureSummary, ...]
    notes: tuple[ClientNote, ...]
    #: The latest session record up to `period.until`; in a client copy without its summary
    #: and addenda (clinician-only notes).
    latest_session: read_sessions.SessionView | None
    #: Open risk and followed-up self-harm answers, as of the export day; None in a client
    #: copy (which leaves measures out).
    safety: safety.SafetySummary | None = None
    #: Paired recovery over PHQ-9 and GAD-7 (NHS Talking Therapies); None unless both were
    #: measured since the plan started.
    paired_recovery: str | None = None
    #: What the client did on their own link: agreement, steps they ticked, notes in the period.
    client_link: client_activity.ClientActivity | None = None

    @property
    def crisis_contacts(self) -> tuple[ContactView, ...]:
        return tuple(c for c in self.contacts if c.is_crisis_contact)


@dataclass(frozen=True)
class CheckinRecord:
    id: int
    submitted_at: datetime  # UTC
    source: str
    ratings: tuple[tuple[str, int], ...]  # (rating name, 0–10), answered ones only
    went_well: str
    was_hard: str
    #: Withdrawn by a clinician: exported with status entered-in-error (never left out, so a
    #: receiver that already holds it learns it was withdrawn).
    entered_in_error: bool = False


@dataclass(frozen=True)
class MeasureRecord:
    id: int
    checkin_id: int
    instrument: str
    administered_at: datetime  # UTC
    #: One entry per item in item order; None where the item was not answered.
    answers: tuple[int | None, ...]
    #: None for a partial response (no total is scored from some of the items).
    total: int | None
    severity: str
    #: The PHQ-9's 10th question (how difficult the problems made things), 0–3, if answered.
    difficulty: int | None = None
    entered_in_error: bool = False

    @property
    def is_complete(self) -> bool:
        return self.total is not None and all(a is not None for a in self.answers)


@dataclass(frozen=True)
class GasReview:
    """The GAS ratings given on one day, with the T-score over the goals rated then."""

    rated_on: date
    ratings: tuple[tuple[int, int, int], ...]  # (goal id, score −2…+2, weight)
    t_score: float


@dataclass(frozen=True)
class RecordData:
    """The whole record of one client, for the FHIR export."""

    client: ClientFacts
    clinicians: tuple[Clinician, ...]
    plan: PlanView | None
    contacts: tuple[ContactView, ...]
    withheld_contacts: int
    sessions: tuple[read_sessions.SessionView, ...]
    checkins: tuple[CheckinRecord, ...]
    measures: tuple[MeasureRecord, ...]
    #: This installation's id: every exported id and identifier system is namespaced by it.
    installation_id: str = ""
    gas_reviews: tuple[GasReview, ...] = ()


# --- Small shared rules ---------------------------------------------------------------------------


def shared_contacts(
    plan: PlanView | None, contacts: Sequence[ContactView], include_unconsented: bool
) -> tuple[tuple[ContactView, ...], PlanView | None, int]:
    """The contacts that may be shown, the plan with withheld helpers' names replaced, and how
    many contacts were withheld."""
    shown = tuple(c for c in contacts if include_unconsented or c.consent_to_share)
    withheld = {c.id for c in contacts} - {c.id for c in shown}
    if plan is not None and withheld:
        plan = replace(
            plan,
            goals=tuple(
                replace(
                    goal,
                    steps=tuple(
                        replace(step, helper_name=WITHHELD_HELPER)
                        if step.helper_contact_id in withheld
                        else step
                        for step in goal.steps
                    ),
                )
                for goal in plan.goals
            ),
        )
    return shown, plan, len(withheld)


def default_period(session_dates: Sequence[date], plan_start: date | None, until: date) -> Period:
    """From the session before the most recent one (attended sessions up to `until`), else from
    the plan's start, to `until`."""
    days = sorted({d for d in session_dates if d <= until}, reverse=True)
    if len(days) >= 2:
        return Period(days[1], until, PREVIOUS_SESSION)
    if plan_start is not None:
        return Period(min(plan_start, until), until, PLAN_START)
    return Period(days[0] if days else until, until, PLAN_START)


def _period(
    all_sessions: Sequence[read_sessions.SessionView],
    plan_start: date | None,
    since: date | None,
    until: date | None,
    today: date,
) -> Period:
    end = until or today
    attended = [s.session_date for s in all_sessions if s.attendance == Attendance.ATTENDED.value]
    period = default_period(attended, plan_start, end)
    if since is not None:
        period = Period(since, end, CHOSEN)
    if period.since > period.until:
        raise ValidationError({"since": "The period starts after it ends."})
    return period


def _client_facts(client: Client) -> ClientFacts:
    return ClientFacts(
        client.id,
        client.ref,
        client.full_name,
        client.date_of_birth,
        client.status.value,
        client.given_name or "",
        client.family_name or "",
        getattr(client.administrative_gender, "value", client.administrative_gender) or "unknown",
        client.national_id_kind,
        client.national_id,
    )


def _clinicians(s: Session, client_id: int) -> tuple[Clinician, ...]:
    rows = s.execute(
        select(User.id, User.username, User.full_name, ClientAssignment.is_primary)
        .join(ClientAssignment, ClientAssignment.user_id == User.id)
        .where(ClientAssignment.client_id == client_id)
        .order_by(ClientAssignment.is_primary.desc(), User.username)
    ).all()
    return tuple(Clinician(*row) for row in rows)


def _plan(db: Database, actor: Actor, client_id: int) -> PlanView | None:
    try:
        return get_plan(db, actor, client_id)
    except NotFound:
        return None


def _utc_start(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


# --- The session summary -------------------------------------------------------------------------


def plan_period(
    db: Database,
    actor: Actor,
    client_id: int,
    *,
    today: date,
    since: date | None = None,
    until: date | None = None,
) -> tuple[str, Period]:
    """The client's ref and the period a summary made `today` covers (for the page to show
    before exporting)."""
    with db.uow() as uow:
        ref = client_for_read(uow.session, actor, client_id).ref
        plan = current_plan(uow.session, client_id)
        plan_start = plan.start_date if plan is not None else None
    return ref, _period(
        read_sessions.list_sessions(db, actor, client_id), plan_start, since, until, today
    )


def summary_data(
    db: Database,
    actor: Actor,
    client_id: int,
    *,
    since: date | None = None,
    until: date | None = None,
    include_unconsented: bool = False,
    client_copy: bool = False,
    tz: tzinfo,
    today: date,
    clinic_name: str = "",
    crisis_message: str = "",
) -> SummaryData:
    """Everything a session summary (or crisis-plan page) of one client shows.

    `since` / `until` override the default period; `today` (clinic day) ends it otherwise.
    Raises AccessDenied / NotFound as `care_plans.access.client_for_read` does.
    """
    with db.uow() as uow:
        s = uow.session
        client = _client_facts(client_for_read(s, actor, client_id))
        team = _clinicians(s, client_id)
    plan = _plan(db, actor, client_id)
    all_sessions = read_sessions.list_sessions(db, actor, client_id)
    period = _period(all_sessions, plan.start_date if plan else None, since, until, today)
    contacts, plan, withheld = shared_contacts(
        plan, plan.contacts if plan else (), include_unconsented
    )
    data = progress.progress_data(
        db, actor, client_id, since=period.since, until=period.until, tz=tz, today=today
    )
    with db.uow() as uow:
        checkin_count = (
            uow.session.scalar(
                select(func.count(CheckIn.id)).where(
                    CheckIn.client_id == client_id,
                    CheckIn.entered_in_error.is_(False),
                    CheckIn.submitted_at >= _utc_start(period.since, tz),
                    CheckIn.submitted_at < _utc_start(period.until + timedelta(days=1), tz),
                )
            )
            or 0
        )

    latest = next((r for r in all_sessions if r.session_date <= period.until), None)
    risk = None if client_copy else safety.safety_summary(db, actor, client_id, today=today, tz=tz)
    on_link = client_activity.client_activity(
        db,
        actor,
        client_id,
        since=_utc_start(period.since, tz),
        until=_utc_start(period.until + timedelta(days=1), tz),
    )
    if client_copy:
        data = replace(data, measures=data.measures.iloc[0:0], baselines={})
        if latest is not None:
            latest = replace(latest, summary="", addenda=())
    primary = next((c for c in team if c.is_primary), team[0] if team else None)
    clinician = (
        latest.clinician_name
        if latest is not None
        else primary.full_name
        if primary
        else actor.full_name or actor.username
    )
    return SummaryData(
        client=client,
        clinic_name=clinic_name,
        clinician_name=clinician,
        prepared_by=actor.full_name or actor.username,
        tz=tz,
        period=period,
        plan=plan,
        contacts=contacts,
        withheld_contacts=withheld,
        include_unconsented=include_unconsented,
        client_copy=client_copy,
        crisis_message=crisis_message,
        checkin_count=checkin_count,
        progress=data,
        measure_rows=_measure_rows(data),
        measure_outcomes=tuple(
            summary
            for code in measures.INSTRUMENTS
            if (summary := progress.measure_summary(data, code)) is not None
        ),
        notes=tuple(
            ClientNote(pd.Timestamp(row.time).to_pydatetime(), str(row.kind), str(row.text))
            for row in _rows(data.notes.sort_values("time", kind="stable"))
        ),
        latest_session=latest,
        safety=risk,
        client_link=on_link,
        paired_recovery=None if client_copy else _paired_recovery(data),
    )


def _paired_recovery(data: progress.ProgressData) -> str | None:
    """Paired recovery from each instrument's baseline to its latest total in the data."""
    baseline: dict[str, int] = {}
    latest: dict[str, int] = {}
    for code in measures.PAIRED_CASENESS_INSTRUMENTS:
        summary = progress.measure_summary(data, code)
        if summary is not None and summary.baseline_total is not None:
            baseline[code] = summary.baseline_total
            latest[code] = summary.latest_total
    return measures.paired_recovery_status(baseline, latest)


def _rows(frame: pd.DataFrame) -> Iterator[Any]:
    """A frame's rows as named tuples (pandas types their fields as any scalar at all)."""
    return iter(frame.itertuples())


def _measure_rows(data: progress.ProgressData) -> tuple[MeasureRow, ...]:
    rows = []
    for row in _rows(data.measures.sort_values(["time", "instrument"], kind="stable")):
        instrument = str(row.instrument)
        baseline = data.baselines.get(instrument)
        total = int(row.total)
        change = total - baseline.total if baseline is not None else None
        rows.append(
            MeasureRow(
                instrument=instrument,
                at=pd.Timestamp(row.time).to_pydatetime(),
                total=total,
                severity=str(row.severity),
                change=change,
                reliable_change=measures.reliable_change(instrument, baseline.total, total)
                if baseline is not None
                else None,
                risk_flag=bool(row.risk_flag),
            )
        )
    return tuple(rows)


# --- The whole record (FHIR) ---------------------------------------------------------------------


def record_data(
    db: Database, actor: Actor, client_id: int, *, include_unconsented: bool = False
) -> RecordData:
    """The client's whole record: plan, network, sessions, check-ins and every measure.
    Check-ins entered in error (and their measures) are included, marked so: the export says
    they were withdrawn rather than leaving them out."""
    install = installation_id(db)
    with db.uow() as uow:
        s = uow.session
        client = _client_facts(client_for_read(s, actor, client_id))
        team = _clinicians(s, client_id)
        checkin_rows = s.execute(
            select(
                CheckIn.id,
                CheckIn.submitted_at,
                CheckIn.source,
                *(getattr(CheckIn, r) for r in RATINGS),
                CheckIn.went_well,
                CheckIn.was_hard,
                CheckIn.entered_in_error,
            )
            .where(CheckIn.client_id == client_id)
            .order_by(CheckIn.submitted_at, CheckIn.id)
        ).all()
        measure_rows = s.execute(
            select(MeasureResponse, CheckIn.entered_in_error)
            .join(CheckIn, CheckIn.id == MeasureResponse.checkin_id)
            .where(MeasureResponse.client_id == client_id)
            .order_by(MeasureResponse.administered_at, MeasureResponse.id)
        ).all()
        records = tuple(_measure(row, bool(withdrawn)) for row, withdrawn in measure_rows)
    plan = _plan(db, actor, client_id)
    contacts, plan, withheld = shared_contacts(
        plan, plan.contacts if plan else (), include_unconsented
    )
    return RecordData(
        client=client,
        clinicians=team,
        plan=plan,
        contacts=contacts,
        withheld_contacts=withheld,
        sessions=tuple(reversed(read_sessions.list_sessions(db, actor, client_id))),
        checkins=tuple(_checkin(row) for row in checkin_rows),
        measures=records,
        installation_id=install,
        gas_reviews=gas_reviews(plan),
    )


def gas_reviews(plan: PlanView | None) -> tuple[GasReview, ...]:
    """The plan's GAS ratings grouped by the day they were given, each day with its T-score
    (Kiresuk & Sherman, over the goals rated that day)."""
    by_day: dict[date, list[tuple[int, int, int]]] = {}
    for goal in plan.goals if plan is not None else ():
        for rating in goal.gas_ratings:
            by_day.setdefault(rating.rated_on, []).append((goal.id, rating.score, rating.weight))
    return tuple(
        GasReview(
            day,
            tuple(rows),
            measures.gas_t_score([r[1] for r in rows], [float(r[2]) for r in rows]),
        )
        for day, rows in sorted(by_day.items())
    )


def _item_answers(raw: Any, count: int) -> tuple[int | None, ...]:
    """Item answers in item order, None where unanswered: a list (None for a gap) or a mapping
    of 1-based item number to answer."""
    if isinstance(raw, dict):
        raw = [raw.get(str(n), raw.get(n)) for n in range(1, count + 1)]
    answers = [None if a is None else int(a) for a in (raw or [])]
    if len(answers) > count:
        raise ValueError(f"{len(answers)} answers for {count} items")
    return tuple(answers + [None] * (count - len(answers)))


def _measure(row: MeasureResponse, withdrawn: bool) -> MeasureRecord:
    instrument = measures.get_instrument(row.instrument)
    answers = _item_answers(row.answers, instrument.item_count)
    partial = row.is_partial or None in answers
    difficulty = row.difficulty
    return MeasureRecord(
        id=row.id,
        checkin_id=row.checkin_id,
        instrument=row.instrument,
        administered_at=row.administered_at,
        answers=answers,
        total=None if partial or row.total is None else int(row.total),
        severity=row.severity or "",
        difficulty=None if difficulty is None else int(difficulty),
        entered_in_error=withdrawn,
    )


def _checkin(row: Any) -> CheckinRecord:
    values = row[3 : 3 + len(RATINGS)]
    return CheckinRecord(
        id=row.id,
        submitted_at=row.submitted_at,
        source=row.source.value,
        ratings=tuple(
            (name, int(v)) for name, v in zip(RATINGS, values, strict=True) if v is not None
        ),
        went_well=(row.went_well or "").strip(),
        was_hard=(row.was_hard or "").strip(),
        entered_in_error=bool(row.entered_in_error),
    )
