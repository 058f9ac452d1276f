"""Session records: what happened in a meeting with the client, written as a draft during or
after the hour, then signed off by the clinician.

Why a service of its own: a signed-off record is part of the clinical record and must never
change afterwards. Whatever the page shows, this module is where that holds: an edit or a second
sign-off of a signed record is refused (:class:`SignedOff`), and the only way to add to it is a
dated addendum that names its author. Drafts are edited with the usual version check, so two
windows cannot silently overwrite each other. Audit events carry ids and field names, never the
text written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from care_plans import audit
from care_plans.access import Actor, client_for_write
from care_plans.dates import show_time_in_full
from care_plans.db import Database, UnitOfWork
from care_plans.errors import AccessDenied, DomainError, EditConflict, NotFound, ValidationError
from care_plans.models import (
    Attendance,
    AuditEvent,
    CarePlan,
    ClinicalSession,
    PlanRevision,
    SessionAddendum,
    SessionStatus,
    utcnow,
)
from care_plans.read.sessions import (
    SESSION_FIELDS,
    SessionView,
    session_view,
)
from care_plans.services.plans import choice_value, date_value, refuse_unknown, text_value

SESSION_TEXTS: tuple[str, ...] = ("summary", "progress_acknowledged", "plan_changes", "next_steps")
MAX_SESSION_TEXT = 10_000
MAX_ADDENDUM_TEXT = 5_000
SUMMARY_TO_SIGN = "Write a summary of the session before signing it off."
SIGNED_MESSAGE = "This session record is signed off; add an addendum instead."


class SignedOff(DomainError):
    """A change to a session record that is already signed off."""

    def __init__(self, message: str = SIGNED_MESSAGE) -> None:
        super().__init__(message)


# --- Loading and views ---------------------------------------------------------------------------


def _locked(s: Session, session_id: int) -> ClinicalSession:
    """The record, its row locked on PostgreSQL so a save and a sign-off cannot interleave."""
    record = s.scalar(
        select(ClinicalSession)
        .where(ClinicalSession.id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if record is None:
        raise NotFound("No such session record.")
    return record


def _for_write(s: Session, actor: Actor, session_id: int) -> ClinicalSession:
    client_id = s.scalar(select(ClinicalSession.client_id).where(ClinicalSession.id == session_id))
    if client_id is None:
        raise NotFound("No such session record.")
    client_for_write(s, actor, client_id)
    return _locked(s, session_id)


def _refuse_signed(record: ClinicalSession) -> None:
    if record.status == SessionStatus.SIGNED:
        raise SignedOff()


def _check_version(
    s: Session,
    record: ClinicalSession,
    expected_version: int,
    fields: Mapping[str, object],
    tz: tzinfo | None,
) -> None:
    """Refuse a save made from an out-of-date copy, naming who saved meanwhile (from the
    audit trail, which holds who and when but never the text)."""
    if record.version == expected_version:
        return
    last = s.execute(
        select(AuditEvent.actor, AuditEvent.at)
        .where(AuditEvent.entity == "clinical_session", AuditEvent.entity_id == record.id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    who = f" ({last[0]}, {show_time_in_full(last[1], tz)})" if last else ""
    changed: dict[str, tuple[object, object]] = {
        name: (None, getattr(record, name)) for name in fields if name in SESSION_FIELDS
    }
    raise EditConflict(
        f"Someone else saved this session record after you opened it{who}. "
        "Your changes were not saved.",
        changed,
    )


def _commit(uow: UnitOfWork) -> None:
    try:
        uow.commit()
    except StaleDataError:
        raise EditConflict(
            "Someone else saved this session record at the same moment. "
            "Your changes were not saved."
        ) from None


# --- Validation ----------------------------------------------------------------------------------


def _revision_problem(s: Session, client_id: int, revision_id: object) -> str | None:
    if revision_id is None:
        return None
    if isinstance(revision_id, bool) or not isinstance(revision_id, int):
        return "Choose one of the plan's revisions."
    owner = s.scalar(
        select(CarePlan.client_id)
        .join(PlanRevision, PlanRevision.plan_id == CarePlan.id)
        .where(PlanRevision.id == revision_id)
    )
    if owner != client_id:
        return "This is not a revision of this client's care plan."
    return None


def _values(
    s: Session,
    client_id: int,
    changes: Mapping[str, object],
    current: ClinicalSession | None,
    today: date,
) -> dict[str, object]:
    """Cleaned values for the fields in `changes`, checked together with the stored ones."""
    problems: dict[str, str] = {}
    refuse_unknown(changes, SESSION_FIELDS, "session record", problems)
    values: dict[str, object] = {}
    for name in SESSION_TEXTS:
        if name in changes:
            values[name] = text_value(changes[name], name, MAX_SESSION_TEXT, problems)
    if "session_date" in changes:
        values["session_date"] = date_value(
            changes["session_date"],
            "session_date",
            problems,
            required="Enter the date of the session.",
        )
    if "next_session_date" in changes:
        values["next_session_date"] = date_value(
            changes["next_session_date"], "next_session_date", problems
        )
    if "attendance" in changes:
        values["attendance"] = choice_value(
            Attendance, changes["attendance"], "attendance", "kind of attendance", problems
        )
    if "plan_revision_id" in changes:
        problem = _revision_problem(s, client_id, changes["plan_revision_id"])
        if problem:
            problems["plan_revision_id"] = problem
        values["plan_revision_id"] = changes["plan_revision_id"]

    def merged(name: str) -> object:
        return values[name] if name in values else getattr(current, name, None)

    session_date, next_date = merged("session_date"), merged("next_session_date")
    attendance = merged("attendance") or Attendance.ATTENDED
    if isinstance(session_date, date) and "session_date" not in problems:
        if attendance == Attendance.ATTENDED and session_date > today:
            problems["session_date"] = (
                "The session is dated in the future. Record a session "
                "the client attended on the day or after it."
            )
        if (
            isinstance(next_date, date)
            and next_date <= session_date
            and "next_session_date" not in problems
        ):
            problems["next_session_date"] = "The next session must be after this one."
    if problems:
        raise ValidationError(problems)
    return values


def _sign_problems(record: ClinicalSession, today: date) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not record.summary.strip():
        problems["summary"] = SUMMARY_TO_SIGN
    if record.attendance == Attendance.ATTENDED and record.session_date > today:
        problems["session_date"] = "A session cannot be signed off before it has happened."
    return problems


# --- Use-cases -----------------------------------------------------------------------------------


def create_draft(
    db: Database,
    actor: Actor,
    client_id: int,
    *,
    session_date: date,
    attendance: Attendance | str = Attendance.ATTENDED,
    summary: str = "",
    progress_acknowledged: str = "",
    plan_changes: str = "",
    plan_revision_id: int | None = None,
    next_steps: str = "",
    next_session_date: date | None = None,
    today: date,
) -> SessionView:
    """A new draft session record, by the acting clinician (who alone may sign it off)."""
    return record_session(
        db,
        actor,
        client_id,
        {
            "session_date": session_date,
            "attendance": attendance,
            "summary": summary,
            "progress_acknowledged": progress_acknowledged,
            "plan_changes": plan_changes,
            "plan_revision_id": plan_revision_id,
            "next_steps": next_steps,
            "next_session_date": next_session_date,
        },
        sign=False,
        today=today,
    )


def record_session(
    db: Database,
    actor: Actor,
    client_id: int,
    fields: Mapping[str, object],
    *,
    sign: bool,
    today: date,
) -> SessionView:
    """A new session record from `fields` (SESSION_FIELDS; those left out are blank), by the
    acting clinician: a draft, or with `sign` signed off at once. Created and signed in one
    transaction: everything is checked first, and a refusal (ValidationError naming each
    field) writes nothing, not even a draft."""
    if actor.user_id is None:
        raise AccessDenied("A session record is written by a clinician's own account.")
    given = {
        "session_date": None,
        "attendance": Attendance.ATTENDED,
        **{name: "" for name in SESSION_TEXTS},
        "plan_revision_id": None,
        "next_session_date": None,
        **fields,
    }
    with db.uow() as uow:
        s = uow.session
        client_for_write(s, actor, client_id)
        try:
            values = _values(s, client_id, given, None, today)
        except ValidationError as exc:  # name every problem at once, the sign-off's too
            if sign and not (isinstance(given["summary"], str) and given["summary"].strip()):
                exc.problems.setdefault("summary", SUMMARY_TO_SIGN)
            raise ValidationError(exc.problems) from None
        record = ClinicalSession(
            client_id=client_id,
            clinician_id=actor.user_id,
            status=SessionStatus.DRAFT,
            created_at=utcnow(),
            **values,
        )
        if sign:
            problems = _sign_problems(record, today)
            if problems:
                raise ValidationError(problems)
        s.add(record)
        s.flush()
        audit.record(
            s,
            actor,
            "session.create",
            "clinical_session",
            record.id,
            client_id=client_id,
            detail={"fields": sorted(k for k in SESSION_TEXTS if values[k])},
        )
        if sign:
            record.status = SessionStatus.SIGNED
            record.signed_at = utcnow()
            s.flush()
            audit.record(
                s,
                actor,
                "session.sign",
                "clinical_session",
                record.id,
                client_id=client_id,
                detail={"fields": []},
            )
        view = session_view(s, record)
        _commit(uow)
        return view


def update_draft(
    db: Database,
    actor: Actor,
    session_id: int,
    *,
    expected_version: int,
    changes: Mapping[str, object],
    today: date,
    tz: tzinfo | None = None,
) -> SessionView:
    """Save changes to a draft; only the keys given are changed. A signed record: SignedOff."""
    with db.uow() as uow:
        s = uow.session
        record = _for_write(s, actor, session_id)
        _refuse_signed(record)
        _check_version(s, record, expected_version, changes, tz)
        values = _values(s, record.client_id, changes, record, today)
        changed = [name for name, value in values.items() if getattr(record, name) != value]
        if not changed:
            return session_view(s, record)
        for name in changed:
            setattr(record, name, values[name])
        s.flush()
        audit.record(
            s,
            actor,
            "session.update",
            "clinical_session",
            record.id,
            client_id=record.client_id,
            detail={"fields": sorted(changed)},
        )
        view = session_view(s, record)
        _commit(uow)
        return view


def sign_off(
    db: Database,
    actor: Actor,
    session_id: int,
    *,
    expected_version: int,
    changes: Mapping[str, object] | None = None,
    today: date,
    tz: tzinfo | None = None,
) -> SessionView:
    """Sign off a draft, saving `changes` first in the same transaction (what is on screen is
    what is signed). Only the clinician who wrote the record signs it; it is then final."""
    with db.uow() as uow:
        s = uow.session
        record = _for_write(s, actor, session_id)
        _refuse_signed(record)
        _check_version(s, record, expected_version, changes or {}, tz)
        if not actor.is_system and record.clinician_id != actor.user_id:
            raise AccessDenied(
                "Only the clinician who wrote this session record can sign it "
                "off. You can edit the draft or add to it once it is signed."
            )
        values = _values(s, record.client_id, changes or {}, record, today)
        changed = [name for name, value in values.items() if getattr(record, name) != value]
        for name in changed:
            setattr(record, name, values[name])
        problems = _sign_problems(record, today)
        if problems:
            raise ValidationError(problems)
        record.status = SessionStatus.SIGNED
        record.signed_at = utcnow()
        s.flush()
        audit.record(
            s,
            actor,
            "session.sign",
            "clinical_session",
            record.id,
            client_id=record.client_id,
            detail={"fields": sorted(changed)},
        )
        view = session_view(s, record)
        _commit(uow)
        return view


def add_addendum(db: Database, actor: Actor, session_id: int, *, text: str) -> SessionView:
    """Add a dated addendum, in the actor's name, to a signed-off record."""
    with db.uow() as uow:
        s = uow.session
        record = _for_write(s, actor, session_id)
        if record.status != SessionStatus.SIGNED:
            raise ValidationError(
                {
                    "": "This record is still a draft: change the draft itself. "
                    "Addenda are for records already signed off."
                }
            )
        problems: dict[str, str] = {}
        cleaned = text_value(
            text,
            "addendum",
            MAX_ADDENDUM_TEXT,
            problems,
            required="Write the addendum before saving it.",
        )
        if problems:
            raise ValidationError(problems)
        addendum = SessionAddendum(
            session_id=record.id,
            author_id=actor.user_id,
            author_name=actor.full_name or actor.username,
            created_at=utcnow(),
            text=cleaned,
        )
        record.addenda.append(addendum)
        s.flush()
        audit.record(
            s,
            actor,
            "session.addendum",
            "session_addendum",
            addendum.id,
            client_id=record.client_id,
            detail={"session_id": record.id},
        )
        view = session_view(s, record)
        uow.commit()
        return view
