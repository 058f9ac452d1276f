"""The caseload: a clinician's home page, with the flags that say which client needs them first.

Why a module of its own: the flags ("review overdue", "no check-in 14 days", "reliable
deterioration", "self-harm item") are clinical rules, so they are decided once, by the pure
function :func:`caseload_flags` (no Session, no I/O, unit-tested at every edge), and fed by a
handful of set-based queries, never one query per client, so the page stays quick with
thousands of clients. Like ``queries.py`` it returns frozen dataclasses, never ORM objects.

Days are the clinic's calendar days: a check-in's day is the date of ``submitted_at`` in the
clinic's time zone (``tz``), and ``today`` is the clinic's date, so "no check-in 14 days" and
baselines agree with the clinic's wall clock. Partial (part-answered) measure responses never
count as scores, but a self-harm answer in one pins the alert like any other.

Searching and name sorting happen in Python, not SQL: SQLite's ``lower()`` and ``LIKE`` fold
ASCII letters only, so "élise" would not find "Élise" there. Matching ignores case and accents
("elise" finds "Élise") and treats ``%`` and ``_`` literally, on every engine alike.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Date, Select, and_, case, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from care_plans import measures
from care_plans.access import Actor, visible_client_ids
from care_plans.db import Database
from care_plans.errors import ValidationError
from care_plans.models import (
    CarePlan,
    CheckIn,
    Client,
    ClientAssignment,
    ClientStatus,
    MeasureResponse,
    PlanStatus,
    User,
)

# Flag codes, most urgent first: rows show them in this order.
SELF_HARM = "self-harm item"
DETERIORATION = "reliable deterioration"
REVIEW_OVERDUE = "review overdue"
NO_RECENT_CHECKIN = "no check-in 14 days"
FLAGS: tuple[str, ...] = (SELF_HARM, DETERIORATION, REVIEW_OVERDUE, NO_RECENT_CHECKIN)

#: A client who has not checked in for longer than this is flagged.
CHECKIN_GAP = timedelta(days=14)
#: Plans in these statuses are expected to be reviewed on time.
OPEN_PLAN_STATUSES: frozenset[str] = frozenset(
    s.value for s in (PlanStatus.ACTIVE, PlanStatus.DRAFT, PlanStatus.ON_HOLD)
)
#: Instruments whose deterioration raises a flag.
FLAGGED_INSTRUMENTS: tuple[str, ...] = (measures.PHQ_9.code, measures.GAD_7.code)
TREND_WINDOW_DAYS = 7
TREND_THRESHOLD = 1.0
SPARKLINE_DAYS = 14
MAX_PAGE_SIZE = 500

#: (when administered, total) of one instrument for one client.
TimedScore = tuple[datetime, int]


@dataclass(frozen=True)
class CaseloadRow:
    client_id: int
    ref: str
    name: str
    status: str
    primary_clinician: str | None
    last_checkin: datetime | None
    latest_mood: int | None
    mood_trend: str | None
    mood_recent: tuple[int, ...]
    latest_phq9: int | None
    phq9_severity: str | None
    latest_gad7: int | None
    gad7_severity: str | None
    next_review_date: date | None
    flags: tuple[str, ...]


@dataclass(frozen=True)
class CaseloadPage:
    rows: tuple[CaseloadRow, ...]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class RiskAlert:
    measure_response_id: int
    client_id: int
    ref: str
    name: str
    administered_at: datetime
    item9_answer: int
    #: None for a partial response, which has no total.
    total: int | None
    #: "complete", or e.g. "incomplete: items 2–8 not answered".
    completeness: str = "complete"

    @property
    def answer_wording(self) -> str:
        """The answer in the questionnaire's published words, e.g. "Nearly every day"."""
        return measures.PHQ_9.answer_label(self.item9_answer)


# -- Pure rules ----------------------------------------------------------------------------------


def clinic_day(moment: datetime, tz: tzinfo = UTC) -> date:
    """The calendar day of a moment in the clinic's time zone (what 'today' and a plan's start
    date mean to a clinician)."""
    return moment.astimezone(tz).date()


def baseline_and_latest(
    scores: Iterable[TimedScore], plan_start: date | None, tz: tzinfo = UTC
) -> tuple[TimedScore | None, TimedScore | None]:
    """The first score on or after the plan's start (earlier ones belong to an earlier episode)
    and the newest score; either is None when there is none."""
    ordered = sorted(scores, key=lambda s: s[0])
    latest = ordered[-1] if ordered else None
    if plan_start is None:
        return None, latest
    baseline = next((s for s in ordered if clinic_day(s[0], tz) >= plan_start), None)
    return baseline, latest


