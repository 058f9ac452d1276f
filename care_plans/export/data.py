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

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from care_plans import client_activity, measures, progress
from care_plans.access import Actor, client_for_read
from care_plans.db import Database
from care_plans.errors import NotFound, ValidationError
from care_plans.models import (
    RATINGS,
    Attendance,
    CheckIn,
    Client,
    ClientAssignment,
    MeasureResponse,
    User,
)
from care_plans.services import sessions
from care_plans.services.plan_views import ContactView, PlanView
from care_plans.services.plans import current_plan, get_plan

#: What a step's helper reads as when that contact is left out for want of consent.
WITHHELD_HELPER = "a contact not named here (no consent to share)"

PREVIOUS_SESSION = "previous session"
PLAN_START = "plan start"
CHOSEN = "chosen"


@dataclass(frozen=True)
class ClientFacts:
    id: int
    ref: str
    full_name: str
    date_of_birth: date | None
    status: str


@dataclass(frozen=True)
class Clinician:
    id: int
    username: str
    full_name: str
    is_primary: bool


@dataclass(frozen=True)
class Period:
    """`since`..`until`, clinic days, both included. `basis` says where `since` came from."""

    since: date
    until: date
    basis: str

    def describe(self) -> str:
        why = {PREVIOUS_SESSION: " (since the session before the most recent one)",
               PLAN_START: " (since the plan started)"}.get(self.basis, "")
        return f"{show_day(self.since)} to {show_day(self.until)}{why}"


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
    measure_outcomes: tuple[progress.MeasureSummary, ...]
    notes: tuple[ClientNote, ...]
    #: The latest session record up to `period.until`; in a client copy without its summary
    #: and addenda (clinician-only notes).
    latest_session: sessions.SessionView | None
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


@dataclass(frozen=True)
class MeasureRecord:
    id: int
    checkin_id: int
    instrument: str
    administered_at: datetime  # UTC
    answers: tuple[int, ...]
    total: int
    severity: str


@dataclass(frozen=True)
class RecordData:
    """The whole record of one client, for the FHIR export."""

    client: ClientFacts
    clinicians: tuple[Clinician, ...]
    plan: PlanView | None
    contacts: tuple[ContactView, ...]
    withheld_contacts: int
    sessions: tuple[sessions.SessionView, ...]
    checkins: tuple[CheckinRecord, ...]
    measures: tuple[MeasureRecord, ...]


# --- Small shared rules ---------------------------------------------------------------------------


def show_day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def shared_contacts(plan: PlanView | None, contacts: Sequence[ContactView],
                    include_unconsented: bool) -> tuple[tuple[ContactView, ...],
                                                        PlanView | None, int]:
    """The contacts that may be shown, the plan with withheld helpers' names replaced, and how
    many contacts were withheld."""
    shown = tuple(c for c in contacts if include_unconsented or c.consent_to_share)
    withheld = {c.id for c in contacts} - {c.id for c in shown}
    if plan is not None and withheld:
        plan = replace(plan, goals=tuple(
            replace(goal, steps=tuple(
                replace(step, helper_name=WITHHELD_HELPER)
                if step.helper_contact_id in withheld else step
                for step in goal.steps))
            for goal in plan.goals))
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


def _period(all_sessions: Sequence[sessions.SessionView], plan_start: date | None,
            since: date | None, until: date | None, today: date) -> Period:
    end = until or today
    attended = [s.session_date for s in all_sessions if s.attendance == Attendance.ATTENDED.value]
    period = default_period(attended, plan_start, end)
    if since is not None:
        period = Period(since, end, CHOSEN)
    if period.since > period.until:
        raise ValidationError({"since": "The period starts after it ends."})
    return period


def _client_facts(client: Client) -> ClientFacts:
    return ClientFacts(client.id, client.ref, client.full_name, client.date_of_birth,
                       client.status.value)


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


