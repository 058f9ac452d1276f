"""Service outcomes for supervisors: who is getting better, who is not, and is the data there.

Why this module exists: a service is judged by its rates of reliable improvement and recovery
(NHS Talking Therapies publishes them), and routine outcome monitoring most often fails through
missing follow-up scores. Both must be counted the same way on the Outcomes page, in its CSV and
by `care-plans outcomes`, so the definitions are written here once, as pure functions over plain
values (no Session), and the data they need are read by a handful of set-based queries.

The definitions (shown to users as :func:`definitions_text`), for an instrument (PHQ-9 or GAD-7)
and a period [since, until] of clinic days, both inclusive:

* A client's **baseline** is their first complete response of the instrument, on a check-in not
  entered in error; their **final** the last such response on or before `until`.
* The client is **counted** when the final is later than the baseline and the final's clinic
  day falls in the period. One response only, or a final before `since`, is not counted.
* **Reliable improvement** / **reliable deterioration**: the final is lower / higher than the
  baseline by at least the instrument's reliable-change amount (`Instrument.
  reliable_change_points`; equal to the amount is reliable).
* **Case at baseline**: the baseline is at or above caseness (`Instrument.caseness_threshold`).
  **Recovery**: a case at baseline whose final is below caseness. **Reliable recovery**:
  recovery with reliable improvement (so every reliable recovery is also a recovery).
* **Paired** (NHS Talking Therapies): a client counted on both instruments. A case when a case on
  either at baseline; recovered when a case and below caseness on both at final; reliable
  improvement when one instrument reliably improved and the other did not reliably deteriorate
  (and the other way round for reliable deterioration).
* Rates: improvement and deterioration over the clients counted; recovery and reliable recovery
  over the cases at baseline (a client who was not a case cannot recover).

Data completeness is about the clients active now, on `until`: how many have a baseline, how
many a follow-up (a response after their baseline) in the 28 days up to `until`; and the check-in
links sent in the period, how many were opened, and the measures answered against those due.

Small numbers: any count under :data:`SUPPRESS_BELOW` is shown as "fewer than 5" on the page and
in the CSV (:func:`shown_count`, :func:`shown_rate`), as NHS statistics do; the command's JSON and
table are the supervisor's own tool and give exact counts.

Completeness of a response: a *partial* PHQ-9/GAD-7 (items left unanswered) is never a baseline
or a final. Every query here filters with :func:`complete_response`.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from care_plans import measures
from care_plans.access import Actor, readable_client_ids
from care_plans.dates import show_day
from care_plans.db import Database
from care_plans.errors import NotFound, ValidationError
from care_plans.models import (
    AuditEvent,
    CheckIn,
    CheckinLink,
    CheckinSource,
    Client,
    ClientAssignment,
    ClientStatus,
    MeasureResponse,
    Role,
    User,
)

__all__ = [
    "ALL",
    "FEWER_THAN",
    "FOLLOW_UP_DAYS",
    "INSTRUMENTS",
    "PAIRED",
    "SUPPRESS_BELOW",
    "ClientConcern",
    "Completeness",
    "InstrumentOutcome",
    "OutcomeCounts",
    "PairedOutcome",
    "ServiceOutcomes",
    "TimedScore",
    "complete_response",
    "counts_csv",
    "definitions_text",
    "follow_up_overdue",
    "has_recent_follow_up",
    "instrument_outcome",
    "measures_due",
    "paired_outcome",
    "service_outcomes",
    "shown_count",
    "shown_rate",
    "tally",
]

#: The instruments outcomes are reported for, in the order they are shown.
INSTRUMENTS: tuple[str, ...] = (measures.PHQ_9.code, measures.GAD_7.code)
PAIRED = "paired"
#: The `clinician` of a row that covers every client in view.
ALL = "all"
#: A follow-up older than this many days (up to `until`) is missing.
FOLLOW_UP_DAYS = 28
#: Counts below this are shown as :data:`FEWER_THAN` on the page and in the CSV.
SUPPRESS_BELOW = 5
FEWER_THAN = f"fewer than {SUPPRESS_BELOW}"

DETERIORATION_REASON = "reliable deterioration"
NO_FOLLOW_UP_REASON = f"no follow-up for {FOLLOW_UP_DAYS} days"


@dataclass(frozen=True)
class TimedScore:
    """One complete response: when it was given (UTC) and its total."""

    at: datetime
    total: int


# -- The definitions: pure functions --------------------------------------------------------------


@dataclass(frozen=True)
class InstrumentOutcome:
    """One client's outcome on one instrument, from baseline to final."""

    instrument: str
    baseline: TimedScore
    final: TimedScore
    counted: bool
    change: int
    reliable_improvement: bool
    reliable_deterioration: bool
    case_at_baseline: bool
    case_at_final: bool
    recovery: bool
    reliable_recovery: bool


