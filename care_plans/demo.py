"""Demo data: a believable, clearly fictional caseload for trying the product and for benchmarks.

Why this module exists: a clinician evaluating the dashboard, the README's screenshots and the
benchmarks all need a caseload whose charts tell a story — someone improving, someone with a
setback and a recovery, someone stuck, someone getting worse, a risk flag to follow up, a plan
overdue for review, a client who has gone quiet. Writing that by hand does not scale, and the
services (one unit of work and one audit event per action) are far too slow for 5,000 clients.

So `seed_demo` writes everything in one transaction with bulk inserts: primary keys are handed
out here from max(id)+1, so children can point at parents without a flush per row, and rows go
to the database in chunks of a few thousand, as tuples through the driver's `executemany` on
the session's connection (SQLAlchemy's per-row parameter processing was most of the time).
Every value is derived from (seed, end_date) with per-client `random.Random` instances (never
the global one), so the same arguments give the same records. Two things differ between runs
on purpose: the bcrypt salt of the demo password and the time of the single "demo.seed" audit
event, which records when the seeding really happened.

Words come from `care_plans.demo_text`; nothing here is about a real person.
"""

from __future__ import annotations

import enum
import functools
import math
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, Table, func, select, text
from sqlalchemy.orm import Session

from care_plans import audit, demo_text, measures, passwords
from care_plans.access import Actor
from care_plans.db import Database
from care_plans.errors import ValidationError
from care_plans.models import (
    RATINGS,
    AdministrativeGender,
    Attendance,
    Base,
    CarePlan,
    CheckIn,
    CheckinSource,
    Client,
    ClientAssignment,
    ClientStatus,
    ClinicalSession,
    ContactKind,
    GasRating,
    Goal,
    GoalAchievement,
    GoalLifecycle,
    GoalProgress,
    MeasureResponse,
    PlanRevision,
    PlanStatus,
    RecoveryDomain,
    Role,
    SessionStatus,
    Step,
    SupportContact,
    User,
    UTCDateTime,
)

__all__ = ["DEMO_PASSWORD", "DemoResult", "Trajectory", "demo_usernames", "seed_demo"]

#: The documented password of every demo account. Demo databases only: change it, or the
#: accounts, before anyone but you can reach the app.
DEMO_PASSWORD = "recovery-demo-2026"

#: Rows per INSERT statement: big enough to amortise round trips, small enough to keep memory
#: and PostgreSQL's parameter lists modest.
CHUNK_ROWS = 5_000
#: Pending rows (all tables) before a batch of clients is written out.
FLUSH_ROWS = 40_000
#: SQLite's page cache for the seeding connection while it writes (KiB; a ceiling, not an
#: allocation): the default 2 MiB spills dirty index pages to the WAL again and again in one
#: big transaction. Put back to what it was before the commit.
SQLITE_SEED_CACHE_KIB = 256 * 1024

MEASURE_INTERVAL_DAYS = measures.DEFAULT_MEASURE_INTERVAL_DAYS
GAS_REVIEW_INTERVAL_DAYS = 60
#: A flagged PHQ-9 older than this has been followed up; newer ones are left open to act on.
RISK_FOLLOW_UP_AFTER = timedelta(days=7)

# Parents before children, so every foreign key points at a row that is already there.
_TABLE_ORDER: tuple[type[Base], ...] = (
    User,
    Client,
    ClientAssignment,
    CarePlan,
    SupportContact,
    Goal,
    Step,
    GasRating,
    PlanRevision,
    ClinicalSession,
    CheckIn,
    GoalProgress,
    MeasureResponse,
)

# Relative weight of each item in a total, so answers look like real ones (low mood and
# tiredness common, psychomotor change rarer). PHQ-9 item 9 is decided separately.
_PHQ_ITEM_WEIGHTS = (1.2, 1.3, 1.2, 1.3, 0.9, 1.0, 0.9, 0.6)
_GAD_ITEM_WEIGHTS = (1.2, 1.1, 1.2, 1.0, 0.8, 1.1, 0.8)


class Trajectory(enum.StrEnum):
    """The story a client's charts tell over the demo period."""

    IMPROVING = "improving"
    SETBACK = "setback then recovery"
    FLAT = "flat"
    WORSENING = "worsening"


# The first clients get one trajectory each, so even a six-client seed shows every story
# (and the tests can count on a reliable improvement and a reliable deterioration).
_FIXED_TRAJECTORIES = (
    Trajectory.IMPROVING,
    Trajectory.SETBACK,
    Trajectory.FLAT,
    Trajectory.WORSENING,
)
_TRAJECTORY_WEIGHTS = {
    Trajectory.IMPROVING: 40,
    Trajectory.SETBACK: 25,
    Trajectory.FLAT: 20,
    Trajectory.WORSENING: 15,
}
_ACHIEVEMENT = {
    Trajectory.IMPROVING: GoalAchievement.IMPROVING,
    Trajectory.SETBACK: GoalAchievement.IN_PROGRESS,
    Trajectory.FLAT: GoalAchievement.NO_CHANGE,
    Trajectory.WORSENING: GoalAchievement.WORSENING,
}
_SHARE_OF_STEPS_DONE = {
    Trajectory.IMPROVING: 0.6,
    Trajectory.SETBACK: 0.45,
    Trajectory.FLAT: 0.3,
    Trajectory.WORSENING: 0.2,
}


@dataclass(frozen=True)
class DemoResult:
    """What a seeding run wrote: the accounts (username, role) and row counts."""

    accounts: tuple[tuple[str, str], ...]
    clients: int
    checkins: int
    measure_responses: int
    #: Every row inserted, all tables together (for rows-per-second in the benchmarks).
    rows: int = 0


def demo_usernames(clinicians: int = 3) -> tuple[tuple[str, Role], ...]:
    """The demo accounts for `clinicians` clinicians: (username, role), clinicians first."""
    names = [
        ("demo.clinician" if n == 1 else f"demo.clinician{n}", Role.CLINICIAN)
        for n in range(1, clinicians + 1)
    ]
    return (*names, ("demo.supervisor", Role.SUPERVISOR), ("demo.admin", Role.ADMIN))


# -- Writing rows in bulk ---------------------------------------------------------------------


