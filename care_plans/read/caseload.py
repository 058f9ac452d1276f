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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Date, DateTime, Select, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session, aliased
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

# Sort keys. The caseload page offers them in this order: the most urgent flags first by default.
SORT_FLAGS = "flags"
SORT_REF = "ref"
SORT_NAME = "name"
SORT_LAST_CHECKIN = "last_checkin"
SORT_NEXT_REVIEW = "next_review"
SORT_KEYS: tuple[str, ...] = (SORT_FLAGS, SORT_REF, SORT_NAME, SORT_LAST_CHECKIN, SORT_NEXT_REVIEW)
#: The sort a key is shown in first (flags: most urgent at the top).
DESCENDING_FIRST: frozenset[str] = frozenset({SORT_FLAGS})

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
    #: NHS Talking Therapies' paired outcome (measures.paired_facts) from each measure's
    #: baseline since the plan began to its latest; None unless both have a later response.
    paired_recovery: str | None = None


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
    completeness: str = measures.COMPLETE

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
        if (
            baseline is not None
            and latest is not None
            and (
                measures.reliable_change(instrument, baseline[1], latest[1])
                == measures.DETERIORATED
            )
        ):
            raised.add(DETERIORATION)
    if (
        plan_status in OPEN_PLAN_STATUSES
        and next_review_date is not None
        and next_review_date < today
    ):
        raised.add(REVIEW_OVERDUE)
    cutoff = today - CHECKIN_GAP
    if last_checkin is not None:
        if clinic_day(last_checkin, tz) < cutoff:
            raised.add(NO_RECENT_CHECKIN)
    elif plan_start is not None and plan_start < cutoff:
        raised.add(NO_RECENT_CHECKIN)
    return tuple(code for code in FLAGS if code in raised)