@dataclass(frozen=True)
class PairedOutcome:
    """One client's paired outcome (both instruments counted), NHS Talking Therapies style."""

    counted: bool
    reliable_improvement: bool
    reliable_deterioration: bool
    case_at_baseline: bool
    recovery: bool
    reliable_recovery: bool


def clinic_day(moment: datetime, tz: tzinfo) -> date:
    return moment.astimezone(tz).date()


def instrument_outcome(
    instrument: str,
    baseline: TimedScore,
    final: TimedScore,
    *,
    since: date,
    until: date,
    tz: tzinfo = UTC,
) -> InstrumentOutcome:
    """Classify one client's baseline and final on `instrument` for the period [since, until].

    `counted` is False when the final is not later than the baseline (one response only) or its
    clinic day is outside the period; the other fields are still filled in for the caller to
    ignore. Thresholds come from the instrument's data in :mod:`care_plans.measures`.
    """
    definition = measures.get_instrument(instrument)
    change_word = measures.reliable_change(instrument, baseline.total, final.total)
    improved = change_word == measures.IMPROVED
    case_before = measures.is_case(instrument, baseline.total)
    case_after = measures.is_case(instrument, final.total)
    recovered = case_before and not case_after
    counted = final.at > baseline.at and since <= clinic_day(final.at, tz) <= until
    return InstrumentOutcome(
        instrument=definition.code,
        baseline=baseline,
        final=final,
        counted=counted,
        change=final.total - baseline.total,
        reliable_improvement=improved,
        reliable_deterioration=change_word == measures.DETERIORATED,
        case_at_baseline=case_before,
        case_at_final=case_after,
        recovery=recovered,
        reliable_recovery=recovered and improved,
    )


def paired_outcome(outcomes: Mapping[str, InstrumentOutcome]) -> PairedOutcome | None:
    """The paired outcome from a client's PHQ-9 and GAD-7 outcomes; None unless both exist.

    Counted when counted on both. The rule is :func:`care_plans.measures.paired_facts`, the
    same the review page, the PDF and the caseload show: a reliable deterioration on either
    measure counts as deterioration (never as improvement or recovery).
    """
    pair = [outcomes.get(code) for code in INSTRUMENTS]
    both: list[InstrumentOutcome] = [o for o in pair if o is not None]
    if len(both) < len(INSTRUMENTS):
        return None
    facts = measures.paired_facts(
        {o.instrument: o.baseline.total for o in both}, {o.instrument: o.final.total for o in both}
    )
    if facts is None:
        return None
    return PairedOutcome(
        counted=all(o.counted for o in both),
        reliable_improvement=facts.reliable_improvement,
        reliable_deterioration=facts.reliable_deterioration,
        case_at_baseline=facts.case_at_baseline,
        recovery=facts.recovery,
        reliable_recovery=facts.reliable_recovery,
    )


@dataclass(frozen=True)
class OutcomeCounts:
    """One row of figures: a clinician (or "all") and an instrument (or "paired")."""

    clinician: str
    instrument: str
    counted: int
    reliable_improvement: int
    reliable_deterioration: int
    recovery: int
    reliable_recovery: int
    cases_at_baseline: int

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in COUNT_FIELDS}

    def rate(self, name: str) -> float | None:
        """A figure as a share of its denominator (None when the denominator is 0)."""
        numerator = getattr(self, name)
        denominator = self.denominator(name)
        return numerator / denominator if denominator else None

    def denominator(self, name: str) -> int:
        return self.cases_at_baseline if name in CASE_FIGURES else self.counted