def caseload_flags(
    *,
    today: date,
    plan_status: str | None,
    plan_start: date | None,
    next_review_date: date | None,
    last_checkin: datetime | None,
    scores: Mapping[str, Iterable[TimedScore]] | None = None,
    self_harm_pending: bool = False,
    discharged: bool = False,
    tz: tzinfo = UTC,
) -> tuple[str, ...]:
    """The flag codes of one client, in :data:`FLAGS` order. Inputs exclude entered-in-error.

    * "review overdue": the current plan is active, draft or on hold and its next review date
      is before `today` (due today is not overdue).
    * "no check-in 14 days": the last check-in's day is more than 14 days before `today`, or
      there is none and the plan started more than 14 days before `today`.
    * "reliable deterioration": for PHQ-9 or GAD-7, the newest score is reliably worse
      (measures.reliable_change) than the first score on or after the plan's start date.
    * "self-harm item": a self-harm endorsement that nobody has followed up yet.

    A discharged client is off the caseload and carries no flags.
    """
    if discharged:
        return ()
    raised: set[str] = set()
    if self_harm_pending:
        raised.add(SELF_HARM)
    for instrument, timed in (scores or {}).items():
        if instrument not in FLAGGED_INSTRUMENTS:
            continue
        baseline, latest = baseline_and_latest(timed, plan_start, tz)
        if baseline is not None and latest is not None and (
            measures.reliable_change(instrument, baseline[1], latest[1]) == measures.DETERIORATED
        ):
            raised.add(DETERIORATION)
    if (plan_status in OPEN_PLAN_STATUSES and next_review_date is not None
            and next_review_date < today):
        raised.add(REVIEW_OVERDUE)
    cutoff = today - CHECKIN_GAP
    if last_checkin is not None:
        if clinic_day(last_checkin, tz) < cutoff:
            raised.add(NO_RECENT_CHECKIN)
    elif plan_start is not None and plan_start < cutoff:
        raised.add(NO_RECENT_CHECKIN)
    return tuple(code for code in FLAGS if code in raised)


def mood_trend(daily_moods: Mapping[date, int], today: date) -> str | None:
    """"up", "down" or "steady": the mean mood of the 7 days up to `today` against the 7 days
    before; None when either week has no mood. A change under 1 point is "steady"."""
    recent_start = today - timedelta(days=TREND_WINDOW_DAYS - 1)
    previous_start = recent_start - timedelta(days=TREND_WINDOW_DAYS)
    recent = [m for d, m in daily_moods.items() if recent_start <= d <= today]
    previous = [m for d, m in daily_moods.items() if previous_start <= d < recent_start]
    if not recent or not previous:
        return None
    change = sum(recent) / len(recent) - sum(previous) / len(previous)
    if change >= TREND_THRESHOLD:
        return "up"
    if change <= -TREND_THRESHOLD:
        return "down"
    return "steady"


def fold(text: str) -> str:
    """Text for matching and sorting: case and accents ignored ("Élise" -> "elise")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# -- Set-based queries ---------------------------------------------------------------------------


@dataclass
class _Base:
    """What is known of every matching client after the first query."""

    client_id: int
    ref: str
    name: str
    status: str
    primary_clinician: str | None
    plan_status: str | None
    plan_start: date | None
    next_review_date: date | None
    last_checkin: datetime | None
    flags: tuple[str, ...] = ()


@dataclass
class _Measures:
    scores: dict[int, dict[str, list[TimedScore]]]
    latest: dict[int, dict[str, int]]
    self_harm: set[int]


def _day_column(column: Any, dialect: str, tz: tzinfo, today: date) -> ColumnElement[date]:
    """The clinic's calendar day of a UTC timestamp column.

    PostgreSQL converts each timestamp exactly. SQLite (naive UTC text) has no time-zone data,
    so it shifts by the clinic's offset on `today`: across a daylight-saving change a moment
    in the hour between the two offsets can land on the neighbouring day there.
    """
    if dialect == "postgresql":
        return cast(func.timezone(getattr(tz, "key", "UTC"), column), Date)
    moment = datetime.combine(today, time(12), tz)
    minutes = int((moment.utcoffset() or timedelta(0)).total_seconds() // 60)
    return func.date(column, f"{minutes:+d} minutes", type_=Date)


def _current_plans() -> Any:
    """Each client's current plan: the active one, else the newest (as services.plans)."""
    ranked = select(
        CarePlan.client_id, CarePlan.status, CarePlan.start_date, CarePlan.next_review_date,
        func.row_number().over(
            partition_by=CarePlan.client_id,
            order_by=(case((CarePlan.status == PlanStatus.ACTIVE, 0), else_=1),
                      CarePlan.id.desc()),
        ).label("nth"),
    ).subquery()
    return select(ranked).where(ranked.c.nth == 1).subquery("current_plan")