class _BulkWriter:
    """Rows waiting to be inserted, table by table, with primary keys handed out in advance.

    Rows are either dicts (`add`: the few rows per client of the small tables) or tuples in
    the order of a declared column list (`add_tuple`: check-ins, goal progress and measure
    responses, hundreds per client, where building a dict per row was a measurable share of
    the time). Both go to the database as tuples through the DBAPI's `executemany` on the
    session's own connection (same transaction, engine events still fire): SQLAlchemy's
    per-row parameter processing was most of the seeding time. Values are converted column
    by column with the column type's own bind processor, except SQLite's date and time
    columns, which get the same text SQLAlchemy stores, formatted by `isoformat`.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.connection = session.connection()
        self.dialect = self.connection.dialect
        self.tables: list[Table] = [model.__table__ for model in _TABLE_ORDER]  # type: ignore[misc]
        self.pending: dict[str, list[dict[str, Any]]] = {t.name: [] for t in self.tables}
        self.columns: dict[str, tuple[str, ...]] = {}
        self.convert: dict[str, frozenset[str]] = {}
        self.tuples: dict[str, list[tuple[Any, ...]]] = {t.name: [] for t in self.tables}
        self.next_id: dict[str, int] = {}
        for table in self.tables:
            highest = session.scalar(select(func.max(table.c.id)))
            self.next_id[table.name] = (highest or 0) + 1
        self.written: dict[str, int] = {t.name: 0 for t in self.tables}
        self._converters: dict[tuple[str, str], Callable[[Any], Any] | None] = {}
        marker = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(self.dialect.paramstyle)
        if marker is None:
            raise NotImplementedError(f"demo seeding: paramstyle {self.dialect.paramstyle}")
        self.marker = marker
        self.cache_size: int | None = None
        if self.dialect.name == "sqlite":
            self.cache_size = int(self.connection.exec_driver_sql("PRAGMA cache_size").scalar_one())
            self.connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_SEED_CACHE_KIB}")

    def restore_cache_size(self) -> None:
        if self.cache_size is not None:
            self.connection.exec_driver_sql(f"PRAGMA cache_size={self.cache_size}")

    def new_id(self, model: type[Base]) -> int:
        name = model.__tablename__
        value = self.next_id[name]
        self.next_id[name] = value + 1
        return value

    def add(self, model: type[Base], row: dict[str, Any]) -> None:
        self.pending[model.__tablename__].append(row)

    def declare(
        self, model: type[Base], columns: tuple[str, ...], convert: tuple[str, ...] = ()
    ) -> list[tuple[Any, ...]]:
        """The list to append `model`'s rows to, as tuples in the order of `columns`.

        Every column of the table is named (a column left out would get neither the model's
        default nor a check here). Values go to the driver as they are, so they must be what
        the column stores: enum values as text, times made by `stamp`. Only the columns in
        `convert` go through their type's bind processor (JSON, for one)."""
        table: Table = model.__table__  # type: ignore[assignment]
        if sorted(columns) != sorted(table.c.keys()):
            raise ValueError(f"demo seeding: columns of {table.name} do not match the model")
        self.columns[table.name] = columns
        self.convert[table.name] = frozenset(convert)
        return self.tuples[table.name]

    def pending_count(self) -> int:
        """Rows not written yet, dict rows and tuples together."""
        return sum(map(len, self.pending.values())) + sum(map(len, self.tuples.values()))

    def stamper(self, start: date, days: int) -> Callable[[int, int, int], Any]:
        """`stamp(day, hour, minute)`: the stored value of that UTC time, `day` days after
        `start` (0 to `days`). On SQLite the text SQLAlchemy would store for it."""
        dates = [start + timedelta(days=d) for d in range(days + 1)]
        if self.dialect.name == "sqlite":
            texts = [d.isoformat() for d in dates]

            def stamp_text(day: int, hour: int, minute: int) -> Any:
                return f"{texts[day]} {hour:02d}:{minute:02d}:00.000000"

            return stamp_text

        def stamp(day: int, hour: int, minute: int) -> Any:
            return datetime.combine(dates[day], time(hour, minute), tzinfo=UTC)

        return stamp

    def stored(self, value: datetime) -> Any:
        """The stored value of a UTC time, as `stamp` gives it."""
        return _sqlite_utc_text(value) if self.dialect.name == "sqlite" else value

    def _converter(self, table: Table, name: str) -> Callable[[Any], Any] | None:
        key = (table.name, name)
        if key not in self._converters:
            column_type = table.c[name].type
            converter: Callable[[Any], Any] | None
            if self.dialect.name == "sqlite" and isinstance(column_type, UTCDateTime):
                converter = _sqlite_utc_text
            elif self.dialect.name == "sqlite" and isinstance(column_type, Date):
                converter = date.isoformat
            else:
                converter = column_type._cached_bind_processor(self.dialect)
            self._converters[key] = converter
        return self._converters[key]

    def _insert(
        self,
        table: Table,
        columns: tuple[str, ...],
        rows: list[tuple[Any, ...]],
        convert: frozenset[str] | None = None,
    ) -> None:
        converters = [
            self._converter(table, name) if convert is None or name in convert else None
            for name in columns
        ]
        if any(converters):
            values: list[Any] = list(zip(*rows, strict=True))
            for i, to_db in enumerate(converters):
                if to_db is not None:
                    # None stays SQL NULL (also for JSON, which would otherwise store 'null').
                    values[i] = [None if v is None else to_db(v) for v in values[i]]
            rows = list(zip(*values, strict=True))
        quote = self.dialect.identifier_preparer.quote
        statement = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join(self.marker for _ in columns)})"
        )
        for start in range(0, len(rows), CHUNK_ROWS):
            self.connection.exec_driver_sql(statement, rows[start : start + CHUNK_ROWS])

    def flush(self) -> None:
        for table in self.tables:
            rows = self.pending[table.name]
            if rows:
                # Rows are grouped by their keys because one executemany needs one column
                # list (a goal without GAS levels leaves the JSON column out: SQL NULL).
                groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
                for row in rows:
                    groups.setdefault(tuple(row), []).append(tuple(row.values()))
                for columns, group in groups.items():
                    self._insert(table, columns, group)
                self.written[table.name] += len(rows)
                self.pending[table.name] = []
            declared = self.tuples[table.name]
            if declared:
                self._insert(table, self.columns[table.name], declared, self.convert[table.name])
                self.written[table.name] += len(declared)
                declared.clear()  # the same list: generators hold on to it

    def reset_sequences(self) -> None:
        """On PostgreSQL, move each id sequence past the ids given out here."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for table in self.tables:
            if self.written[table.name]:
                # Table names come from our own metadata, never from input.
                self.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT MAX(id) FROM {table.name}))"
                    )
                )


def _sqlite_utc_text(value: datetime) -> str:
    """What `UTCDateTime` stores on SQLite (UTC, no zone, microseconds), made in one call."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column; attach a time zone first")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