def mood_trend(daily_moods: Mapping[date, int], today: date) -> str | None:
    """ "up", "down" or "steady": the mean mood of the 7 days up to `today` against the 7 days
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


# -- One set-based query -------------------------------------------------------------------------
#
# Why the flags are SQL expressions as well as the pure function above: the default sort is "most
# urgent first", which needs every listed client's flags to pick 50 rows. Computing them in
# Python meant loading every baseline and latest score of thousands of clients to show 50. Here
# each client's facts are correlated subqueries that each seek one index entry (the last valid
# check-in, the newest and the baseline PHQ-9/GAD-7, a pending self-harm answer), the flags are
# CASE expressions over them, and ORDER BY, LIMIT and the total are the database's: one
# statement for the page, whatever the caseload's size. tests/db/test_caseload.py checks these
# expressions against :func:`caseload_flags` on the same data.


def _utc_midnight(day: Any, dialect: str, tz: tzinfo, today: date) -> ColumnElement[datetime]:
    """The UTC moment the clinic's calendar day `day` (a DATE column) begins, so that
    ``clinic_day(moment) >= day`` becomes the index-friendly ``moment >= _utc_midnight(day)``.

    PostgreSQL converts exactly; SQLite (naive UTC text) shifts by the clinic's offset on
    `today`, as :func:`_day_column` does."""
    if dialect == "postgresql":
        return func.timezone(getattr(tz, "key", "UTC"), cast(day, DateTime))
    moment = datetime.combine(today, time(12), tz)
    minutes = int((moment.utcoffset() or timedelta(0)).total_seconds() // 60)
    return func.datetime(day, f"{-minutes:+d} minutes", type_=DateTime)


def _day_column(column: Any, dialect: str, tz: tzinfo, today: date) -> ColumnElement[date]:
    """The clinic's calendar day of a UTC timestamp column (see :func:`_utc_midnight`)."""
    if dialect == "postgresql":
        return cast(func.timezone(getattr(tz, "key", "UTC"), column), Date)
    moment = datetime.combine(today, time(12), tz)
    minutes = int((moment.utcoffset() or timedelta(0)).total_seconds() // 60)
    return func.date(column, f"{minutes:+d} minutes", type_=Date)


def _current_plans() -> Any:
    """Each client's current plan: the active one, else the newest (as services.plans)."""
    ranked = select(
        CarePlan.client_id,
        CarePlan.status,
        CarePlan.start_date,
        CarePlan.next_review_date,
        func.row_number()
        .over(
            partition_by=CarePlan.client_id,
            order_by=(case((CarePlan.status == PlanStatus.ACTIVE, 0), else_=1), CarePlan.id.desc()),
        )
        .label("nth"),
    ).subquery()
    return select(ranked).where(ranked.c.nth == 1).subquery("current_plan")


def _scope(actor: Actor, clinician: str | None, include_discharged: bool) -> Select[int]:
    """Ids of the clients the page may list (visibility, clinician and status; no search)."""
    stmt = select(Client.id)
    visible = visible_client_ids(actor)
    if visible is not None:
        stmt = stmt.where(Client.id.in_(visible))
    if clinician:
        stmt = stmt.where(
            Client.id.in_(
                select(ClientAssignment.client_id)
                .join(User, User.id == ClientAssignment.user_id)
                .where(User.username == clinician.strip().lower())
            )
        )
    if not include_discharged:
        stmt = stmt.where(Client.status == ClientStatus.ACTIVE)
    return stmt


@dataclass(frozen=True)
class _Columns:
    """The per-client columns of the caseload query, and the flag expressions over them."""

    plan: Any
    last_checkin: ColumnElement[Any]
    primary_clinician: ColumnElement[Any]
    latest: dict[str, ColumnElement[Any]]
    baseline: dict[str, ColumnElement[Any]]
    flags: dict[str, ColumnElement[bool]]
    plan_start: ColumnElement[Any]


def _score(
    instrument: str, newest_first: bool, since: ColumnElement[Any] | None, *, column: str = "total"
) -> Any:
    """The total (or `column`) of a client's newest (or, on or after `since`, first) valid
    response."""
    m = aliased(MeasureResponse)
    stmt = select(getattr(m, column)).where(
        m.client_id == Client.id,
        m.instrument == instrument,
        # The few check-ins entered in error, from their partial index (migration 0008),
        # rather than a look-up of each response's check-in.
        m.checkin_id.not_in(select(CheckIn.id).where(CheckIn.entered_in_error.is_(True))),
        m.is_partial.is_(False),
    )
    if since is not None:
        stmt = stmt.where(m.administered_at >= since)
    order = (m.administered_at.desc(), m.id.desc()) if newest_first else (m.administered_at, m.id)
    # Correlated to the outer query's client *and* its current plan (`since` is the plan's
    # start): correlating the client alone made the plan a FROM of its own here, so the
    # baseline was the first response after any client's plan start.
    return stmt.order_by(*order).limit(1).correlate_except(m).scalar_subquery()


def _columns(dialect: str, tz: tzinfo, today: date) -> _Columns:
    plan = _current_plans()
    c = aliased(CheckIn)
    last_checkin = (
        select(func.max(c.submitted_at))
        .where(c.client_id == Client.id, c.entered_in_error.is_(False))
        .correlate(Client)
        .scalar_subquery()
    )
    primary = (
        select(User.username)
        .join(ClientAssignment, ClientAssignment.user_id == User.id)
        .where(ClientAssignment.client_id == Client.id, ClientAssignment.is_primary.is_(True))
        .order_by(ClientAssignment.id)
        .limit(1)
        .correlate(Client)
        .scalar_subquery()
    )
    plan_start = _utc_midnight(plan.c.start_date, dialect, tz, today)
    latest = {code: _score(code, True, None) for code in FLAGGED_INSTRUMENTS}
    baseline = {code: _score(code, False, plan_start) for code in FLAGGED_INSTRUMENTS}
    m, ci = aliased(MeasureResponse), aliased(CheckIn)
    self_harm = (
        select(m.id)
        .join(ci, ci.id == m.checkin_id)
        .where(
            m.client_id == Client.id,
            m.risk_flag.is_(True),
            m.risk_followed_up_at.is_(None),
            ci.entered_in_error.is_(False),
        )
        .correlate(Client)
        .exists()
    )
    deteriorated = or_(
        *(
            latest[code] - baseline[code] >= measures.get_instrument(code).reliable_change_points
            for code in FLAGGED_INSTRUMENTS
        )
    )
    cutoff = today - CHECKIN_GAP
    cutoff_moment = datetime.combine(cutoff, time(), tz).astimezone(UTC)
    overdue = and_(plan.c.status.in_(sorted(OPEN_PLAN_STATUSES)), plan.c.next_review_date < today)
    no_recent = or_(
        last_checkin < cutoff_moment, and_(last_checkin.is_(None), plan.c.start_date < cutoff)
    )
    active = Client.status != ClientStatus.DISCHARGED
    flags = {
        SELF_HARM: and_(active, self_harm),
        DETERIORATION: and_(active, deteriorated),
        REVIEW_OVERDUE: and_(active, overdue),
        NO_RECENT_CHECKIN: and_(active, no_recent),
    }
    flags = {code: func.coalesce(case((expr, 1), else_=0), 0) for code, expr in flags.items()}
    return _Columns(plan, last_checkin, primary, latest, baseline, flags, plan_start)


def _from(cols: _Columns, *columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .select_from(Client)
        .outerjoin(cols.plan, cols.plan.c.client_id == Client.id)
    )


def _sort_order(cols: _Columns, sort: str, descending: bool) -> list[Any]:
    """ORDER BY for a sort key; ties always go by ref, ascending (as a stable sort would)."""

    def way(column: Any) -> Any:
        return column.desc() if descending else column.asc()

    if sort == SORT_FLAGS:  # most urgent first when descending
        keys = [way(cols.flags[code]) for code in FLAGS]
    elif sort == SORT_LAST_CHECKIN:  # never checked in counts as the longest ago
        keys = [way(case((cols.last_checkin.is_(None), 0), else_=1)), way(cols.last_checkin)]
    elif sort == SORT_NEXT_REVIEW:  # no review date comes after every date
        review = cols.plan.c.next_review_date
        keys = [way(case((review.is_(None), 1), else_=0)), way(review)]
    else:  # SORT_REF
        return [way(Client.ref)]
    return [*keys, Client.ref.asc()]


def _daily_moods(
    s: Session, ids: Sequence[int], today: date, dialect: str, tz: tzinfo
) -> dict[int, dict[date, int]]:
    """The last mood of each day, for the 14 most recent days with one up to `today`."""
    day = _day_column(CheckIn.submitted_at, dialect, tz, today)
    end = datetime.combine(today + timedelta(days=1), time(), tz)
    per_day = (
        select(
            CheckIn.client_id,
            day.label("day"),
            CheckIn.mood,
            func.row_number()
            .over(
                partition_by=(CheckIn.client_id, day),
                order_by=(CheckIn.submitted_at.desc(), CheckIn.id.desc()),
            )
            .label("nth"),
        )
        .where(
            CheckIn.client_id.in_(ids),
            CheckIn.entered_in_error.is_(False),
            CheckIn.mood.is_not(None),
            CheckIn.submitted_at < end,
        )
        .subquery()
    )
    daily = (
        select(
            per_day.c.client_id,
            per_day.c.day,
            per_day.c.mood,
            func.row_number()
            .over(partition_by=per_day.c.client_id, order_by=per_day.c.day.desc())
            .label("recency"),
        )
        .where(per_day.c.nth == 1)
        .subquery()
    )
    moods: dict[int, dict[date, int]] = defaultdict(dict)
    for client_id, when, mood in s.execute(
        select(daily.c.client_id, daily.c.day, daily.c.mood)
        .where(daily.c.recency <= SPARKLINE_DAYS)
        .order_by(daily.c.client_id, daily.c.day)
    ):
        moods[client_id][when] = mood
    return moods


def _check_arguments(sort: str, flag: str | None, page: int, page_size: int) -> None:
    problems: dict[str, str] = {}
    if sort not in SORT_KEYS:
        problems["sort"] = f"{sort!r} is not a sort key (use {', '.join(SORT_KEYS)})"
    if flag is not None and flag not in FLAGS:
        problems["flag"] = f"{flag!r} is not a flag (use {', '.join(FLAGS)})"
    if page < 1:
        problems["page"] = f"{page} is not a page number (pages start at 1)"
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        problems["page_size"] = f"{page_size} is not between 1 and {MAX_PAGE_SIZE}"
    if problems:
        raise ValidationError(problems)


def clinician_choices(db: Database, actor: Actor) -> tuple[tuple[str, str], ...]:
    """(username, full name) of everyone on a care team of a client `actor` may read, by name:
    the choices of the caseload's clinician filter (a supervisor's; a clinician sees their own
    teams). Admins are refused: they read no clinical records."""
    visible = visible_client_ids(actor)
    stmt = (
        select(User.username, User.full_name)
        .join(ClientAssignment, ClientAssignment.user_id == User.id)
        .distinct()
    )
    if visible is not None:
        stmt = stmt.where(ClientAssignment.client_id.in_(visible))
    with db.uow() as uow:
        rows = uow.session.execute(stmt).all()
    return tuple(sorted(((u, n or u) for u, n in rows), key=lambda r: (r[1].casefold(), r[0])))


def caseload_page(
    db: Database,
    actor: Actor,
    *,
    today: date,
    search: str = "",
    flag: str | None = None,
    clinician: str | None = None,
    sort: str = SORT_REF,
    descending: bool = False,
    page: int = 1,
    page_size: int = 50,
    include_discharged: bool = False,
    tz: tzinfo = UTC,
) -> CaseloadPage:
    """One page of the actor's caseload, searched, filtered, sorted; ties go by ref.

    A clinician sees the clients assigned to them, a supervisor everyone; `clinician` narrows
    either to the clients assigned to that username. Admins are refused (AccessDenied). A page
    beyond the last gives the last page. Filtering and sorting (by flags too) happen in the
    database; only searching and sorting by name need the names in Python (see the module's
    docstring). Mood trend and sparkline are read for the rows of the page only.
    """
    _check_arguments(sort, flag, page, page_size)
    scope = _scope(actor, clinician, include_discharged)  # AccessDenied for admins
    dialect = db.engine.dialect.name
    cols = _columns(dialect, tz, today)
    with db.uow() as uow:
        s = uow.session
        where: list[Any] = [Client.id.in_(scope)]
        needle = fold(search.strip())
        if needle:
            matching = [
                cid
                for cid, name, ref in s.execute(
                    select(Client.id, Client.full_name, Client.ref).where(Client.id.in_(scope))
                )
                if needle in fold(name) or needle in fold(ref)
            ]
            where = [Client.id.in_(matching)]
        if flag is not None:
            where.append(cols.flags[flag] == 1)
        if sort == SORT_NAME:
            named = list(
                s.execute(_from(cols, Client.id, Client.full_name, Client.ref).where(*where))
            )
            named.sort(key=lambda r: r.ref)
            named.sort(key=lambda r: (fold(r.full_name), r.ref), reverse=descending)
            total = len(named)
            pages = max(1, math.ceil(total / page_size))
            page = min(page, pages)
            ids = [r.id for r in named[(page - 1) * page_size : page * page_size]]
        else:
            # First the page's ids, in order, with only the sort keys worked out for every
            # client in scope; then every column for those ids alone. (In one statement the
            # database would work out all twenty columns for all 5,000 clients to sort them.)
            stmt = (
                _from(cols, Client.id, func.count().over().label("total"))
                .where(*where)
                .order_by(*_sort_order(cols, sort, descending))
            )
            picked = list(s.execute(stmt.limit(page_size).offset((page - 1) * page_size)))
            if not picked and page > 1:  # beyond the last page: count, then show the last one
                total = (
                    s.scalar(
                        select(func.count()).select_from(
                            _from(cols, Client.id).where(*where).subquery()
                        )
                    )
                    or 0
                )
                page = max(1, math.ceil(total / page_size))
                picked = list(s.execute(stmt.limit(page_size).offset((page - 1) * page_size)))
            total = picked[0].total if picked else 0
            pages = max(1, math.ceil(total / page_size))
            ids = [r.id for r in picked]
        order = {cid: n for n, cid in enumerate(ids)}
        rows = (
            sorted(
                s.execute(_page_select(cols).where(Client.id.in_(ids))).all(),
                key=lambda r: order[r.id],
            )
            if ids
            else []
        )
        moods = _daily_moods(s, ids, today, dialect, tz) if ids else {}
    return CaseloadPage(
        tuple(_row(r, moods.get(r.id, {}), today) for r in rows), total, page, pages
    )


def _page_select(cols: _Columns, *extra: Any) -> Select[Any]:
    return _from(
        cols,
        Client.id,
        Client.ref,
        Client.full_name,
        Client.status,
        cols.primary_clinician.label("primary_clinician"),
        cols.plan.c.status.label("plan_status"),
        cols.plan.c.next_review_date,
        cols.last_checkin.label("last_checkin"),
        *(cols.latest[code].label(f"latest_{n}") for n, code in enumerate(FLAGGED_INSTRUMENTS)),
        *(cols.flags[code].label(f"flag_{n}") for n, code in enumerate(FLAGS)),
        *_paired_columns(cols),
        *extra,
    )


def _paired_columns(cols: _Columns) -> list[Any]:
    """Each paired instrument's baseline total, and the ids of its baseline and latest
    response (a single response is its own baseline: no change to judge yet). The latest
    total is the page's own `latest_N` column, not computed a second time."""
    plan_start = cols.plan_start
    out: list[Any] = []
    for n, code in enumerate(measures.PAIRED_CASENESS_INSTRUMENTS):
        out += [
            cols.baseline[code].label(f"paired_baseline_{n}"),
            _score(code, False, plan_start, column="id").label(f"paired_baseline_id_{n}"),
            _score(code, True, None, column="id").label(f"paired_latest_id_{n}"),
        ]
    return out


def _paired(r: Any) -> str | None:
    baseline: dict[str, int] = {}
    latest: dict[str, int] = {}
    for n, code in enumerate(measures.PAIRED_CASENESS_INSTRUMENTS):
        first, last = getattr(r, f"paired_baseline_id_{n}"), getattr(r, f"paired_latest_id_{n}")
        if first is None or last is None or first == last:
            return None
        baseline[code] = getattr(r, f"paired_baseline_{n}")
        latest[code] = getattr(r, f"latest_{FLAGGED_INSTRUMENTS.index(code)}")
    return measures.paired_recovery_status(baseline, latest)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives a correlated subquery's timestamp back naive (and sometimes as text)."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _row(r: Any, moods: Mapping[date, int], today: date) -> CaseloadRow:
    phq9, gad7 = r.latest_0, r.latest_1
    recent = tuple(moods[d] for d in sorted(moods))
    plan_status = r.plan_status.value if r.plan_status is not None else None
    return CaseloadRow(
        client_id=r.id,
        ref=r.ref,
        name=r.full_name,
        status=r.status.value,
        primary_clinician=r.primary_clinician,
        last_checkin=_aware(r.last_checkin),
        latest_mood=recent[-1] if recent else None,
        mood_trend=mood_trend(moods, today),
        mood_recent=recent,
        latest_phq9=phq9,
        phq9_severity=measures.severity(measures.PHQ_9.code, phq9) if phq9 is not None else None,
        latest_gad7=gad7,
        gad7_severity=measures.severity(measures.GAD_7.code, gad7) if gad7 is not None else None,
        next_review_date=(r.next_review_date if plan_status in OPEN_PLAN_STATUSES else None),
        flags=tuple(code for n, code in enumerate(FLAGS) if getattr(r, f"flag_{n}")),
        paired_recovery=_paired(r),
    )


def risk_alerts(db: Database, actor: Actor, *, today: date) -> list[RiskAlert]:
    """Every self-harm endorsement not yet followed up among the actor's active clients,
    newest first, to pin above the caseload. Discharged clients are left out, as on the
    caseload; an endorsement never expires, so `today` (taken for symmetry with
    :func:`caseload_page`) hides nothing."""
    del today
    m = MeasureResponse
    stmt = (
        select(
            m.id,
            m.client_id,
            Client.ref,
            Client.full_name,
            m.administered_at,
            m.instrument,
            m.answers,
            m.total,
            m.is_partial,
        )
        .join(CheckIn, CheckIn.id == m.checkin_id)
        .join(Client, Client.id == m.client_id)
        .where(
            m.risk_flag.is_(True),
            m.risk_followed_up_at.is_(None),
            CheckIn.entered_in_error.is_(False),
            m.client_id.in_(_scope(actor, None, include_discharged=False)),
        )
        .order_by(m.administered_at.desc(), m.id.desc())
    )
    with db.uow() as uow:
        rows = uow.session.execute(stmt).all()
    alerts = []
    for r in rows:
        risk_item = measures.get_instrument(r.instrument).risk_item
        answer = int(r.answers[risk_item]) if risk_item is not None else 0
        unanswered = [n for n, a in enumerate(r.answers, start=1) if a is None]
        alerts.append(
            RiskAlert(
                r.id,
                r.client_id,
                r.ref,
                r.full_name,
                r.administered_at,
                answer,
                r.total,
                measures.describe_unanswered(unanswered) if r.is_partial else measures.COMPLETE,
            )
        )
    return alerts