def _scope(actor: Actor, clinician: str | None, include_discharged: bool) -> Select[tuple[int]]:
    """Ids of the clients the page may list (visibility, clinician and status; no search)."""
    stmt = select(Client.id)
    visible = visible_client_ids(actor)
    if visible is not None:
        stmt = stmt.where(Client.id.in_(visible))
    if clinician:
        stmt = stmt.where(Client.id.in_(
            select(ClientAssignment.client_id).join(User, User.id == ClientAssignment.user_id)
            .where(User.username == clinician.strip().lower())
        ))
    if not include_discharged:
        stmt = stmt.where(Client.status == ClientStatus.ACTIVE)
    return stmt


def _base_rows(s: Session, scope: Select[tuple[int]]) -> list[_Base]:
    last = (
        select(CheckIn.client_id, func.max(CheckIn.submitted_at).label("last"))
        .where(CheckIn.entered_in_error.is_(False), CheckIn.client_id.in_(scope))
        .group_by(CheckIn.client_id).subquery()
    )
    plan = _current_plans()
    stmt = (
        select(Client.id, Client.ref, Client.full_name, Client.status, User.username,
               plan.c.status, plan.c.start_date, plan.c.next_review_date, last.c.last)
        .outerjoin(ClientAssignment, and_(ClientAssignment.client_id == Client.id,
                                          ClientAssignment.is_primary.is_(True)))
        .outerjoin(User, User.id == ClientAssignment.user_id)
        .outerjoin(plan, plan.c.client_id == Client.id)
        .outerjoin(last, last.c.client_id == Client.id)
        .where(Client.id.in_(scope))
    )
    rows: dict[int, _Base] = {}
    for r in s.execute(stmt):
        if r[0] not in rows:  # two primary clinicians would repeat a row
            rows[r[0]] = _Base(r[0], r[1], r[2], r[3].value, r[4],
                               r[5].value if r[5] is not None else None, r[6], r[7], r[8])
    return list(rows.values())


def _measure_facts(s: Session, ids: Select[tuple[int]] | Sequence[int],
                   dialect: str, tz: tzinfo, today: date) -> _Measures:
    """Per client: baseline and newest PHQ-9/GAD-7, and whether a self-harm item is pending.

    A GROUP BY finds, per client and instrument, when the baseline (first on or after the
    current plan's start) and the newest score were given; a join back fetches their totals.
    (Twice as quick on SQLite as two window functions, which each sort every response.)
    """
    m, valid = MeasureResponse, CheckIn.entered_in_error.is_(False)
    plan = _current_plans()
    in_plan = _day_column(m.administered_at, dialect, tz, today) >= plan.c.start_date
    moments = (
        select(m.client_id, m.instrument,
               func.min(case((in_plan, m.administered_at))).label("baseline_at"),
               func.max(m.administered_at).label("latest_at"))
        .join(CheckIn, CheckIn.id == m.checkin_id)
        .outerjoin(plan, plan.c.client_id == m.client_id)
        .where(valid, m.is_partial.is_(False), m.client_id.in_(ids),
               m.instrument.in_(FLAGGED_INSTRUMENTS))
        .group_by(m.client_id, m.instrument)
        .subquery()
    )
    stmt = (
        select(m.client_id, m.instrument, m.administered_at, m.id, m.total,
               m.administered_at == moments.c.latest_at)
        .join(CheckIn, CheckIn.id == m.checkin_id)
        .join(moments, and_(moments.c.client_id == m.client_id,
                            moments.c.instrument == m.instrument,
                            (m.administered_at == moments.c.baseline_at)
                            | (m.administered_at == moments.c.latest_at)))
        .where(valid, m.is_partial.is_(False))
        .order_by(m.administered_at, m.id)
    )
    facts = _Measures(defaultdict(lambda: defaultdict(list)), defaultdict(dict), set())
    for client_id, instrument, at, _id, total, is_latest in s.execute(stmt):
        facts.scores[client_id][instrument].append((at, total))
        if is_latest:  # ordered by time then id, so a tie ends on the newest row
            facts.latest[client_id][instrument] = total
    facts.self_harm = set(s.scalars(
        select(m.client_id).distinct().join(CheckIn, CheckIn.id == m.checkin_id)
        .where(m.risk_flag.is_(True), m.risk_followed_up_at.is_(None), valid,
               m.client_id.in_(ids))
    ))
    return facts