COUNT_FIELDS: tuple[str, ...] = (
    "clinician",
    "instrument",
    "counted",
    "reliable_improvement",
    "reliable_deterioration",
    "recovery",
    "reliable_recovery",
    "cases_at_baseline",
)
#: The figures whose rate is of the cases at baseline (the others: of the clients counted).
CASE_FIGURES: frozenset[str] = frozenset({"recovery", "reliable_recovery"})
#: The figures with a rate, and the words the page and the CSV use for them.
FIGURES: dict[str, str] = {
    "counted": "Clients counted",
    "reliable_improvement": "Reliable improvement",
    "reliable_deterioration": "Reliable deterioration",
    "recovery": "Recovery",
    "reliable_recovery": "Reliable recovery",
}


def tally(
    outcomes: Iterable[InstrumentOutcome | PairedOutcome], *, clinician: str, instrument: str
) -> OutcomeCounts:
    """Add up the counted outcomes (those not counted are ignored)."""
    counted = [o for o in outcomes if o.counted]
    return OutcomeCounts(
        clinician=clinician,
        instrument=instrument,
        counted=len(counted),
        reliable_improvement=sum(o.reliable_improvement for o in counted),
        reliable_deterioration=sum(o.reliable_deterioration for o in counted),
        recovery=sum(o.recovery for o in counted),
        reliable_recovery=sum(o.reliable_recovery for o in counted),
        cases_at_baseline=sum(o.case_at_baseline for o in counted),
    )


def has_recent_follow_up(
    baseline_at: datetime | None, latest_at: datetime | None, *, until: date, tz: tzinfo = UTC
) -> bool:
    """A response after the baseline whose clinic day is within the 28 days up to `until`.

    `latest_at` is the last complete response on or before `until`: when that one is the
    baseline itself there is no follow-up at all.
    """
    if baseline_at is None or latest_at is None or latest_at <= baseline_at:
        return False
    return clinic_day(latest_at, tz) > until - timedelta(days=FOLLOW_UP_DAYS)


def follow_up_overdue(
    baseline_at: datetime | None, latest_at: datetime | None, *, until: date, tz: tzinfo = UTC
) -> bool:
    """A client with a baseline whose last response (baseline or follow-up) is more than 28
    days before `until`: a new baseline 10 days old is not yet due a follow-up."""
    if baseline_at is None or latest_at is None:
        return False
    return clinic_day(latest_at, tz) <= until - timedelta(days=FOLLOW_UP_DAYS)


def measures_due(first_day: date, last_day: date, interval_days: int) -> int:
    """How many times one instrument falls due between two clinic days (inclusive) at the
    client's measure interval: the days over the interval, to the nearest whole number (a
    28-day period at 14 days is 2; a 5-day period 0)."""
    if last_day < first_day or interval_days < 1:
        return 0
    days = (last_day - first_day).days + 1
    return math.floor(days / interval_days + 0.5)


def shown_count(count: int) -> str:
    """A count as the page and the CSV show it: under 5 (0 included) is "fewer than 5"."""
    return FEWER_THAN if count < SUPPRESS_BELOW else f"{count:,}"


def shown_rate(numerator: int, denominator: int) -> str:
    """A percentage, suppressed when either count is under 5 (it would give the small one
    away), and "–" when there is nothing to divide by."""
    if denominator == 0:
        return "–"
    if numerator < SUPPRESS_BELOW or denominator < SUPPRESS_BELOW:
        return FEWER_THAN
    return f"{100 * numerator / denominator:.0f}%"


