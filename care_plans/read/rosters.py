"""Rosters and lists for the pages and the CLI: plain rows, never live ORM objects.

Each function takes the acting user and returns only what that user may see: a clinician their
assigned clients, a supervisor everyone, the command line everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select

from care_plans import measures
from care_plans.access import (
    Actor,
    client_for_read,
    require_admin,
    visible_client_ids,
)
from care_plans.db import Database
from care_plans.models import (
    RATINGS,
    CheckIn,
    Client,
    ClientAssignment,
    MeasureResponse,
    User,
)


@dataclass(frozen=True)
class RosterRow:
    ref: str
    name: str
    clinician: str | None
    status: str
    checkins: int
    last_checkin: datetime | None


def client_roster(db: Database, actor: Actor) -> list[RosterRow]:
    """Every visible client with primary clinician, check-in count and last check-in (UTC)."""
    counts = (
        select(
            CheckIn.client_id,
            func.count(CheckIn.id).label("n"),
            func.max(CheckIn.submitted_at).label("last"),
        )
        .where(CheckIn.entered_in_error.is_(False))
        .group_by(CheckIn.client_id)
        .subquery()
    )
    stmt = (
        select(
            Client.ref, Client.full_name, User.username, Client.status, counts.c.n, counts.c.last
        )
        .outerjoin(
            ClientAssignment,
            and_(ClientAssignment.client_id == Client.id, ClientAssignment.is_primary.is_(True)),
        )
        .outerjoin(User, User.id == ClientAssignment.user_id)
        .outerjoin(counts, counts.c.client_id == Client.id)
        .order_by(Client.ref)
    )
    visible = visible_client_ids(actor)
    if visible is not None:
        stmt = stmt.where(Client.id.in_(visible))
    with db.uow() as uow:
        rows = uow.session.execute(stmt).all()
    return [RosterRow(r[0], r[1], r[2], r[3].value, int(r[4] or 0), r[5]) for r in rows]


@dataclass(frozen=True)
class AssignmentRow:
    client_id: int
    ref: str
    name: str
    status: str
    clinicians: tuple[str, ...]
    primary: str | None


def assignment_roster(db: Database, actor: Actor) -> list[AssignmentRow]:
    """Clients with their care team, for administrators: demographics only, nothing clinical."""
    with db.uow() as uow:
        require_admin(uow.session, actor)
        clients = uow.session.execute(
            select(Client.id, Client.ref, Client.full_name, Client.status).order_by(Client.ref)
        ).all()
        team: dict[int, list[tuple[str, bool]]] = {}
        for client_id, username, primary in uow.session.execute(
            select(ClientAssignment.client_id, User.username, ClientAssignment.is_primary)
            .join(User, User.id == ClientAssignment.user_id)
            .order_by(User.username)
        ):
            team.setdefault(client_id, []).append((username, primary))
    return [
        AssignmentRow(
            c.id,
            c.ref,
            c.full_name,
            c.status.value,
            tuple(u for u, _ in team.get(c.id, [])),
            next((u for u, p in team.get(c.id, []) if p), None),
        )
        for c in clients
    ]


def _measure_label(response: MeasureResponse) -> str:
    if response.is_partial:
        return measures.describe_unanswered(
            [n for n, a in enumerate(response.answers, start=1) if a is None]
        )
    return response.severity or ""


def client_checkins(
    db: Database, actor: Actor, client_id: int, include_errors: bool = True
) -> list[CheckinRow]:
    """A client's check-ins, newest first, with their measure totals (access-checked)."""
    with db.uow() as uow:
        client_for_read(uow.session, actor, client_id)
        stmt = select(CheckIn).where(CheckIn.client_id == client_id)
        if not include_errors:
            stmt = stmt.where(CheckIn.entered_in_error.is_(False))
        checkins = uow.session.scalars(stmt.order_by(CheckIn.submitted_at.desc())).all()
        measures_by_checkin: dict[int, list[MeasureResponse]] = {}
        if checkins:
            for m in uow.session.scalars(
                select(MeasureResponse).where(
                    MeasureResponse.checkin_id.in_([c.id for c in checkins])
                )
            ):
                measures_by_checkin.setdefault(m.checkin_id, []).append(m)
        return [
            CheckinRow(
                id=c.id,
                submitted_at=c.submitted_at,
                source=c.source.value,
                ratings={r: getattr(c, r) for r in RATINGS},
                note=c.note,
                went_well=c.went_well,
                was_hard=c.was_hard,
                measures={
                    m.instrument: (m.total, _measure_label(m), m.risk_flag)
                    for m in measures_by_checkin.get(c.id, [])
                },
                entered_in_error=c.entered_in_error,
                error_reason=c.error_reason,
            )
            for c in checkins
        ]


@dataclass(frozen=True)
class CheckinRow:
    id: int
    submitted_at: datetime
    source: str
    ratings: dict[str, int | None]
    note: str
    went_well: str
    was_hard: str
    #: instrument -> (total, severity, risk flag); a partial response has total None and,
    #: in place of a severity, e.g. "incomplete: items 2–8 not answered".
    measures: dict[str, tuple[int | None, str, bool]]
    entered_in_error: bool
    error_reason: str | None