def _daily_moods(s: Session, ids: Sequence[int], today: date,
                 dialect: str, tz: tzinfo) -> dict[int, dict[date, int]]:
    """The last mood of each day, for the 14 most recent days with one up to `today`."""
    day = _day_column(CheckIn.submitted_at, dialect, tz, today)
    end = datetime.combine(today + timedelta(days=1), time(), tz)
    per_day = (
        select(CheckIn.client_id, day.label("day"), CheckIn.mood,
               func.row_number().over(partition_by=(CheckIn.client_id, day),
                                      order_by=(CheckIn.submitted_at.desc(), CheckIn.id.desc()))
               .label("nth"))
        .where(CheckIn.client_id.in_(ids), CheckIn.entered_in_error.is_(False),
               CheckIn.mood.is_not(None), CheckIn.submitted_at < end)
        .subquery()
    )
    daily = (
        select(per_day.c.client_id, per_day.c.day, per_day.c.mood,
               func.row_number().over(partition_by=per_day.c.client_id,
                                      order_by=per_day.c.day.desc()).label("recency"))
        .where(per_day.c.nth == 1).subquery()
    )
    moods: dict[int, dict[date, int]] = defaultdict(dict)
    for client_id, when, mood in s.execute(
        select(daily.c.client_id, daily.c.day, daily.c.mood)
        .where(daily.c.recency <= SPARKLINE_DAYS).order_by(daily.c.client_id, daily.c.day)
    ):
        moods[client_id][when] = mood
    return moods


def _flags_of(base: _Base, facts: _Measures, today: date, tz: tzinfo) -> tuple[str, ...]:
    return caseload_flags(tz=tz,
        today=today, plan_status=base.plan_status, plan_start=base.plan_start,
        next_review_date=base.next_review_date, last_checkin=base.last_checkin,
        scores=facts.scores.get(base.client_id, {}),
        self_harm_pending=base.client_id in facts.self_harm,
        discharged=base.status == ClientStatus.DISCHARGED.value,
    )


_NEVER = datetime.min.replace(tzinfo=UTC)
_SORTS: dict[str, Callable[[_Base], Any]] = {
    "ref": lambda b: b.ref,
    "name": lambda b: (fold(b.name), b.ref),
    # never checked in counts as the longest ago; no review date comes after every date
    "last_checkin": lambda b: b.last_checkin or _NEVER,
    "next_review": lambda b: (b.next_review_date is None, b.next_review_date or date.min),
    # Most urgent first when descending: a self-harm answer outranks any number of lesser flags.
    "flags": lambda b: tuple(code in b.flags for code in FLAGS),
}
SORT_KEYS: tuple[str, ...] = tuple(_SORTS)


def _check_arguments(sort: str, flag: str | None, page: int, page_size: int) -> None:
    problems: dict[str, str] = {}
    if sort not in _SORTS:
        problems["sort"] = f"{sort!r} is not a sort key (use {', '.join(SORT_KEYS)})"
    if flag is not None and flag not in FLAGS:
        problems["flag"] = f"{flag!r} is not a flag (use {', '.join(FLAGS)})"
    if page < 1:
        problems["page"] = f"{page} is not a page number (pages start at 1)"
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        problems["page_size"] = f"{page_size} is not between 1 and {MAX_PAGE_SIZE}"
    if problems:
        raise ValidationError(problems)