def plan_period(db: Database, actor: Actor, client_id: int, *, today: date,
                since: date | None = None, until: date | None = None) -> tuple[str, Period]:
    """The client's ref and the period a summary made `today` covers (for the page to show
    before exporting)."""
    with db.uow() as uow:
        ref = client_for_read(uow.session, actor, client_id).ref
        plan = current_plan(uow.session, client_id)
        plan_start = plan.start_date if plan is not None else None
    return ref, _period(sessions.list_sessions(db, actor, client_id), plan_start, since, until,
                        today)


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
    today: date | None = None,
    clinic_name: str = "",
    crisis_message: str = "",
) -> SummaryData:
    """Everything a session summary (or crisis-plan page) of one client shows.

    `since` / `until` override the default period; `today` (clinic day) ends it otherwise.
    Raises AccessDenied / NotFound as `care_plans.access.client_for_read` does.
    """
    today = today or datetime.now(tz).date()
    with db.uow() as uow:
        s = uow.session
        client = _client_facts(client_for_read(s, actor, client_id))
        team = _clinicians(s, client_id)
    plan = _plan(db, actor, client_id)
    all_sessions = sessions.list_sessions(db, actor, client_id)
    period = _period(all_sessions, plan.start_date if plan else None, since, until, today)
    contacts, plan, withheld = shared_contacts(plan, plan.contacts if plan else (),
                                               include_unconsented)
    data = progress.progress_data(db, actor, client_id, since=period.since, until=period.until,
                                  tz=tz, today=today)
    with db.uow() as uow:
        checkin_count = uow.session.scalar(
            select(func.count(CheckIn.id)).where(
                CheckIn.client_id == client_id, CheckIn.entered_in_error.is_(False),
                CheckIn.submitted_at >= _utc_start(period.since, tz),
                CheckIn.submitted_at < _utc_start(period.until + timedelta(days=1), tz))
        ) or 0

    latest = next((r for r in all_sessions if r.session_date <= period.until), None)
    on_link = client_activity.client_activity(
        db, actor, client_id, since=_utc_start(period.since, tz),
        until=_utc_start(period.until + timedelta(days=1), tz))
    if client_copy:
        data = replace(data, measures=data.measures.iloc[0:0], baselines={})
        if latest is not None:
            latest = replace(latest, summary="", addenda=())
    primary = next((c for c in team if c.is_primary), team[0] if team else None)
    clinician = (latest.clinician_name if latest is not None
                 else primary.full_name if primary else actor.full_name or actor.username)
    return SummaryData(
        client=client, clinic_name=clinic_name, clinician_name=clinician,
        prepared_by=actor.full_name or actor.username, tz=tz, period=period,
        plan=plan, contacts=contacts, withheld_contacts=withheld,
        include_unconsented=include_unconsented, client_copy=client_copy,
        crisis_message=crisis_message, checkin_count=checkin_count, progress=data,
        measure_rows=_measure_rows(data), measure_outcomes=tuple(
            summary for code in measures.INSTRUMENTS
            if (summary := progress.measure_summary(data, code)) is not None),
        notes=tuple(ClientNote(row.time.to_pydatetime(), row.kind, row.text)
                    for row in data.notes.sort_values("time", kind="stable").itertuples()),
        latest_session=latest, client_link=on_link,
    )


def _measure_rows(data: progress.ProgressData) -> tuple[MeasureRow, ...]:
    rows = []
    for row in data.measures.sort_values(["time", "instrument"], kind="stable").itertuples():
        baseline = data.baselines.get(row.instrument)
        total = int(row.total)
        change = total - baseline.total if baseline is not None else None
        rows.append(MeasureRow(
            instrument=row.instrument, at=row.time.to_pydatetime(), total=total,
            severity=str(row.severity), change=change,
            reliable_change=measures.reliable_change(row.instrument, baseline.total, total)
            if baseline is not None else None,
            risk_flag=bool(row.risk_flag),
        ))
    return tuple(rows)


# --- The whole record (FHIR) ---------------------------------------------------------------------


def record_data(db: Database, actor: Actor, client_id: int, *,
                include_unconsented: bool = False) -> RecordData:
    """The client's whole record: plan, network, sessions, check-ins and every measure.
    Check-ins entered in error are left out, as everywhere else."""
    with db.uow() as uow:
        s = uow.session
        client = _client_facts(client_for_read(s, actor, client_id))
        team = _clinicians(s, client_id)
        checkin_rows = s.execute(
            select(CheckIn.id, CheckIn.submitted_at, CheckIn.source,
                   *(getattr(CheckIn, r) for r in RATINGS), CheckIn.went_well, CheckIn.was_hard)
            .where(CheckIn.client_id == client_id, CheckIn.entered_in_error.is_(False))
            .order_by(CheckIn.submitted_at, CheckIn.id)
        ).all()
        measure_rows = s.execute(
            select(MeasureResponse.id, MeasureResponse.checkin_id, MeasureResponse.instrument,
                   MeasureResponse.administered_at, MeasureResponse.answers,
                   MeasureResponse.total, MeasureResponse.severity)
            .join(CheckIn, CheckIn.id == MeasureResponse.checkin_id)
            .where(MeasureResponse.client_id == client_id, CheckIn.entered_in_error.is_(False))
            .order_by(MeasureResponse.administered_at, MeasureResponse.id)
        ).all()
    plan = _plan(db, actor, client_id)
    contacts, plan, withheld = shared_contacts(plan, plan.contacts if plan else (),
                                               include_unconsented)
    return RecordData(
        client=client, clinicians=team, plan=plan, contacts=contacts, withheld_contacts=withheld,
        sessions=tuple(reversed(sessions.list_sessions(db, actor, client_id))),
        checkins=tuple(_checkin(row) for row in checkin_rows),
        measures=tuple(
            MeasureRecord(row.id, row.checkin_id, row.instrument, row.administered_at,
                          tuple(int(a) for a in row.answers), row.total, row.severity)
            for row in measure_rows),
    )


def _checkin(row: Any) -> CheckinRecord:
    values = row[3:3 + len(RATINGS)]
    return CheckinRecord(
        id=row.id, submitted_at=row.submitted_at, source=row.source.value,
        ratings=tuple((name, int(v)) for name, v in zip(RATINGS, values, strict=True)
                      if v is not None),
        went_well=(row.went_well or "").strip(), was_hard=(row.was_hard or "").strip(),
    )
