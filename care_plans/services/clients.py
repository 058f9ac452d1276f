"""Clients: add, assign to clinicians, discharge and re-open.

A new client gets a draft care plan at once, so there is always a plan to write in together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from care_plans import audit, identifiers
from care_plans.access import Actor, client_for_read, client_for_write, require_admin
from care_plans.db import Database
from care_plans.errors import AccessDenied, NotFound, ValidationError
from care_plans.measures import DEFAULT_MEASURE_INTERVAL_DAYS
from care_plans.models import (
    AdministrativeGender,
    CarePlan,
    Client,
    ClientAssignment,
    ClientStatus,
    PlanStatus,
    Role,
    User,
)
from care_plans.services.plans import change_status, lock_plan
from care_plans.services.revisions import save_revision

REF_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,30}[A-Z0-9]$")
REVIEW_INTERVAL = timedelta(days=90)


@dataclass(frozen=True)
class ClientInfo:
    id: int
    ref: str
    full_name: str
    date_of_birth: date | None
    status: str
    plan_id: int | None
    clinicians: tuple[str, ...]
    primary_clinician: str | None
    given_name: str = ""
    family_name: str = ""
    administrative_gender: str = AdministrativeGender.UNKNOWN.value
    national_id_kind: str | None = None
    national_id: str | None = None


@dataclass(frozen=True)
class Demographics:
    """The optional details a client record carries besides ref and name, as typed."""

    given_name: str = ""
    family_name: str = ""
    administrative_gender: str = AdministrativeGender.UNKNOWN.value
    national_id_kind: str | None = None
    national_id: str = ""


def validate_demographics(details: Demographics, problems: dict[str, str]) -> dict[str, object]:
    """The column values for `details`, each normalised; faults go into `problems` by field."""
    values: dict[str, object] = {}
    for field, label in (("given_name", "given name"), ("family_name", "family name")):
        text = " ".join(getattr(details, field).split())
        if len(text) > 200:
            problems[field] = f"Keep the {label} under 200 characters."
        values[field] = text
    gender = (details.administrative_gender or AdministrativeGender.UNKNOWN.value).strip()
    if gender not in {g.value for g in AdministrativeGender}:
        problems["administrative_gender"] = "Choose female, male, other or unknown (not recorded)."
    values["administrative_gender"] = gender
    number = details.national_id.strip()
    kind = details.national_id_kind or None
    if not number:
        values["national_id_kind"] = values["national_id"] = None
    elif kind not in identifiers.NATIONAL_IDENTIFIERS:
        problems["national_id"] = "Choose which kind of national identifier this is."
    else:
        try:
            values["national_id"] = identifiers.NATIONAL_IDENTIFIERS[kind].normalise(number)
            values["national_id_kind"] = kind
        except ValueError as exc:
            problems["national_id"] = str(exc)
    return values


def _refuse_duplicate_national_id(
    s: Session, values: dict[str, object], client_id: int | None
) -> None:
    if values.get("national_id") is None:
        return
    other = s.scalar(
        select(Client.id).where(
            Client.national_id_kind == values["national_id_kind"],
            Client.national_id == values["national_id"],
            *((Client.id != client_id,) if client_id is not None else ()),
        )
    )
    if other is not None:
        label = identifiers.NATIONAL_IDENTIFIERS[str(values["national_id_kind"])].label
        raise ValidationError({"national_id": f"Another client already has this {label}."})


def normalise_ref(ref: str) -> str:
    return ref.strip().upper()


def validate_client_fields(
    ref: str, full_name: str, date_of_birth: date | None, today: date
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not REF_RE.match(ref):
        problems["ref"] = (
            "Use 3–32 capital letters, digits or hyphens, starting and ending with a letter or "
            "digit (for example CP-0042)."
        )
    if not full_name.strip():
        problems["name"] = "Enter the client's name."
    elif len(full_name.strip()) > 200:
        problems["name"] = "Keep the name under 200 characters."
    if date_of_birth is not None:
        if date_of_birth > today:
            problems["date_of_birth"] = "The date of birth is in the future."
        elif date_of_birth < date(1900, 1, 1):
            problems["date_of_birth"] = "The date of birth is before 1900; check the year."
    return problems


def client_info(session: Session, client: Client) -> ClientInfo:
    rows = session.execute(
        select(User.username, ClientAssignment.is_primary)
        .join(ClientAssignment, ClientAssignment.user_id == User.id)
        .where(ClientAssignment.client_id == client.id)
        .order_by(ClientAssignment.is_primary.desc(), User.username)
    ).all()
    plan_id = session.scalar(
        select(CarePlan.id)
        .where(CarePlan.client_id == client.id)
        .order_by(CarePlan.id.desc())
        .limit(1)
    )
    return ClientInfo(
        id=client.id,
        ref=client.ref,
        full_name=client.full_name,
        date_of_birth=client.date_of_birth,
        status=client.status.value,
        plan_id=plan_id,
        clinicians=tuple(r.username for r in rows),
        primary_clinician=next((r.username for r in rows if r.is_primary), None),
        given_name=client.given_name or "",
        family_name=client.family_name or "",
        administrative_gender=AdministrativeGender(
            client.administrative_gender or AdministrativeGender.UNKNOWN
        ).value,
        national_id_kind=client.national_id_kind,
        national_id=client.national_id,
    )


def _clinician(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or not user.is_active:
        raise ValidationError({"clinician": f"No active account named {username.strip()!r}."})
    if user.role not in (Role.CLINICIAN, Role.SUPERVISOR):
        raise ValidationError({"clinician": f"{user.username!r} is not a clinician."})
    return user


def create_client(
    db: Database,
    actor: Actor,
    *,
    ref: str,
    full_name: str,
    date_of_birth: date | None = None,
    clinician_username: str | None = None,
    today: date,
    details: Demographics | None = None,
    measure_interval_days: int = DEFAULT_MEASURE_INTERVAL_DAYS,
) -> ClientInfo:
    """Add a client with a draft plan. A clinician adding one becomes its primary clinician.

    `measure_interval_days` is the clinic's PHQ-9 / GAD-7 schedule (Settings).
    """
    ref = normalise_ref(ref)
    problems = validate_client_fields(ref, full_name, date_of_birth, today)
    extra = validate_demographics(details or Demographics(), problems)
    if problems:
        raise ValidationError(problems)
    with db.uow() as uow:
        s = uow.session
        if actor.role in (Role.CLINICIAN.value, Role.SUPERVISOR.value):
            if clinician_username and clinician_username.strip().lower() != actor.username:
                raise AccessDenied("Only an administrator can add a client for someone else.")
            primary = s.get(User, actor.user_id)
            if primary is None or not primary.is_active:
                raise AccessDenied("Your account is not active. Ask an administrator.")
        else:
            require_admin(s, actor)
            if not clinician_username:
                raise ValidationError({"clinician": "Choose the client's primary clinician."})
            primary = _clinician(s, clinician_username)
        if s.scalar(select(Client.id).where(Client.ref == ref)) is not None:
            raise ValidationError({"ref": f"A client with ref {ref} already exists."})
        _refuse_duplicate_national_id(s, extra, None)
        client = Client(
            ref=ref,
            full_name=full_name.strip(),
            date_of_birth=date_of_birth,
            status=ClientStatus.ACTIVE,
            measure_interval_days=measure_interval_days,
            **extra,
        )
        s.add(client)
        s.flush()
        s.add(ClientAssignment(client_id=client.id, user_id=primary.id, is_primary=True))
        plan = CarePlan(
            client_id=client.id,
            status=PlanStatus.DRAFT,
            start_date=today,
            next_review_date=today + REVIEW_INTERVAL,
        )
        s.add(plan)
        s.flush()
        audit.record(
            s,
            actor,
            "client.create",
            "client",
            client.id,
            client_id=client.id,
            detail={"primary_user_id": primary.id},
        )
        audit.record(s, actor, "plan.create", "care_plan", plan.id, client_id=client.id)
        info = client_info(s, client)
        uow.commit()
        return info


def update_details(
    db: Database,
    actor: Actor,
    client_id: int,
    *,
    full_name: str,
    date_of_birth: date | None,
    details: Demographics,
    today: date,
) -> ClientInfo:
    """Change a client's name, date of birth and demographics (audited by field name)."""
    with db.uow() as uow:
        s = uow.session
        client = client_for_write(s, actor, client_id)
        problems = validate_client_fields(client.ref, full_name, date_of_birth, today)
        values = validate_demographics(details, problems)
        if problems:
            raise ValidationError(problems)
        _refuse_duplicate_national_id(s, values, client_id)
        values = {"full_name": full_name.strip(), "date_of_birth": date_of_birth, **values}
        changed = sorted(
            k
            for k, v in values.items()
            if (getattr(client, k).value if k == "administrative_gender" else getattr(client, k))
            != v
        )
        for key, value in values.items():
            setattr(client, key, value)
        if changed:
            audit.record(
                s,
                actor,
                "client.update",
                "client",
                client_id,
                client_id=client_id,
                detail={"fields": changed},
            )
        s.flush()
        info = client_info(s, client)
        uow.commit()
        return info


