"""Reading session records: frozen views of a client's session records and their addenda, and
the plan revisions a record may link to.

The writes (drafts, sign-off, addenda) live in `care_plans.services.sessions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from care_plans.access import Actor, client_for_read
from care_plans.db import Database
from care_plans.errors import NotFound
from care_plans.models import (
    ClinicalSession,
    PlanRevision,
    SessionAddendum,
    SessionStatus,
    User,
)
from care_plans.read.plans import current_plan

#: Every field a draft has, in the order the page shows them.
SESSION_FIELDS: tuple[str, ...] = (
    "session_date",
    "attendance",
    "summary",
    "progress_acknowledged",
    "plan_changes",
    "plan_revision_id",
    "next_steps",
    "next_session_date",
)


@dataclass(frozen=True)
class AddendumView:
    id: int
    author_name: str
    created_at: datetime
    text: str


@dataclass(frozen=True)
class SessionView:
    """One session record as the pages read it (never a live ORM object)."""

    id: int
    client_id: int
    clinician_id: int
    clinician_name: str
    session_date: date
    attendance: str
    summary: str
    progress_acknowledged: str
    plan_changes: str
    plan_revision_id: int | None
    #: The linked revision's number and what it was ("sections edited"), for the link's label.
    plan_revision_number: int | None
    plan_revision_reason: str | None
    next_steps: str
    next_session_date: date | None
    status: str
    signed_at: datetime | None
    version: int
    created_at: datetime
    addenda: tuple[AddendumView, ...]

    @property
    def is_signed(self) -> bool:
        return self.status == SessionStatus.SIGNED.value

    def values(self) -> dict[str, object]:
        """The editable fields, keyed as `update_draft` takes them."""
        return {name: getattr(self, name) for name in SESSION_FIELDS}


def session_views(s: Session, records: Sequence[ClinicalSession]) -> list[SessionView]:
    """Views of `records`, with clinician names, revision labels and addenda fetched in one
    query each (a revision's snapshot is not loaded: only its number and reason are shown)."""
    if not records:
        return []
    names = {
        user_id: name
        for user_id, name in s.execute(
            select(User.id, User.full_name).where(User.id.in_({r.clinician_id for r in records}))
        )
    }
    revision_ids = {r.plan_revision_id for r in records if r.plan_revision_id is not None}
    revisions = (
        {
            row.id: (row.number, row.reason)
            for row in s.execute(
                select(PlanRevision.id, PlanRevision.number, PlanRevision.reason).where(
                    PlanRevision.id.in_(revision_ids)
                )
            )
        }
        if revision_ids
        else {}
    )
    addenda: dict[int, list[AddendumView]] = {r.id: [] for r in records}
    for a in s.scalars(
        select(SessionAddendum)
        .where(SessionAddendum.session_id.in_(addenda))
        .order_by(SessionAddendum.created_at, SessionAddendum.id)
    ):
        addenda[a.session_id].append(AddendumView(a.id, a.author_name, a.created_at, a.text))
    views = []
    for r in records:
        number, reason = revisions.get(r.plan_revision_id or -1, (None, None))
        views.append(
            SessionView(
                id=r.id,
                client_id=r.client_id,
                clinician_id=r.clinician_id,
                clinician_name=names.get(r.clinician_id, "a former colleague"),
                session_date=r.session_date,
                attendance=r.attendance.value,
                summary=r.summary,
                progress_acknowledged=r.progress_acknowledged,
                plan_changes=r.plan_changes,
                plan_revision_id=r.plan_revision_id,
                plan_revision_number=number,
                plan_revision_reason=reason,
                next_steps=r.next_steps,
                next_session_date=r.next_session_date,
                status=r.status.value,
                signed_at=r.signed_at,
                version=r.version,
                created_at=r.created_at,
                addenda=tuple(addenda[r.id]),
            )
        )
    return views


def session_view(s: Session, record: ClinicalSession) -> SessionView:
    return session_views(s, [record])[0]


def get_session(db: Database, actor: Actor, session_id: int) -> SessionView:
    with db.uow() as uow:
        s = uow.session
        record = s.get(ClinicalSession, session_id)
        if record is None:
            raise NotFound("No such session record.")
        client_for_read(s, actor, record.client_id)
        return session_view(s, record)


def list_sessions(db: Database, actor: Actor, client_id: int) -> list[SessionView]:
    """Every session record of the client, newest first."""
    with db.uow() as uow:
        s = uow.session
        client_for_read(s, actor, client_id)
        records = s.scalars(
            select(ClinicalSession)
            .where(ClinicalSession.client_id == client_id)
            .order_by(ClinicalSession.session_date.desc(), ClinicalSession.id.desc())
        ).all()
        return session_views(s, records)


@dataclass(frozen=True)
class RevisionLink:
    """A revision of the client's current plan that a session record can link to."""

    id: int
    number: int
    created_at: datetime
    created_by_name: str
    reason: str


def revision_links(db: Database, actor: Actor, client_id: int) -> list[RevisionLink]:
    """The revisions of the client's current plan, newest first, with the ids a record stores
    (`read_plans.list_revisions` gives numbers, which are only unique within one plan)."""
    with db.uow() as uow:
        s = uow.session
        client_for_read(s, actor, client_id)
        plan = current_plan(s, client_id)
        if plan is None:
            return []
        rows = s.execute(
            select(
                PlanRevision.id,
                PlanRevision.number,
                PlanRevision.created_at,
                PlanRevision.created_by_name,
                PlanRevision.reason,
            )
            .where(PlanRevision.plan_id == plan.id)
            .order_by(PlanRevision.number.desc())
        ).all()
        return [RevisionLink(*row) for row in rows]