def definitions_text() -> str:
    """The definitions in plain words, with the thresholds read from the instrument data."""
    phq, gad = (measures.get_instrument(code) for code in INSTRUMENTS)
    return "\n\n".join(
        [
            "**Baseline**: a client's first complete response of a measure (check-ins entered in "
            "error and partial responses never count). **Final**: their last complete response "
            "on or before the end of the period.",
            "**Counted**: the final is later than the baseline and falls in the period. A client "
            "with one response only, or whose final is before the period, is not counted.",
            f"**Reliable improvement / deterioration**: the final is lower / higher than the "
            f"baseline by at least {phq.reliable_change_points} points on {phq.code} or "
            f"{gad.reliable_change_points} on {gad.code} (exactly that much counts). Rates are of "
            "the clients counted.",
            f"**Recovery**: a case at baseline ({phq.code} {phq.caseness_threshold} or more, "
            f"{gad.code} {gad.caseness_threshold} or more) whose final is below caseness. "
            "**Reliable recovery**: recovery with reliable improvement. Rates are of the cases at "
            "baseline, since a client who was not a case cannot recover.",
            "**Paired** (as NHS Talking Therapies report): clients counted on both measures; a "
            "case when a case on either at baseline; recovered when below caseness on both at "
            "final (and neither deteriorated reliably); reliable deterioration when either measure "
            "rose reliably, even if the other improved (a worsening is never hidden); reliable "
            "improvement when one improved reliably and neither deteriorated.",
            f"**Data completeness** is about clients active now: with a baseline; with a "
            f"follow-up (a response after the baseline) in the {FOLLOW_UP_DAYS} days up to the end "
            "of the period; check-in links sent in the period and how many were opened; measures "
            "answered (through a link, and in all) against those due at each client's measure "
            "interval.",
            f"**Small numbers**: any count under {SUPPRESS_BELOW}, and any rate built on one, is "
            f"shown as \u201c{FEWER_THAN}\u201d here and in the CSV. The `care-plans outcomes` "
            "command gives exact counts.",
            "**By clinician**: each clinician's row covers the clients on their care team, so a "
            "shared client counts in each of their clinicians' rows and once in \u201call\u201d.",
        ]
    )