def get_client(db: Database, actor: Actor, client_id: int) -> ClientInfo:
    with db.uow() as uow:
        client = client_for_read(uow.session, actor, client_id)
        return client_info(uow.session, client)


def find_client_id(db: Database, actor: Actor, ref: str) -> int:
    """The id behind a ref, if the actor may read that client (same message either way)."""
    missing = NotFound(
        f"No client with ref {normalise_ref(ref)!r}"
        + ("." if actor.is_system else " in your caseload.")
    )
    with db.uow() as uow:
        client = uow.session.scalar(select(Client).where(Client.ref == normalise_ref(ref)))
        if client is None:
            raise missing
        try:
            client_for_read(uow.session, actor, client.id)
        except AccessDenied:
            raise missing from None
        return client.id


def assign_clinician(
    db: Database, actor: Actor, *, client_id: int, username: str, primary: bool = False
) -> ClientInfo:
    """Put a clinician on a client's care team (admin or CLI)."""
    with db.uow() as uow:
        s = uow.session
        require_admin(s, actor)
        client = s.get(Client, client_id)
        if client is None:
            raise NotFound("No such client.")
        user = _clinician(s, username)
        existing = s.scalar(
            select(ClientAssignment).where(
                ClientAssignment.client_id == client_id, ClientAssignment.user_id == user.id
            )
        )
        if existing is None:
            existing = ClientAssignment(client_id=client_id, user_id=user.id, is_primary=False)
            s.add(existing)
        if primary:
            for a in s.scalars(
                select(ClientAssignment).where(ClientAssignment.client_id == client_id)
            ):
                a.is_primary = a is existing
            existing.is_primary = True
        s.flush()
        audit.record(
            s,
            actor,
            "client.assign",
            "client",
            client_id,
            client_id=client_id,
            detail={"user_id": user.id, "primary": primary},
        )
        info = client_info(s, client)
        uow.commit()
        return info