def caseload_page(
    db: Database,
    actor: Actor,
    *,
    today: date,
    search: str = "",
    flag: str | None = None,
    clinician: str | None = None,
    sort: str = "ref",
    descending: bool = False,
    page: int = 1,
    page_size: int = 50,
    include_discharged: bool = False,
    tz: tzinfo = UTC,
) -> CaseloadPage:
    """One page of the actor's caseload, searched, filtered, sorted; ties go by ref.

    A clinician sees the clients assigned to them, a supervisor everyone; `clinician` narrows
    either to the clients assigned to that username. Admins are refused (AccessDenied). A page
    beyond the last gives the last page. Flags are computed for every listed client only when
    filtering or sorting by them; mood trend and sparkline only for the rows of the page.
    """
    _check_arguments(sort, flag, page, page_size)
    scope = _scope(actor, clinician, include_discharged)  # AccessDenied for admins
    dialect = db.engine.dialect.name
    with db.uow() as uow:
        s = uow.session
        bases = _base_rows(s, scope)
        needle = fold(search.strip())
        if needle:
            bases = [b for b in bases if needle in fold(b.name) or needle in fold(b.ref)]
        every_flag = flag is not None or sort == "flags"
        if every_flag:
            facts = _measure_facts(s, scope, dialect, tz, today)
            for b in bases:
                b.flags = _flags_of(b, facts, today, tz)
            if flag is not None:
                bases = [b for b in bases if flag in b.flags]
        bases.sort(key=_SORTS["ref"])
        bases.sort(key=_SORTS[sort], reverse=descending)  # stable: ties stay in ref order
        total = len(bases)
        pages = max(1, math.ceil(total / page_size))
        page = min(page, pages)
        shown = bases[(page - 1) * page_size: page * page_size]
        ids = [b.client_id for b in shown]
        if not every_flag:
            facts = _measure_facts(s, ids, dialect, tz, today)
            for b in shown:
                b.flags = _flags_of(b, facts, today, tz)
        moods = _daily_moods(s, ids, today, dialect, tz) if ids else {}
    return CaseloadPage(tuple(_row(b, facts, moods.get(b.client_id, {}), today) for b in shown),
                        total, page, pages)


def _row(base: _Base, facts: _Measures, moods: Mapping[date, int], today: date) -> CaseloadRow:
    latest = facts.latest.get(base.client_id, {})
    phq9, gad7 = latest.get(measures.PHQ_9.code), latest.get(measures.GAD_7.code)
    recent = tuple(moods[d] for d in sorted(moods))
    return CaseloadRow(
        client_id=base.client_id, ref=base.ref, name=base.name, status=base.status,
        primary_clinician=base.primary_clinician, last_checkin=base.last_checkin,
        latest_mood=recent[-1] if recent else None, mood_trend=mood_trend(moods, today),
        mood_recent=recent,
        latest_phq9=phq9,
        phq9_severity=measures.severity(measures.PHQ_9.code, phq9) if phq9 is not None else None,
        latest_gad7=gad7,
        gad7_severity=measures.severity(measures.GAD_7.code, gad7) if gad7 is not None else None,
        next_review_date=(base.next_review_date if base.plan_status in OPEN_PLAN_STATUSES
                          else None),
        flags=base.flags,
    )


def risk_alerts(db: Database, actor: Actor, *, today: date) -> list[RiskAlert]:
    """Every self-harm endorsement not yet followed up among the actor's active clients,
    newest first, to pin above the caseload. Discharged clients are left out, as on the
    caseload; an endorsement never expires, so `today` (taken for symmetry with
    :func:`caseload_page`) hides nothing."""
    del today
    m = MeasureResponse
    stmt = (
        select(m.id, m.client_id, Client.ref, Client.full_name, m.administered_at, m.instrument,
               m.answers, m.total, m.is_partial)
        .join(CheckIn, CheckIn.id == m.checkin_id)
        .join(Client, Client.id == m.client_id)
        .where(m.risk_flag.is_(True), m.risk_followed_up_at.is_(None),
               CheckIn.entered_in_error.is_(False),
               m.client_id.in_(_scope(actor, None, include_discharged=False)))
        .order_by(m.administered_at.desc(), m.id.desc())
    )
    with db.uow() as uow:
        rows = uow.session.execute(stmt).all()
    alerts = []
    for r in rows:
        risk_item = measures.get_instrument(r.instrument).risk_item
        answer = int(r.answers[risk_item]) if risk_item is not None else 0
        unanswered = [n for n, a in enumerate(r.answers, start=1) if a is None]
        alerts.append(RiskAlert(r.id, r.client_id, r.ref, r.full_name, r.administered_at,
                                answer, r.total,
                                measures.describe_unanswered(unanswered) if r.is_partial
                                else "complete"))
    return alerts