# -- Small helpers ---------------------------------------------------------------------------


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def _clamp_rating(value: float) -> int:
    return 0 if value <= 0 else 10 if value >= 10 else int(value + 0.5)


def _noise(rng: random.Random, sd: float) -> float:
    """Gaussian noise cut at 2.5 SD: a demo measure should not jump five points by chance."""
    return max(-2.5 * sd, min(2.5 * sd, rng.gauss(0, sd)))


def _smoothstep(t: float) -> float:
    return t * t * (3 - 2 * t)


def _ascii_slug(name: str) -> str:
    """An e-mail local part: "Dr Helen Marsh" gives "helen.marsh", "Zoë Núñez" "zoe.nunez"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    words = [w for w in plain.lower().replace("’", "").replace("'", "").split() if w != "dr"]
    return ".".join(words)


def _phone(rng: random.Random, kind: ContactKind) -> str:
    # Ofcom's drama ranges: numbers that look real and can never ring anyone.
    if kind == ContactKind.CRISIS_SERVICE:
        return f"0808 157 0{rng.randrange(1000):03d}"
    if kind in (ContactKind.PROFESSIONAL, ContactKind.PEER_GROUP):
        return f"01632 960{rng.randrange(1000):03d}"
    return f"07700 900{rng.randrange(1000):03d}"


def _spread_answers(rng: random.Random, total: int, weights: tuple[float, ...]) -> list[int]:
    """Item answers (0–3) adding up to `total`, shared out by jittered item weights."""
    jittered = [w * (0.5 + rng.random()) for w in weights]
    total = max(0, min(total, 3 * len(weights)))
    scale = total / sum(jittered)
    shares = [min(3.0, j * scale) for j in jittered]
    answers = [int(share) for share in shares]
    remaining = total - sum(answers)
    # The rest goes to the items closest to their next point, never above the top answer.
    order = sorted(range(len(answers)), key=lambda i: answers[i] - shares[i])
    while remaining > 0:
        for i in order:
            if remaining and answers[i] < 3:
                answers[i] += 1
                remaining -= 1
    return answers


def _wellbeing_curve(
    rng: random.Random, trajectory: Trajectory, days: int, fixed: bool
) -> list[float]:
    """The client's underlying wellbeing (0–10) for each day; ratings and measures follow it.

    `fixed` uses the middle of each range, so the first clients reliably show their story.
    """

    def pick(low: float, high: float) -> float:
        return (low + high) / 2 if fixed else rng.uniform(low, high)

    span = max(days - 1, 1)
    if trajectory == Trajectory.IMPROVING:
        start, end = pick(2.5, 3.5), pick(7.0, 8.0)
        return [start + (end - start) * _smoothstep(d / span) for d in range(days)]
    if trajectory == Trajectory.SETBACK:
        start, end = pick(4.0, 5.0), pick(6.5, 7.5)
        centre, width, depth = pick(0.45, 0.65), pick(0.06, 0.1), pick(3.0, 3.8)
        return [
            start
            + (end - start) * (d / span)
            - depth * math.exp(-((((d / span) - centre) / width) ** 2))
            for d in range(days)
        ]
    if trajectory == Trajectory.WORSENING:
        start, end = pick(6.0, 7.0), pick(2.5, 3.5)
        return [start + (end - start) * _smoothstep(d / span) for d in range(days)]
    level, wobble, phase = pick(4.5, 6.0), pick(0.2, 0.5), pick(0.0, 6.28)
    return [level + wobble * math.sin(phase + 4 * math.pi * d / span) for d in range(days)]


# -- One run -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    """What every client of one run shares."""

    seed: int
    days: int
    start_date: date
    end_date: date
    clinicians: tuple[tuple[int, str], ...]  # (user id, username), primary clinicians
    supervisor: tuple[int, str]
    writer: _BulkWriter
    #: stamp(day, hour, minute): a stored time on the day `day` days after `start_date`.
    stamp: Callable[[int, int, int], Any]


def seed_demo(
    db: Database,
    *,
    clients: int = 24,
    days: int = 180,
    clinicians: int = 3,
    seed: int = 7,
    end_date: date,
    password: str = DEMO_PASSWORD,
    progress: Callable[[int, int], None] | None = None,
) -> DemoResult:
    """Fill an empty database with demo accounts and a caseload of `clients` clients.

    Each client has an active plan that started `days` days before `end_date` (the clinic's
    today, given by the caller), daily check-ins up to the day before it, PHQ-9 and GAD-7 every
    two weeks, sessions, goals, steps and a support network. Refuses (ValidationError) a
    database that already has clients or demo accounts. `progress(done_clients, total_clients)`
    is called as batches are written.
    """
    problems: dict[str, str] = {}
    if clients < 1:
        problems["clients"] = "Seed at least one client."
    if days < 14:
        problems["days"] = "Seed at least 14 days, so there is a trajectory to show."
    if not 1 <= clinicians <= 99:
        problems["clinicians"] = "Use between 1 and 99 clinicians."
    if problems:
        raise ValidationError(problems)
    accounts = demo_usernames(clinicians)
    for username, _role in accounts:
        passwords.check_password_rules(password, username)
    start_date = end_date - timedelta(days=days)

    with db.uow() as uow:
        s = uow.session
        if s.scalar(select(func.count()).select_from(Client)):
            raise ValidationError(
                "This database already has clients. Demo data only goes into an empty "
                "database: point DATABASE_URL at a new one (for example "
                "sqlite:///data/demo.db) and try again."
            )
        taken = s.scalars(
            select(User.username).where(User.username.in_([name for name, _ in accounts]))
        ).all()
        if taken:
            raise ValidationError(
                f"Demo accounts already exist ({', '.join(sorted(taken))}). Use a new database."
            )
        # One bcrypt hash for every account: hashing is deliberately slow.
        password_hash = passwords.hash_password(password)
        writer = _BulkWriter(s)
        user_ids = _add_accounts(writer, accounts, password_hash, start_date)
        run = _Run(
            seed=seed,
            days=days,
            start_date=start_date,
            end_date=end_date,
            clinicians=tuple(
                (user_ids[name], name) for name, role in accounts if role == Role.CLINICIAN
            ),
            supervisor=(user_ids["demo.supervisor"], "demo.supervisor"),
            writer=writer,
            stamp=writer.stamper(start_date, days),
        )
        try:
            for index in range(clients):
                _add_client(run, index)
                if writer.pending_count() >= FLUSH_ROWS:
                    writer.flush()
                    if progress is not None:
                        progress(index + 1, clients)
            writer.flush()
        finally:
            writer.restore_cache_size()
        writer.reset_sequences()
        written = writer.written
        result = DemoResult(
            accounts=tuple((name, role.value) for name, role in accounts),
            clients=written[Client.__tablename__],
            checkins=written[CheckIn.__tablename__],
            measure_responses=written[MeasureResponse.__tablename__],
            rows=sum(written.values()) + 1,  # + the audit event
        )
        audit.record(
            s,
            Actor.cli(),
            "demo.seed",
            "database",
            detail={
                "clients": result.clients,
                "checkins": result.checkins,
                "measure_responses": result.measure_responses,
                "days": days,
                "seed": seed,
                "end_date": end_date.isoformat(),
            },
        )
        uow.commit()
    if progress is not None:
        progress(clients, clients)
    return result


def _add_accounts(
    writer: _BulkWriter,
    accounts: tuple[tuple[str, Role], ...],
    password_hash: str,
    start_date: date,
) -> dict[str, int]:
    created = _at(start_date - timedelta(days=30), 9)
    ids: dict[str, int] = {}
    clinician_number = 0
    for username, role in accounts:
        if role == Role.CLINICIAN:
            names = demo_text.CLINICIAN_NAMES
            full_name = names[clinician_number % len(names)]
            if clinician_number >= len(names):
                full_name = f"{full_name} {clinician_number // len(names) + 1}"
            clinician_number += 1
        else:
            full_name = (
                demo_text.SUPERVISOR_NAME if role == Role.SUPERVISOR else demo_text.ADMIN_NAME
            )
        ids[username] = user_id = writer.new_id(User)
        writer.add(
            User,
            {
                "id": user_id,
                "username": username,
                "full_name": full_name,
                "role": role,
                "password_hash": password_hash,
                "is_active": True,
                "failed_signin_count": 0,
                "locked_until": None,
                "password_changed_at": created,
                "created_at": created,
            },
        )
    return ids


def _add_client(run: _Run, index: int) -> None:
    """Every row of one client, drawn from this client's own random stream."""
    rng = random.Random(f"care-plans-demo:{run.seed}:{index}")
    w = run.writer
    days = run.days
    client_id = w.new_id(Client)
    if index < len(demo_text.FEATURED_NAMES):
        full_name = demo_text.FEATURED_NAMES[index]
    else:
        full_name = f"{rng.choice(demo_text.FIRST_NAMES)} {rng.choice(demo_text.SURNAMES)}"
    first_name, surname = full_name.split(" ", 1)
    clinician_id, clinician_name = run.clinicians[index % len(run.clinicians)]
    opened = _at(run.start_date, 9, 30)

    if index < len(_FIXED_TRAJECTORIES):
        trajectory = _FIXED_TRAJECTORIES[index]
    else:
        trajectory = rng.choices(
            list(_TRAJECTORY_WEIGHTS), weights=list(_TRAJECTORY_WEIGHTS.values())
        )[0]
    curve = _wellbeing_curve(rng, trajectory, days, fixed=index < len(_FIXED_TRAJECTORIES))
    # Some clients stop checking in before the end: the dashboard should show who went quiet.
    quiet_days = min(rng.randint(15, 30), days // 2) if index % 8 == 5 else 0
    # PHQ-9 item 9 is endorsed at least once by the setback and worsening examples and by a
    # few others; every such answer raises the risk flag.
    risk_prone = index in (1, 3) or (index >= len(_FIXED_TRAJECTORIES) and rng.random() < 0.08)

    age = rng.randint(18, 75)
    # Demographics come from a stream of their own, so adding them changed nothing else.
    extra = random.Random(f"care-plans-demo-demographics:{run.seed}:{index}")
    w.add(
        Client,
        {
            "id": client_id,
            "ref": f"CP-{index + 1:04d}",
            "full_name": full_name,
            "given_name": first_name,
            "family_name": surname,
            "administrative_gender": extra.choice(
                (
                    AdministrativeGender.FEMALE,
                    AdministrativeGender.MALE,
                    AdministrativeGender.FEMALE,
                    AdministrativeGender.MALE,
                    AdministrativeGender.OTHER,
                    AdministrativeGender.UNKNOWN,
                )
            ),
            # NHS numbers from the 999 range, which is never issued to anyone (for test data).
            **(
                {"national_id_kind": "nhs-number", "national_id": _test_nhs_number(extra)}
                if index % 3 != 2
                else {"national_id_kind": None, "national_id": None}
            ),
            "date_of_birth": date(run.end_date.year - age - 1, 1, 1)
            + timedelta(days=rng.randrange(365)),
            "status": ClientStatus.ACTIVE,
            "discharged_on": None,
            "discharge_reason": None,
            "measure_interval_days": MEASURE_INTERVAL_DAYS,
            "created_at": opened,
        },
    )
    team = [(clinician_id, True)]
    if index % 6 == 4:  # the supervisor co-works a few clients
        team.append((run.supervisor[0], False))
    for user_id, is_primary in team:
        w.add(
            ClientAssignment,
            {
                "id": w.new_id(ClientAssignment),
                "client_id": client_id,
                "user_id": user_id,
                "is_primary": is_primary,
                "assigned_at": opened,
            },
        )

    contacts = _add_contacts(run, rng, index, client_id, surname, opened)
    plan_id, goals, snapshot = _add_plan(
        run, rng, index, client_id, trajectory, curve, contacts, clinician_id, opened
    )
    revision_id = w.new_id(PlanRevision)
    w.add(
        PlanRevision,
        {
            "id": revision_id,
            "plan_id": plan_id,
            "number": 1,
            "created_at": opened,
            "created_by_id": clinician_id,
            "created_by_name": clinician_name,
            "reason": "demo data",
            "snapshot": snapshot,
        },
    )
    session_days = _add_sessions(
        run, rng, client_id, first_name, clinician_id, curve, len(goals), revision_id, quiet_days
    )
    _add_checkins(
        run, rng, client_id, clinician_id, curve, goals, session_days, quiet_days, risk_prone
    )
    if index == 1:
        _add_withdrawn_checkin(run, extra, client_id, clinician_id)


def _test_nhs_number(rng: random.Random) -> str:
    """A valid (modulus 11) NHS number in the never-issued 999 range."""
    while True:
        digits = "999" + "".join(str(rng.randrange(10)) for _ in range(6))
        check = 11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return digits + str(0 if check == 11 else check)


def _add_withdrawn_checkin(
    run: _Run, rng: random.Random, client_id: int, clinician_id: int
) -> None:
    """A check-in imported twice and withdrawn by the clinician (entered in error), so the
    exports have one to send as withdrawn."""
    w = run.writer
    submitted = _at(run.end_date - timedelta(days=rng.randint(3, 9)), 20, 15)
    w.add(
        CheckIn,
        {
            "id": w.new_id(CheckIn),
            "client_id": client_id,
            "submitted_at": submitted,
            "source": CheckinSource.IMPORT,
            "mood": 6,
            "sleep": 5,
            "self_care": 6,
            "connection": 5,
            "hope": 6,
            "note": "",
            "went_well": "",
            "was_hard": "",
            "entered_in_error": True,
            "error_reason": "Imported twice",
            "error_marked_by_id": clinician_id,
            "error_marked_at": submitted + timedelta(days=1),
            "link_id": None,
            "created_by_id": clinician_id,
            "created_at": submitted,
        },
    )


def _add_contacts(
    run: _Run, rng: random.Random, index: int, client_id: int, surname: str, created: datetime
) -> list[dict[str, Any]]:
    """3–6 people and services: family, a professional, one crisis service, and some more."""
    w = run.writer
    extra = rng.sample(
        (
            ContactKind.FRIEND,
            ContactKind.PEER_GROUP,
            ContactKind.FRIEND,
            ContactKind.FAMILY,
            ContactKind.PROFESSIONAL,
        ),
        rng.randint(0, 3),
    )
    kinds = sorted(
        [ContactKind.FAMILY, ContactKind.PROFESSIONAL, *extra],
        key=[
            ContactKind.FAMILY,
            ContactKind.FRIEND,
            ContactKind.PEER_GROUP,
            ContactKind.PROFESSIONAL,
        ].index,
    )
    kinds.append(ContactKind.CRISIS_SERVICE)  # last, where the crisis plan points
    professionals = rng.sample(demo_text.PROFESSIONALS, 2)
    groups = rng.sample(demo_text.PEER_GROUPS, 1)
    family_roles = rng.sample(demo_text.FAMILY_ROLES, 2)
    consent_odds = {
        ContactKind.FAMILY: 0.7,
        ContactKind.FRIEND: 0.5,
        ContactKind.PEER_GROUP: 0.4,
        ContactKind.PROFESSIONAL: 0.85,
        ContactKind.CRISIS_SERVICE: 0.85,
    }
    rows: list[dict[str, Any]] = []
    for position, kind in enumerate(kinds):
        email = ""
        if kind == ContactKind.FAMILY:
            name = f"{rng.choice(demo_text.FIRST_NAMES)} {surname}"
            role, when = family_roles.pop(), rng.choice(demo_text.FAMILY_WHEN)
        elif kind == ContactKind.FRIEND:
            name = f"{rng.choice(demo_text.FIRST_NAMES)} {rng.choice(demo_text.SURNAMES)}"
            role, when = rng.choice(demo_text.FRIEND_ROLES), rng.choice(demo_text.FRIEND_WHEN)
        else:
            template = (
                professionals.pop()
                if kind == ContactKind.PROFESSIONAL
                else groups.pop()
                if kind == ContactKind.PEER_GROUP
                else rng.choice(demo_text.CRISIS_SERVICES)
            )
            name, role, when = template
            if kind == ContactKind.PROFESSIONAL:
                email = f"{_ascii_slug(name)}@example.org"
        if not email and kind in (ContactKind.FAMILY, ContactKind.FRIEND) and rng.random() < 0.4:
            email = f"{_ascii_slug(name)}@example.org"
        # Client 0 always has someone they have not agreed to share with, so the consent
        # filter has something to hide in every seed.
        consent = rng.random() < consent_odds[kind] and not (index == 0 and position == 0)
        # The crisis plan names the crisis service: agreed to be shared, except for CP-0001
        # (whose plan shows the exports flagging text that names an unconsented contact).
        consent = consent or (kind == ContactKind.CRISIS_SERVICE and index != 0)
        row = {
            "id": w.new_id(SupportContact),
            "client_id": client_id,
            "position": position,
            "name": name,
            "kind": kind,
            "role": role,
            "phone": _phone(rng, kind),
            "email": email,
            "when_to_contact": when,
            "is_crisis_contact": kind == ContactKind.CRISIS_SERVICE
            or (kind == ContactKind.FAMILY and rng.random() < 0.5),
            "consent_to_share": consent,
            "consent_date": run.start_date + timedelta(days=rng.randint(0, 10))
            if consent
            else None,
            "is_archived": False,
            "version": 1,
            "created_at": created,
        }
        w.add(SupportContact, row)
        rows.append(row)
    return rows


@dataclass(frozen=True)
class _GoalInfo:
    id: int
    offset: float  # how this goal's progress ratings sit against overall wellbeing


def _add_plan(
    run: _Run,
    rng: random.Random,
    index: int,
    client_id: int,
    trajectory: Trajectory,
    curve: list[float],
    contacts: list[dict[str, Any]],
    clinician_id: int,
    created: datetime,
) -> tuple[int, list[_GoalInfo], dict[str, Any]]:
    """The active plan, its goals and steps, GAS ratings; returns ids and the revision snapshot."""
    w = run.writer
    plan_id = w.new_id(CarePlan)
    sections = {
        name: " ".join(rng.sample(pool, rng.randint(2, 3)))
        for name, pool in demo_text.SECTIONS.items()
    }
    # Only client CP-0001's crisis plan names someone without consent to share (so every seed
    # shows the exports flagging it); the others name consented contacts only.
    named = contacts if index == 0 else [c for c in contacts if c["consent_to_share"]]
    crisis = contacts[-1]
    close = next((c for c in named if c["kind"] == ContactKind.FAMILY), named[0] if named else None)
    helper = (
        f"{close['name'].split(' ', 1)[0]} ({close['role'].lower()})"
        if close
        else "someone I trust"
    )
    sections["crisis_plan"] = " ".join(
        (
            rng.choice(demo_text.CRISIS_FIRST_STEPS),
            rng.choice(demo_text.CRISIS_HELPER_STEPS).format(helper=helper),
            demo_text.CRISIS_SERVICE_STEP.format(crisis=crisis["name"], phone=crisis["phone"]),
        )
    )
    # A few reviews are overdue (every seventh client for certain, so small seeds show one).
    overdue = index % 7 == 2 or rng.random() < 0.04
    review_in = -rng.randint(1, 25) if overdue else rng.randint(5, 85)
    last_edit = _at(run.end_date - timedelta(days=rng.randint(1, min(run.days, 40))), 11)
    w.add(
        CarePlan,
        {
            "id": plan_id,
            "client_id": client_id,
            "status": PlanStatus.ACTIVE,
            "start_date": run.start_date,
            "next_review_date": run.end_date + timedelta(days=review_in),
            **sections,
            "version": 1,
            "created_at": created,
            "updated_at": last_edit,
        },
    )

    helper_ids = [c["id"] for c in contacts if c["kind"] != ContactKind.CRISIS_SERVICE]
    domains = rng.sample(list(RecoveryDomain), rng.randint(2, 4))
    completed_first = trajectory == Trajectory.IMPROVING and rng.random() < 0.3
    goals: list[_GoalInfo] = []
    goal_snapshots: list[dict[str, Any]] = []
    for position, domain in enumerate(domains):
        template = rng.choice(demo_text.GOALS[domain.value])
        goal_id = w.new_id(Goal)
        completed = completed_first and position == 0
        achievement = (
            GoalAchievement.ACHIEVED
            if completed
            else GoalAchievement.IN_PROGRESS
            if rng.random() < 0.3
            else _ACHIEVEMENT[trajectory]
        )
        row: dict[str, Any] = {
            "id": goal_id,
            "plan_id": plan_id,
            "position": position,
            "domain": domain,
            "description": template.description,
            "why_it_matters": template.why_it_matters,
            "start_date": run.start_date,
            "target_date": run.start_date + timedelta(days=rng.randint(90, 270)),
            "lifecycle_status": GoalLifecycle.COMPLETED if completed else GoalLifecycle.ACTIVE,
            "achievement_status": achievement,
            "is_archived": False,
            "version": 1,
            "created_at": created,
        }
        has_gas = template.gas is not None and rng.random() < 0.6
        if has_gas:
            assert template.gas is not None
            row["gas_levels"] = {
                str(level): words for level, words in zip(range(-2, 3), template.gas, strict=True)
            }
        w.add(Goal, row)
        goals.append(_GoalInfo(goal_id, rng.uniform(-1.5, 1.0)))
        steps = _add_steps(run, rng, goal_id, template.steps, trajectory, completed, helper_ids)
        goal_snapshots.append(
            {
                "id": goal_id,
                "domain": domain.value,
                "description": template.description,
                "why_it_matters": template.why_it_matters,
                "steps": steps,
            }
        )
        if has_gas:
            _add_gas_ratings(run, rng, goal_id, curve, clinician_id)

    snapshot = {
        "status": PlanStatus.ACTIVE.value,
        "start_date": run.start_date.isoformat(),
        "sections": sections,
        "goals": goal_snapshots,
        "contacts": [
            {
                "id": c["id"],
                "name": c["name"],
                "kind": c["kind"].value,
                "role": c["role"],
                "is_crisis_contact": c["is_crisis_contact"],
                "consent_to_share": c["consent_to_share"],
            }
            for c in contacts
        ],
    }
    return plan_id, goals, snapshot


def _add_steps(
    run: _Run,
    rng: random.Random,
    goal_id: int,
    pool: tuple[str, ...],
    trajectory: Trajectory,
    completed: bool,
    helper_ids: list[int],
) -> list[dict[str, Any]]:
    w = run.writer
    done_share = 1.0 if completed else _SHARE_OF_STEPS_DONE[trajectory]
    snapshot: list[dict[str, Any]] = []
    for position, description in enumerate(rng.sample(pool, rng.randint(2, 5))):
        done_on = (
            run.start_date + timedelta(days=rng.randint(3, run.days - 1))
            if rng.random() < done_share
            else None
        )
        due_date = (
            run.end_date + timedelta(days=rng.randint(-10, 30))
            if done_on is None and rng.random() < 0.55
            else None
        )
        helper = rng.choice(helper_ids) if helper_ids and rng.random() < 0.3 else None
        step_id = w.new_id(Step)
        w.add(
            Step,
            {
                "id": step_id,
                "goal_id": goal_id,
                "position": position,
                "description": description,
                "due_date": due_date,
                "done_on": done_on,
                "helper_contact_id": helper,
                "is_archived": False,
                "version": 1,
            },
        )
        snapshot.append(
            {
                "id": step_id,
                "description": description,
                "due_date": due_date.isoformat() if due_date else None,
                "done_on": done_on.isoformat() if done_on else None,
                "helper_contact_id": helper,
            }
        )
    return snapshot


def _add_gas_ratings(
    run: _Run, rng: random.Random, goal_id: int, curve: list[float], clinician_id: int
) -> None:
    """GAS at the start (−1, "somewhat less than expected", by convention) and each review."""
    w = run.writer
    weight = rng.choice((1, 1, 2, 3))
    for day in range(0, run.days, GAS_REVIEW_INTERVAL_DAYS):
        change = curve[day] - curve[0] + rng.uniform(-0.7, 0.7)
        score = (
            -1
            if day == 0
            else 2
            if change >= 3
            else 1
            if change >= 1.5
            else 0
            if change >= 0.3
            else -1
            if change > -1.5
            else -2
        )
        rated_on = run.start_date + timedelta(days=day)
        w.add(
            GasRating,
            {
                "id": w.new_id(GasRating),
                "goal_id": goal_id,
                "rated_on": rated_on,
                "score": score,
                "weight": weight,
                "recorded_by_id": clinician_id,
                "created_at": _at(rated_on, 15),
            },
        )


def _add_sessions(
    run: _Run,
    rng: random.Random,
    client_id: int,
    first_name: str,
    clinician_id: int,
    curve: list[float],
    goal_count: int,
    revision_id: int,
    quiet_days: int,
) -> dict[int, int]:
    """Sessions every two to four weeks; returns {day: hour} of the sessions attended."""
    w = run.writer
    days = [0]
    while (next_day := days[-1] + rng.choice((14, 14, 21, 28))) < run.days:
        days.append(next_day)
    attended: dict[int, int] = {}
    previous_template = ""
    for number, day in enumerate(days):
        session_date = run.start_date + timedelta(days=day)
        hour = 9 if day == 0 else rng.randint(9, 16)  # the plan is written at 9:30 on day 0
        went = day == 0 or (day < run.days - quiet_days and rng.random() > 0.07)
        is_last = number == len(days) - 1
        if not went:
            summary, acknowledged, changes = rng.choice(demo_text.SESSION_DID_NOT_ATTEND), "", ""
            next_steps = "Offer another appointment and check the crisis plan is to hand."
        else:
            attended[day] = hour
            if day == 0:
                summary = demo_text.SESSION_INTAKE.format(goals=goal_count, first=first_name)
                acknowledged, changes = "Came to the first appointment and wrote the plan.", ""
            else:
                change = curve[day] - curve[days[number - 1]]
                pool = (
                    demo_text.SESSION_BETTER
                    if change > 0.6
                    else demo_text.SESSION_HARDER
                    if change < -0.6
                    else demo_text.SESSION_STEADY
                )
                # Not the same words as last time: a run of identical notes reads as a bug.
                template = rng.choice([text for text in pool if text != previous_template])
                summary = template.format(first=first_name)
                previous_template = template
                acknowledged = rng.choice(demo_text.PROGRESS_ACKNOWLEDGED)
                changes = rng.choice(demo_text.PLAN_CHANGES) if rng.random() < 0.3 else ""
            next_steps = rng.choice(demo_text.NEXT_STEPS)
        draft = went and is_last and rng.random() < 0.4
        next_date = (
            run.start_date + timedelta(days=days[number + 1])
            if not is_last
            else session_date + timedelta(days=14)
        )
        w.add(
            ClinicalSession,
            {
                "id": w.new_id(ClinicalSession),
                "client_id": client_id,
                "clinician_id": clinician_id,
                "session_date": session_date,
                "attendance": Attendance.ATTENDED if went else Attendance.DID_NOT_ATTEND,
                "summary": summary,
                "progress_acknowledged": acknowledged,
                "plan_changes": changes,
                "plan_revision_id": revision_id if day == 0 else None,
                "next_steps": next_steps,
                "next_session_date": next_date,
                "status": SessionStatus.DRAFT if draft else SessionStatus.SIGNED,
                "signed_at": None if draft else _at(session_date, hour + rng.randint(1, 5)),
                "version": 1,
                "created_at": _at(session_date, hour, 50),
            },
        )
    return attended


def _checkin_days(rng: random.Random, days: int, quiet_days: int) -> list[int]:
    """Days with a check-in: most days, with the odd gap of a few days, and none when quiet."""
    chosen = [0]  # the first session, where the plan was written
    habit = rng.uniform(0.75, 0.88)
    gap_left = 0
    for day in range(1, days - quiet_days):
        if gap_left:
            gap_left -= 1
        elif rng.random() < 0.025:
            gap_left = rng.randint(2, 8)
        elif rng.random() < habit:
            chosen.append(day)
    return chosen


def _measure_plan(
    rng: random.Random, curve: list[float], checkin_days: list[int], risk_prone: bool
) -> dict[int, tuple[list[int], list[int]]]:
    """PHQ-9 and GAD-7 answers for the first check-in on or after each fortnightly due date."""
    due = 0
    measure_days: list[int] = []
    for day in checkin_days:
        if day >= due:
            measure_days.append(day)
            due = day + MEASURE_INTERVAL_DAYS
    phq_totals = [round((10 - curve[d]) * 2.6 - 0.5 + _noise(rng, 1.2)) for d in measure_days]
    worst = max(range(len(measure_days)), key=lambda i: phq_totals[i])
    plan: dict[int, tuple[list[int], list[int]]] = {}
    for i, day in enumerate(measure_days):
        phq = _spread_answers(rng, phq_totals[i], _PHQ_ITEM_WEIGHTS)
        endorsed = risk_prone and (i == worst or (phq_totals[i] >= 15 and rng.random() < 0.4))
        phq.append(rng.choice((1, 1, 2)) if endorsed else 0)
        gad_total = round((10 - curve[day]) * 2.1 - 1.5 + _noise(rng, 1.2))
        plan[day] = (phq, _spread_answers(rng, gad_total, _GAD_ITEM_WEIGHTS))
    return plan


_CHECKIN_COLUMNS = (
    "id",
    "client_id",
    "submitted_at",
    "source",
    *RATINGS,
    "note",
    "went_well",
    "was_hard",
    "entered_in_error",
    "error_reason",
    "error_marked_by_id",
    "error_marked_at",
    "link_id",
    "created_by_id",
    "created_at",
)
_PROGRESS_COLUMNS = ("id", "checkin_id", "goal_id", "rating")
_MEASURE_COLUMNS = (
    "id",
    "client_id",
    "checkin_id",
    "instrument",
    "administered_at",
    "answers",
    "is_partial",
    "total",
    "severity",
    "difficulty",
    "risk_flag",
    "risk_followed_up_at",
    "risk_followed_up_by_id",
    "risk_follow_up_note",
)


@functools.lru_cache(maxsize=4096)
def _scored(code: str, answers: tuple[int, ...]) -> measures.Score:
    """`measures.score`, once per distinct set of answers (a few hundred in a whole seed)."""
    return measures.score(code, answers)


def _add_checkins(
    run: _Run,
    rng: random.Random,
    client_id: int,
    clinician_id: int,
    curve: list[float],
    goals: list[_GoalInfo],
    session_hours: dict[int, int],
    quiet_days: int,
    risk_prone: bool,
) -> None:
    """Daily self-ratings following the curve, notes on some days, measures every fortnight.

    The hottest loop of the seeding (hundreds of rows per client), so it is written for speed:
    rows are tuples in the declared column order, times come from `run.stamp`, the random
    stream's methods and the ids are local names. The draws are the same, in the same order,
    as a plainer loop would make them; the demo data depends on that order."""
    w = run.writer
    days = _checkin_days(rng, run.days, quiet_days)
    measure_plan = _measure_plan(rng, curve, days, risk_prone)
    offsets = (
        0.0,
        rng.uniform(-1.5, 0.8),
        rng.uniform(-1.0, 1.0),
        rng.uniform(-1.5, 1.0),
        rng.uniform(-1.0, 0.5),
    )
    usual_hour = rng.choice((8, 12, 19, 20, 21))
    # A flagged answer from before this day (midnight, UTC) has been followed up.
    follow_up_before = _at(run.end_date, 0) - RISK_FOLLOW_UP_AFTER
    start_weekday = run.start_date.weekday()
    checkins = w.declare(CheckIn, _CHECKIN_COLUMNS)
    progress = w.declare(GoalProgress, _PROGRESS_COLUMNS)
    responses = w.declare(MeasureResponse, _MEASURE_COLUMNS, convert=("answers",))
    stamp = run.stamp
    random_, gauss, randint, randrange, choice = (
        rng.random,
        rng.gauss,
        rng.randint,
        rng.randrange,
        rng.choice,
    )
    went_well_pool, was_hard_pool = demo_text.WENT_WELL, demo_text.WAS_HARD
    source_session, source_link = CheckinSource.SESSION.value, CheckinSource.LINK.value
    goal_offsets = [(goal.id, goal.offset) for goal in goals]
    next_ids = w.next_id
    checkin_id = next_ids[CheckIn.__tablename__] - 1
    progress_id = next_ids[GoalProgress.__tablename__] - 1
    response_id = next_ids[MeasureResponse.__tablename__] - 1
    off_sleep, off_self_care, off_connection, off_hope = offsets[1:]
    noise = 0.0
    previous_day = 0
    for day in days:
        # Day-to-day noise carries over (bad days cluster), also across days without a check-in.
        for _ in range(day - previous_day):
            noise = 0.6 * noise + gauss(0, 0.8)
        previous_day = day
        weekend = 0.3 if (start_weekday + day) % 7 >= 5 else 0.0
        wellbeing = curve[day]
        level = wellbeing + noise + weekend
        ratings: list[int | None] = []
        for off in (0.0, off_sleep, off_self_care, off_connection, off_hope):
            value = level + off + gauss(0, 0.7)
            ratings.append(0 if value <= 0 else 10 if value >= 10 else int(value + 0.5))
        if random_() < 0.12:  # now and then a question is skipped
            ratings[randrange(5)] = None
        mood = ratings[0] if ratings[0] is not None else 5
        in_session = day in session_hours
        if in_session:
            hour, minute = session_hours[day], 40
        else:
            hour = usual_hour + randint(0, 2)
            minute = randrange(60)
        submitted = stamp(day, hour, minute)
        went_well = choice(went_well_pool) if random_() < 0.08 + 0.02 * mood else ""
        was_hard = choice(was_hard_pool) if random_() < 0.06 + 0.025 * (10 - mood) else ""
        checkin_id += 1
        # No check-in link rows: a token derived from the seed could be guessed by anyone who
        # reads this file, so demo check-ins name no link.
        checkins.append(
            (
                checkin_id,
                client_id,
                submitted,
                source_session if in_session else source_link,
                *ratings,
                "",  # note
                went_well,
                was_hard,
                False,  # entered_in_error
                None,  # error_reason
                None,  # error_marked_by_id
                None,  # error_marked_at
                None,  # link_id
                clinician_id if in_session else None,
                submitted,  # created_at
            )
        )
        if in_session or random_() < 0.25:
            for goal_id, goal_offset in goal_offsets:
                if random_() < 0.75:
                    value = wellbeing + goal_offset + gauss(0, 1.0)
                    progress_id += 1
                    progress.append(
                        (
                            progress_id,
                            checkin_id,
                            goal_id,
                            0 if value <= 0 else 10 if value >= 10 else int(value + 0.5),
                        )
                    )
        if day in measure_plan:
            for code, answers in zip(("PHQ-9", "GAD-7"), measure_plan[day], strict=True):
                scored = _scored(code, tuple(answers))
                followed_up_at = note = followed_up_by = None
                if scored.risk_flag:  # rare: the time as a datetime, to compare and add to
                    submitted_at = _at(run.start_date + timedelta(days=day), hour, minute)
                    if submitted_at < follow_up_before:
                        followed_up_at = w.stored(submitted_at + timedelta(hours=randint(1, 20)))
                        followed_up_by = clinician_id
                        note = choice(demo_text.RISK_FOLLOW_UP_NOTES)
                response_id += 1
                responses.append(
                    (
                        response_id,
                        client_id,
                        checkin_id,
                        code,
                        submitted,
                        answers,
                        False,  # is_partial
                        scored.total,
                        scored.severity,
                        None,  # difficulty
                        scored.risk_flag,
                        followed_up_at,
                        followed_up_by,
                        note,
                    )
                )
    next_ids[CheckIn.__tablename__] = checkin_id + 1
    next_ids[GoalProgress.__tablename__] = progress_id + 1
    next_ids[MeasureResponse.__tablename__] = response_id + 1