def counts_csv(rows: Sequence[OutcomeCounts], *, since: date, until: date) -> str:
    """The rows as CSV, counts and rates suppressed under 5 (for the page and the command)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["since", "until", "clinician", "instrument"]
    for name in FIGURES:
        header.append(name)
        if name != "counted":
            header.append(f"{name}_rate")
    header.append("cases_at_baseline")
    writer.writerow(header)
    for row in rows:
        line = [since.isoformat(), until.isoformat(), row.clinician, row.instrument]
        for name in FIGURES:
            line.append(shown_count(getattr(row, name)))
            if name != "counted":
                line.append(shown_rate(getattr(row, name), row.denominator(name)))
        line.append(shown_count(row.cases_at_baseline))
        writer.writerow(line)
    return buffer.getvalue()


# -- What the page and the command get ------------------------------------------------------------


@dataclass(frozen=True)
class Completeness:
    """Is the data there: active clients with a baseline and a recent follow-up, link use."""

    active_clients: int
    with_baseline: int
    with_recent_follow_up: int
    links_sent: int
    links_opened: int
    measures_due: int
    answered_by_link: int
    answered: int


@dataclass(frozen=True)
class ClientConcern:
    """An active client to look at: reliably worse, or no measure for 28 days."""

    client_id: int
    ref: str
    name: str
    clinician: str | None  # primary clinician's username
    reasons: tuple[str, ...]
    last_measure_at: datetime | None


@dataclass(frozen=True, eq=False)
class ServiceOutcomes:
    """Everything the Outcomes page and `care-plans outcomes` show for one period.

    ``rows``: the "all" row (or, filtered by clinician, that clinician's) for PHQ-9, GAD-7 and
    paired, then one row per clinician and instrument. ``trend``: instrument, week (whole weeks
    since baseline), mean_total, clients (distinct clients with a response that week), over the
    clients counted, from baseline to final.
    """

    since: date
    until: date
    clinician: str | None
    rows: tuple[OutcomeCounts, ...]
    completeness: Completeness
    trend: pd.DataFrame
    concerns: tuple[ClientConcern, ...]
    clinicians: tuple[str, ...] = field(default=())

    def row(self, clinician: str, instrument: str) -> OutcomeCounts:
        for r in self.rows:
            if r.clinician == clinician and r.instrument == instrument:
                return r
        raise KeyError((clinician, instrument))

    @property
    def headline(self) -> tuple[OutcomeCounts, ...]:
        """The rows for every client in view (or for the chosen clinician)."""
        label = self.clinician or ALL
        return tuple(r for r in self.rows if r.clinician == label)

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "rows": [r.as_dict() for r in self.rows],
        }


# -- Reading the data -----------------------------------------------------------------------------


def complete_response(m: type[MeasureResponse] = MeasureResponse) -> list[ColumnElement[bool]]:
    """The conditions a response must meet to be a baseline or a final: on a check-in not
    entered in error (the query joins CheckIn) and complete: a part-answered response
    (`is_partial`, no total) is never a baseline or a final."""
    return [CheckIn.entered_in_error.is_(False), m.is_partial.is_(False), m.total.is_not(None)]


def _utc_start(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def _check_period(since: date, until: date, today: date) -> None:
    problems: dict[str, str] = {}
    if since > until:
        problems["since"] = (
            f"the period starts on {show_day(since)}, after it ends ({show_day(until)})"
        )
    if until > today:
        problems["until"] = f"{show_day(until)} is after today ({show_day(today)})"
    if problems:
        raise ValidationError(problems)


@dataclass
class _ClientFacts:
    ref: str
    name: str
    active: bool
    opened_day: date
    interval_days: int
    team: list[str] = field(default_factory=list)
    primary: str | None = None


def _scope_ids(s: Session, actor: Actor, clinician: str | None) -> Any:
    stmt = select(Client.id)
    visible = readable_client_ids(s, actor)  # AccessDenied for admins and inactive accounts
    if visible is not None:
        stmt = stmt.where(Client.id.in_(visible))
    if clinician:
        username = clinician.strip().lower()
        user_id = s.scalar(
            select(User.id).where(
                User.username == username, User.role.in_((Role.CLINICIAN, Role.SUPERVISOR))
            )
        )
        if user_id is None:
            raise NotFound(f"No clinician with username {username!r}.")
        stmt = stmt.where(
            Client.id.in_(
                select(ClientAssignment.client_id).where(ClientAssignment.user_id == user_id)
            )
        )
    return stmt


def _client_facts(s: Session, scope: Any, tz: tzinfo) -> dict[int, _ClientFacts]:
    facts: dict[int, _ClientFacts] = {}
    for cid, ref, name, status, created, interval in s.execute(
        select(
            Client.id,
            Client.ref,
            Client.full_name,
            Client.status,
            Client.created_at,
            Client.measure_interval_days,
        ).where(Client.id.in_(scope))
    ):
        facts[cid] = _ClientFacts(
            ref, name, status == ClientStatus.ACTIVE, clinic_day(created, tz), interval
        )
    for cid, username, primary in s.execute(
        select(ClientAssignment.client_id, User.username, ClientAssignment.is_primary)
        .join(User, User.id == ClientAssignment.user_id)
        .where(
            ClientAssignment.client_id.in_(scope), User.role.in_((Role.CLINICIAN, Role.SUPERVISOR))
        )
        .order_by(User.username)
    ):
        facts[cid].team.append(username)
        if primary and facts[cid].primary is None:
            facts[cid].primary = username
    return facts


WEEK_SECONDS = 7 * 86400


@dataclass(frozen=True)
class _Responses:
    """The complete responses of the clients in scope before `end`, in one ordered pass.

    One row per response, ordered by client, instrument, time and id, as parallel arrays:
    ``client`` (id), ``instrument`` (index into :data:`INSTRUMENTS`), ``seconds`` (UTC, since
    1970), ``total``. A *run* is one client's responses on one instrument: its first row is the
    baseline and its last the final (a tie at the first moment starts with the oldest row, one
    at the last moment ends on the newest). ``digits``: the decimals of a second the database's
    date arithmetic keeps (SQLite's julianday keeps milliseconds, PostgreSQL microseconds).
    """

    client: npt.NDArray[np.int64]
    instrument: npt.NDArray[np.int64]
    seconds: npt.NDArray[np.float64]
    total: npt.NDArray[np.int64]
    digits: int

    @property
    def run_starts(self) -> npt.NDArray[np.intp]:
        n = len(self.client)
        if n == 0:
            return np.zeros(0, dtype=np.intp)
        new = np.empty(n, dtype=bool)
        new[0] = True
        new[1:] = (self.client[1:] != self.client[:-1]) | (
            self.instrument[1:] != self.instrument[:-1]
        )
        return np.flatnonzero(new)


def _epoch_seconds(dialect: str, moment: Any) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return cast(func.extract("epoch", moment), Float)
    return (func.julianday(moment) - 2440587.5) * 86400.0


def _responses(s: Session, dialect: str, scope: Any, end: datetime) -> _Responses:
    """Every complete response of the clients in scope before `end`, read once.

    The check-ins entered in error are the few rows of a partial index, so a response is
    tested against that short list instead of looking up its check-in; the rows come in the
    order of a covering index (migration 0008), so the database neither sorts nor reads the
    wide response rows.
    """
    m = MeasureResponse
    in_error = select(CheckIn.id).where(CheckIn.entered_in_error.is_(True))
    instrument = case({code: n for n, code in enumerate(INSTRUMENTS)}, value=m.instrument)
    stmt = (
        select(m.client_id, instrument, _epoch_seconds(dialect, m.administered_at), m.total)
        .where(
            m.is_partial.is_(False),
            m.total.is_not(None),
            m.instrument.in_(INSTRUMENTS),
            m.administered_at < end,
            m.client_id.in_(scope),
            m.checkin_id.not_in(in_error),
        )
        .order_by(m.client_id, m.instrument, m.administered_at, m.id)
    )
    # Every column is a number the driver gives as it is (no result processing), so the rows
    # go from the DBAPI cursor straight into arrays: 250,000 Row objects would cost more than
    # the query.
    result = s.connection().execute(stmt)
    rows = np.array(result.cursor.fetchall(), dtype=np.float64).reshape(-1, 4)
    result.close()
    return _Responses(
        client=rows[:, 0].astype(np.int64),
        instrument=rows[:, 1].astype(np.int64),
        seconds=rows[:, 2],
        total=rows[:, 3].astype(np.int64),
        digits=6 if dialect == "postgresql" else 3,
    )


def _baselines_and_finals(
    responses: _Responses,
) -> dict[int, dict[str, tuple[TimedScore, TimedScore]]]:
    """Per client and instrument: (baseline, final), the first and last row of its run."""
    r = responses
    result: dict[int, dict[str, tuple[TimedScore, TimedScore]]] = defaultdict(dict)
    if len(r.client) == 0:  # nobody in scope has a complete response yet
        return result
    starts = r.run_starts
    ends = np.append(starts[1:], len(r.client)) - 1
    clients, instruments = r.client[starts].tolist(), r.instrument[starts].tolist()
    first_totals, last_totals = r.total[starts].tolist(), r.total[ends].tolist()
    first_at = np.round(r.seconds[starts], r.digits).tolist()
    last_at = np.round(r.seconds[ends], r.digits).tolist()
    for n, client_id in enumerate(clients):
        result[client_id][INSTRUMENTS[instruments[n]]] = (
            TimedScore(datetime.fromtimestamp(first_at[n], UTC), first_totals[n]),
            TimedScore(datetime.fromtimestamp(last_at[n], UTC), last_totals[n]),
        )
    return result


def _trend(responses: _Responses, start: datetime) -> pd.DataFrame:
    """Mean total by whole weeks since baseline, over the clients counted, baseline to final.

    "Counted" is :func:`instrument_outcome`'s rule over a run (its final is on or after
    `start` and later than its baseline); a test checks the two agree. Weeks are counted from
    the baseline's moment to the response's, in the database's precision, so a response
    exactly two weeks after the baseline is in week 2.
    """
    columns = ["instrument", "week", "mean_total", "clients"]
    r = responses
    if len(r.client) == 0:
        return pd.DataFrame([], columns=columns)
    starts = r.run_starts
    ends = np.append(starts[1:], len(r.client)) - 1
    run = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(r.client))))
    counted = (r.seconds[ends] >= start.timestamp()) & (r.seconds[ends] > r.seconds[starts])
    keep = counted[run]
    if not keep.any():
        return pd.DataFrame([], columns=columns)
    since_baseline = np.round(r.seconds - r.seconds[starts][run], r.digits)
    week = np.floor_divide(since_baseline, WEEK_SECONDS).astype(np.int64)[keep]
    instrument, total, run = r.instrument[keep], r.total[keep], run[keep]
    weeks = int(week.max()) + 1
    key = instrument * weeks + week
    cells = len(INSTRUMENTS) * weeks
    answered = np.bincount(key, minlength=cells)
    sums = np.bincount(key, weights=total, minlength=cells)
    # A run is one client on one instrument, its rows in time order, so its weeks never go
    # back: a (run, week) pair differing from the row before is one more client that week.
    first_of_pair = np.ones(len(run), dtype=bool)
    first_of_pair[1:] = (run[1:] != run[:-1]) | (week[1:] != week[:-1])
    clients = np.bincount(key[first_of_pair], minlength=cells)
    rows = [
        (
            INSTRUMENTS[cell // weeks],
            cell % weeks,
            round(float(sums[cell] / answered[cell]), 2),
            int(clients[cell]),
        )
        for cell in np.flatnonzero(answered).tolist()
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["instrument", "week"], ignore_index=True)


def _active(scope: Any) -> Any:
    return select(Client.id).where(Client.id.in_(scope), Client.status == ClientStatus.ACTIVE)


def _link_figures(s: Session, scope: Any, start: datetime, end: datetime) -> tuple[int, int]:
    """Links sent in the period to the active clients in scope, and how many were opened."""
    links = select(CheckinLink.id).where(
        CheckinLink.client_id.in_(_active(scope)),
        CheckinLink.created_at >= start,
        CheckinLink.created_at < end,
    )
    sent = s.scalar(select(func.count()).select_from(links.subquery())) or 0
    opened = (
        s.scalar(
            select(func.count(func.distinct(AuditEvent.entity_id))).where(
                AuditEvent.action == "checkin_link.open",
                AuditEvent.entity == "checkin_link",
                AuditEvent.entity_id.in_(links),
            )
        )
        or 0
    )
    return int(sent), int(opened)


def _answered(s: Session, scope: Any, start: datetime, end: datetime) -> tuple[int, int]:
    """Complete responses in the period from the active clients: through a link, and in all."""
    m = MeasureResponse
    total, by_link = s.execute(
        select(
            func.count(m.id),
            func.coalesce(func.sum(case((CheckIn.source == CheckinSource.LINK, 1), else_=0)), 0),
        )
        .join(CheckIn, CheckIn.id == m.checkin_id)
        .where(
            *complete_response(m),
            m.client_id.in_(_active(scope)),
            m.instrument.in_(INSTRUMENTS),
            m.administered_at >= start,
            m.administered_at < end,
        )
    ).one()
    return int(by_link or 0), int(total or 0)


def service_outcomes(
    db: Database,
    actor: Actor,
    *,
    since: date,
    until: date,
    tz: tzinfo = UTC,
    clinician: str | None = None,
    today: date,
) -> ServiceOutcomes:
    """The outcomes of the clients `actor` may read (a supervisor: all; a clinician: their
    care teams'; admins refused with AccessDenied), for [since, until] in clinic days.

    `clinician` narrows to that username's clients (NotFound when there is no such clinician);
    a period ending after `today` or starting after it ends is refused (ValidationError).
    """
    _check_period(since, until, today)
    start, end = _utc_start(since, tz), _utc_start(until + timedelta(days=1), tz)
    dialect = db.engine.dialect.name
    with db.uow() as uow:
        s = uow.session
        scope = _scope_ids(s, actor, clinician)
        facts = _client_facts(s, scope, tz)
        responses = _responses(s, dialect, scope, end)
        scores = _baselines_and_finals(responses)

        outcomes: dict[int, dict[str, InstrumentOutcome]] = {}
        for client_id, by_instrument in scores.items():
            outcomes[client_id] = {
                code: instrument_outcome(code, first, last, since=since, until=until, tz=tz)
                for code, (first, last) in by_instrument.items()
            }
        paired = {cid: p for cid, o in outcomes.items() if (p := paired_outcome(o)) is not None}

        trend = _trend(responses, start)
        links_sent, links_opened = _link_figures(s, scope, start, end)
        by_link, answered = _answered(s, scope, start, end)
    active = [cid for cid, f in facts.items() if f.active]

    def rows_for(label: str, ids: Iterable[int]) -> list[OutcomeCounts]:
        chosen = list(ids)
        rows = [
            tally(
                (outcomes[c][code] for c in chosen if code in outcomes.get(c, {})),
                clinician=label,
                instrument=code,
            )
            for code in INSTRUMENTS
        ]
        rows.append(
            tally((paired[c] for c in chosen if c in paired), clinician=label, instrument=PAIRED)
        )
        return rows

    label = clinician.strip().lower() if clinician else ALL
    rows = rows_for(label, facts)
    team_members = sorted({u for f in facts.values() for u in f.team})
    if clinician is None:
        shown_members = (
            team_members
            if actor.is_system or actor.role == Role.SUPERVISOR.value
            else [actor.username]
        )
        caseloads: dict[str, list[int]] = defaultdict(list)
        for client_id, f in facts.items():
            for username in f.team:
                caseloads[username].append(client_id)
        for username in shown_members:
            rows.extend(rows_for(username, caseloads[username]))

    with_baseline = recent = due = 0
    concerns: list[ClientConcern] = []
    for cid in active:
        f = facts[cid]
        client_scores = scores.get(cid, {})
        if client_scores:
            with_baseline += 1
        if any(
            has_recent_follow_up(first.at, last.at, until=until, tz=tz)
            for first, last in client_scores.values()
        ):
            recent += 1
        due += len(INSTRUMENTS) * measures_due(max(since, f.opened_day), until, f.interval_days)
        reasons = []
        worse = [
            f"{code} {o.baseline.total} → {o.final.total}"
            for code in INSTRUMENTS
            if (o := outcomes.get(cid, {}).get(code)) is not None
            and o.counted
            and o.reliable_deterioration
        ]
        if worse:
            reasons.append(f"{DETERIORATION_REASON}: {', '.join(worse)}")
        last_at = max((last.at for _first, last in client_scores.values()), default=None)
        first_at = min((first.at for first, _last in client_scores.values()), default=None)
        if follow_up_overdue(first_at, last_at, until=until, tz=tz):
            reasons.append(NO_FOLLOW_UP_REASON)
        if reasons:
            concerns.append(ClientConcern(cid, f.ref, f.name, f.primary, tuple(reasons), last_at))
    concerns.sort(
        key=lambda c: (
            not c.reasons[0].startswith(DETERIORATION_REASON),
            c.last_measure_at or datetime.min.replace(tzinfo=UTC),
            c.ref,
        )
    )
    completeness = Completeness(
        active_clients=len(active),
        with_baseline=with_baseline,
        with_recent_follow_up=recent,
        links_sent=links_sent,
        links_opened=links_opened,
        measures_due=due,
        answered_by_link=by_link,
        answered=answered,
    )
    return ServiceOutcomes(
        since=since,
        until=until,
        clinician=clinician.strip().lower() if clinician else None,
        rows=tuple(rows),
        completeness=completeness,
        trend=trend,
        concerns=tuple(concerns),
        clinicians=tuple(team_members),
    )