def unassign_clinician(db: Database, actor: Actor, *, client_id: int, username: str) -> ClientInfo:
    with db.uow() as uow:
        s = uow.session
        require_admin(s, actor)
        client = s.get(Client, client_id)
        if client is None:
            raise NotFound("No such client.")
        user = _clinician(s, username)
        assignment = s.scalar(
            select(ClientAssignment).where(
                ClientAssignment.client_id == client_id, ClientAssignment.user_id == user.id
            )
        )
        if assignment is None:
            raise ValidationError({"clinician": f"{user.username} is not assigned to this client."})
        if assignment.is_primary:
            raise ValidationError(
                {"clinician": "Make someone else the primary clinician before removing this one."}
            )
        s.delete(assignment)
        audit.record(
            s,
            actor,
            "client.unassign",
            "client",
            client_id,
            client_id=client_id,
            detail={"user_id": user.id},
        )
        s.flush()
        info = client_info(s, client)
        uow.commit()
        return info


def _revise_latest_plan(
    s: Session,
    actor: Actor,
    client_id: int,
    *,
    when: tuple[PlanStatus, ...],
    to: PlanStatus,
    reason: str,
) -> dict[str, int] | None:
    """Give the client's newest plan the status `to` if it has one of `when`, as a revision
    of that plan (so its history shows it, and a stale save names who made it). Returns the
    ids for the audit event, or None when the plan was left as it was."""
    plan_id = s.scalar(
        select(CarePlan.id)
        .where(CarePlan.client_id == client_id)
        .order_by(CarePlan.id.desc())
        .limit(1)
    )
    if plan_id is None:
        return None
    plan = lock_plan(s, plan_id)
    if plan.status not in when:
        return None
    change_status(s, actor, plan, to)
    return {"plan_id": plan.id, "revision": save_revision(s, actor, plan, reason, "plan")}


def discharge(
    db: Database, actor: Actor, *, client_id: int, reason: str, on: date, today: date
) -> ClientInfo:
    """Discharge: the plan becomes completed (a new revision of it); the record stays
    readable."""
    problems: dict[str, str] = {}
    if not reason.strip():
        problems["reason"] = "Give a reason for the discharge."
    if on > today:
        problems["date"] = "The discharge date is in the future."
    if problems:
        raise ValidationError(problems)
    with db.uow() as uow:
        s = uow.session
        client = client_for_write(s, actor, client_id)
        if client.status == ClientStatus.DISCHARGED:
            raise ValidationError({"": "This client is already discharged."})
        client.status = ClientStatus.DISCHARGED
        client.discharged_on = on
        client.discharge_reason = reason.strip()
        revised = _revise_latest_plan(
            s,
            actor,
            client_id,
            when=(PlanStatus.ACTIVE, PlanStatus.DRAFT, PlanStatus.ON_HOLD),
            to=PlanStatus.COMPLETED,
            reason="client discharged",
        )
        audit.record(
            s, actor, "client.discharge", "client", client_id, client_id=client_id, detail=revised
        )
        s.flush()
        info = client_info(s, client)
        uow.commit()
        return info


def reopen(db: Database, actor: Actor, *, client_id: int) -> ClientInfo:
    """Re-open a discharged client: back on the caseload, the last plan active again (a new
    revision of it)."""
    with db.uow() as uow:
        s = uow.session
        client = client_for_write(s, actor, client_id)
        if client.status != ClientStatus.DISCHARGED:
            raise ValidationError({"": "This client is not discharged."})
        client.status = ClientStatus.ACTIVE
        client.discharged_on = None
        client.discharge_reason = None
        revised = _revise_latest_plan(
            s,
            actor,
            client_id,
            when=(PlanStatus.COMPLETED,),
            to=PlanStatus.ACTIVE,
            reason="client re-opened",
        )
        audit.record(
            s, actor, "client.reopen", "client", client_id, client_id=client_id, detail=revised
        )
        s.flush()
        info = client_info(s, client)
        uow.commit()
        return info


def can_edit(db: Database, actor: Actor, client_id: int) -> bool:
    """Whether the actor may change this client's record (pages disable editing otherwise)."""
    from care_plans.access import can_write

    with db.uow() as uow:
        return actor.role != Role.ADMIN.value and can_write(uow.session, actor, client_id)
