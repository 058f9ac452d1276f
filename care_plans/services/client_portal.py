"""The client's own plan on their check-in link: read it, tick a step, write a note, agree to it.

Why this module exists: the check-in link is the only way into the product without an account,
so everything the link can read or write beyond the check-in form is decided here, in a few
token-scoped functions, and nowhere else. A token reaches exactly one client's *current* plan:

* reads: the plan sections the clinician shares on the link (a section marked "clinician only"
  is never read into what the link gets), the crisis contacts with their phone numbers (always:
  they are the client's own crisis plan), the goals that are not cancelled or archived with their
  live steps, the client's own notes, and the plan's revision and agreement state. A step's
  helper is named only with consent to share (or when they are a crisis contact), as in exports.
* writes: a step of those goals ticked done or un-done, a short note on one of those goals, an
  agreement to the revision the page showed. Each is recorded as done by the client (the
  `CLIENT_ACTOR`, no account and a role no access rule knows), audited with ids only, and a tick
  is a save of the plan like any other (a new revision, named as the client's).

Every call checks the token again (unknown, expired, revoked and discharged all read as "no
link", counted against the address exactly as check-ins are, see `checkin_links`), and every
record named by id is checked to belong to the link's client before it is read or changed: an id
of another client's step reads as "not on your plan". Writes are capped per link per hour so a
stuck phone cannot fill the record.

The clinician side (which sections are shared, asking for agreement again) is at the bottom and
goes through `care_plans.access` like every other clinical write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from care_plans import audit
from care_plans.access import Actor, client_for_read, client_for_write
from care_plans.db import Database, UnitOfWork
from care_plans.errors import DomainError, EditConflict, NotFound, ValidationError
from care_plans.models import (
    PLAN_SECTION_TITLES,
    PLAN_SECTIONS,
    CarePlan,
    CheckinLink,
    Client,
    ClientGoalNote,
    ClientStepTick,
    Goal,
    GoalLifecycle,
    PlanAgreement,
    PlanAgreementRequest,
    PlanRevision,
    PlanSectionSharing,
    PlanStatus,
    Step,
    SupportContact,
    utcnow,
)
from care_plans.read.client_activity import CLIENT_NAME
from care_plans.read.plans import current_plan
from care_plans.services.checkin_links import LinkUnavailable, _usable_link
from care_plans.services.plans import lock_plan
from care_plans.services.revisions import commit, ensure_initial_revision, save_revision

__all__ = [
    "CLIENT_ACTOR",
    "MAX_NAME_CHARS",
    "MAX_NOTE_CHARS",
    "MAX_WRITES_PER_HOUR",
    "NOT_ON_PLAN",
    "Agreement",
    "CallContact",
    "ClientPlan",
    "GoalNote",
    "MyGoal",
    "MyStep",
    "PlanSection",
    "TooManyChanges",
    "add_goal_note",
    "agree_to_plan",
    "ask_for_agreement_again",
    "open_plan",
    "section_sharing",
    "set_section_shown",
    "tel_href",
    "tick_step",
]

#: Who the audit trail and the plan's revisions name for what a client does on their link. The
#: space keeps it from ever being a username, and the role is one no access rule recognises.
CLIENT_ACTOR = Actor(
    user_id=None,
    username=CLIENT_NAME,
    role="checkin-link",
    full_name="The client, on their own link",
)
MAX_NOTE_CHARS = 500
MAX_NAME_CHARS = 200
MAX_WRITES_PER_HOUR = 60
#: Goals the client sees on their link (cancelled and archived ones are not part of the plan).
SHOWN_GOALS = (
    GoalLifecycle.ACTIVE,
    GoalLifecycle.PROPOSED,
    GoalLifecycle.ON_HOLD,
    GoalLifecycle.COMPLETED,
)
#: Plans whose content is not shown on the link at all.
HIDDEN_PLANS = (PlanStatus.REVOKED, PlanStatus.ENTERED_IN_ERROR)
UNNAMED_HELPER = "someone from your support network"
NOT_ON_PLAN = "This is not on your plan any more. Please reload the page."
STEP_CHANGED = (
    "Your care team changed this step since you opened the page, so it was not "
    "changed. Here it is as it is now: tick it again if you still want to."
)
PLAN_CHANGED = (
    "Your plan was changed while you were reading it, so your agreement was not "
    "saved. Please read the plan as it is now, then agree again if you do."
)


class TooManyChanges(DomainError):
    """More writes through one link in the last hour than a person makes."""

    def __init__(self) -> None:
        super().__init__(
            "You have made a lot of changes in the last hour, so this one was not "
            "saved. Please try again later, or talk to your clinician."
        )


# --- What the link reads -----------------------------------------------------------------------


@dataclass(frozen=True)
class PlanSection:
    name: str
    title: str
    text: str


@dataclass(frozen=True)
class CallContact:
    """A crisis contact as the client's phone shows it: `tel` is the number to dial."""

    name: str
    role: str
    phone: str
    tel: str
    when_to_contact: str


@dataclass(frozen=True)
class GoalNote:
    id: int
    text: str
    written_at: datetime


@dataclass(frozen=True)
class MyStep:
    id: int
    description: str
    due_date: date | None
    done_on: date | None
    #: When the client ticked it on their link (None when their care team ticked it).
    ticked_by_client_at: datetime | None
    helper: str | None
    version: int


@dataclass(frozen=True)
class MyGoal:
    id: int
    description: str
    why_it_matters: str
    target_date: date | None
    status: str
    steps: tuple[MyStep, ...]
    notes: tuple[GoalNote, ...]


@dataclass(frozen=True)
class Agreement:
    revision_number: int
    agreed_at: datetime
    typed_name: str


@dataclass(frozen=True)
class ClientPlan:
    """Everything the link's "My plan" and "My goals" parts show, and nothing more."""

    link_id: int
    has_plan: bool
    #: The revision the page shows (the client agrees to this one); 1 for a plan never saved.
    revision_number: int
    last_changed_at: datetime | None
    sections: tuple[PlanSection, ...]
    crisis_contacts: tuple[CallContact, ...]
    goals: tuple[MyGoal, ...]
    agreement: Agreement | None
    #: The client's care team asked them to read and agree again after their last agreement.
    asked_again: bool

    @property
    def agreed_to_this(self) -> bool:
        """The client agreed to the revision shown, and nobody asked them again since."""
        return (
            self.agreement is not None
            and not self.asked_again
            and self.agreement.revision_number == self.revision_number
        )


def tel_href(phone: str) -> str:
    """A phone number as a `tel:` address: digits and a leading plus only."""
    digits = re.sub(r"[^0-9+]", "", phone)
    return "tel:" + (digits[0] + digits[1:].replace("+", "") if digits else "")


def hidden_sections(s: Session, plan_id: int) -> set[str]:
    return set(
        s.scalars(
            select(PlanSectionSharing.section).where(
                PlanSectionSharing.plan_id == plan_id, PlanSectionSharing.shown_to_client.is_(False)
            )
        )
    )


def _call_contacts(s: Session, client_id: int) -> tuple[CallContact, ...]:
    rows = s.scalars(
        select(SupportContact)
        .where(
            SupportContact.client_id == client_id,
            SupportContact.is_crisis_contact.is_(True),
            SupportContact.is_archived.is_(False),
        )
        .order_by(SupportContact.position, SupportContact.id)
    )
    return tuple(
        CallContact(
            c.name, c.role, c.phone, tel_href(c.phone) if c.phone else "", c.when_to_contact
        )
        for c in rows
    )


def _shown_plan(s: Session, client_id: int) -> CarePlan | None:
    plan = current_plan(s, client_id)
    if plan is None or plan.status in HIDDEN_PLANS:
        return None
    return plan


def _goals(s: Session, plan: CarePlan) -> tuple[MyGoal, ...]:
    goals = s.scalars(
        select(Goal)
        .where(
            Goal.plan_id == plan.id,
            Goal.is_archived.is_(False),
            Goal.lifecycle_status.in_(SHOWN_GOALS),
        )
        .order_by(Goal.position, Goal.id)
    ).all()
    ids = [g.id for g in goals]
    if not ids:
        return ()
    steps: dict[int, list[Step]] = {i: [] for i in ids}
    for step in s.scalars(
        select(Step)
        .where(Step.goal_id.in_(ids), Step.is_archived.is_(False))
        .order_by(Step.position, Step.id)
    ):
        steps[step.goal_id].append(step)
    helper_ids = {
        st.helper_contact_id
        for group in steps.values()
        for st in group
        if st.helper_contact_id is not None
    }
    helpers: dict[int, str] = {}
    if helper_ids:
        for c in s.scalars(
            select(SupportContact).where(
                SupportContact.id.in_(helper_ids), SupportContact.client_id == plan.client_id
            )
        ):
            # The consent rule of the exports: named only with consent to share, or when they
            # are one of the client's own crisis contacts.
            named = (c.consent_to_share or c.is_crisis_contact) and not c.is_archived
            helpers[c.id] = c.name if named else UNNAMED_HELPER
    notes: dict[int, list[GoalNote]] = {i: [] for i in ids}
    for note in s.scalars(
        select(ClientGoalNote)
        .where(ClientGoalNote.goal_id.in_(ids))
        .order_by(ClientGoalNote.created_at, ClientGoalNote.id)
    ):
        notes[note.goal_id].append(GoalNote(note.id, note.text, note.created_at))
    return tuple(
        MyGoal(
            id=g.id,
            description=g.description,
            why_it_matters=g.why_it_matters,
            target_date=g.target_date,
            status=g.lifecycle_status.value,
            steps=tuple(
                MyStep(
                    id=st.id,
                    description=st.description,
                    due_date=st.due_date,
                    done_on=st.done_on,
                    ticked_by_client_at=st.done_by_client_at if st.done_on else None,
                    helper=helpers.get(st.helper_contact_id) if st.helper_contact_id else None,
                    version=st.version,
                )
                for st in steps[g.id]
            ),
            notes=tuple(notes[g.id]),
        )
        for g in goals
    )


def _latest_revision(s: Session, plan_id: int) -> tuple[int, datetime] | None:
    row = s.execute(
        select(PlanRevision.number, PlanRevision.created_at)
        .where(PlanRevision.plan_id == plan_id)
        .order_by(PlanRevision.number.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def _latest_agreement(s: Session, plan_id: int) -> PlanAgreement | None:
    return s.scalar(
        select(PlanAgreement)
        .where(PlanAgreement.plan_id == plan_id)
        .order_by(PlanAgreement.agreed_at.desc(), PlanAgreement.id.desc())
        .limit(1)
    )


def _asked_since(s: Session, plan_id: int, agreement: PlanAgreement | None) -> bool:
    if agreement is None:
        return False
    return (
        s.scalar(
            select(PlanAgreementRequest.id)
            .where(
                PlanAgreementRequest.plan_id == plan_id,
                PlanAgreementRequest.requested_at > agreement.agreed_at,
            )
            .limit(1)
        )
        is not None
    )


def _link(
    uow: UnitOfWork, token: str, source_address: str | None, now: datetime, *, lock: bool = False
) -> CheckinLink:
    link = _usable_link(uow, token, source_address, now, lock=lock)
    if link is None:
        raise LinkUnavailable()
    return link


def open_plan(
    db: Database,
    token: str,
    *,
    source_address: str | None,
    part: str = "plan",
    now: datetime | None = None,
) -> ClientPlan | None:
    """What the link's "My plan" / "My goals" parts show, or None for a link that does not work
    (counted against the address as a wrong check-in link is). `part` is only audited.

    Raises TooManyAttempts when this address tried too many wrong links lately.
    """
    now = now or utcnow()
    with db.uow() as uow:
        s = uow.session
        link = _usable_link(uow, token, source_address, now)
        if link is None:
            return None
        client_id = link.client_id
        plan = _shown_plan(s, client_id)
        contacts = _call_contacts(s, client_id)
        audit.record(
            s,
            CLIENT_ACTOR,
            "client_link.open",
            "checkin_link",
            link.id,
            client_id=client_id,
            detail={"part": part[:20]},
            source_address=source_address,
        )
        if plan is None:
            uow.commit()
            return ClientPlan(link.id, False, 0, None, (), contacts, (), None, False)
        hidden = hidden_sections(s, plan.id)
        latest = _latest_revision(s, plan.id)
        agreement = _latest_agreement(s, plan.id)
        result = ClientPlan(
            link_id=link.id,
            has_plan=True,
            revision_number=latest[0] if latest else 1,
            last_changed_at=latest[1] if latest else plan.updated_at,
            sections=tuple(
                PlanSection(name, PLAN_SECTION_TITLES[name], getattr(plan, name))
                for name in PLAN_SECTIONS
                if name not in hidden
            ),
            crisis_contacts=contacts,
            goals=_goals(s, plan),
            agreement=Agreement(
                agreement.revision_number, agreement.agreed_at, agreement.typed_name
            )
            if agreement
            else None,
            asked_again=_asked_since(s, plan.id, agreement),
        )
        uow.commit()
        return result


# --- What the link writes ----------------------------------------------------------------------


def _refuse_flood(s: Session, link_id: int, now: datetime) -> None:
    since = now - timedelta(hours=1)
    writes = (
        s.scalar(
            select(func.count(ClientStepTick.id)).where(
                ClientStepTick.link_id == link_id, ClientStepTick.at > since
            )
        )
        or 0
    ) + (
        s.scalar(
            select(func.count(ClientGoalNote.id)).where(
                ClientGoalNote.link_id == link_id, ClientGoalNote.created_at > since
            )
        )
        or 0
    )
    if writes >= MAX_WRITES_PER_HOUR:
        raise TooManyChanges()


def _goal_on_plan(s: Session, client_id: int, goal_id: object) -> tuple[CarePlan, Goal]:
    """The goal, if it is one the link shows this client; NotFound otherwise (the same for
    another client's goal as for no goal at all)."""
    plan = _shown_plan(s, client_id)
    if plan is None or isinstance(goal_id, bool) or not isinstance(goal_id, int):
        raise NotFound(NOT_ON_PLAN)
    goal = s.get(Goal, goal_id)
    if (
        goal is None
        or goal.plan_id != plan.id
        or goal.is_archived
        or goal.lifecycle_status not in SHOWN_GOALS
    ):
        raise NotFound(NOT_ON_PLAN)
    return plan, goal


def tick_step(
    db: Database,
    token: str,
    step_id: int,
    *,
    done: bool,
    expected_version: int,
    source_address: str | None,
    tz: tzinfo,
    now: datetime | None = None,
) -> int | None:
    """The client ticks a step of their plan done (today, in the clinic's time zone) or not
    done. A save of the plan like any other: a new revision, named as the client's, and an
    audit event with ids only. Returns the revision written, None when it was already so.

    Raises LinkUnavailable, TooManyAttempts, TooManyChanges, NotFound (not this client's step)
    or EditConflict (the step changed since the page showed it).
    """
    now = now or utcnow()
    with db.uow() as uow:
        s = uow.session
        link = _link(uow, token, source_address, now, lock=True)
        goal_id = (
            s.scalar(select(Step.goal_id).where(Step.id == step_id))
            if isinstance(step_id, int) and not isinstance(step_id, bool)
            else None
        )
        if goal_id is None:
            raise NotFound(NOT_ON_PLAN)
        plan, _goal = _goal_on_plan(s, link.client_id, goal_id)
        plan = lock_plan(s, plan.id)
        step = s.get(Step, step_id, populate_existing=True)
        assert step is not None
        if step.is_archived:
            raise NotFound(NOT_ON_PLAN)
        if step.version != expected_version:
            raise EditConflict(STEP_CHANGED)
        done_on = now.astimezone(tz).date() if done else None
        if (step.done_on is not None) == bool(done):
            return None
        _refuse_flood(s, link.id, now)
        ensure_initial_revision(s, CLIENT_ACTOR, plan)
        step.done_on = done_on
        step.done_by_client_at = now if done else None
        number = save_revision(
            s,
            CLIENT_ACTOR,
            plan,
            "step ticked done by the client" if done else "step marked not done by the client",
            "step",
        )
        s.add(
            ClientStepTick(
                client_id=link.client_id,
                step_id=step.id,
                link_id=link.id,
                done=bool(done),
                at=now,
                revision_number=number,
            )
        )
        audit.record(
            s,
            CLIENT_ACTOR,
            "client_link.step_done" if done else "client_link.step_undone",
            "step",
            step.id,
            client_id=link.client_id,
            detail={"link_id": link.id, "goal_id": step.goal_id, "revision": number},
            source_address=source_address,
        )
        commit(uow, "step")
        return number


def add_goal_note(
    db: Database,
    token: str,
    goal_id: int,
    text: str,
    *,
    source_address: str | None,
    now: datetime | None = None,
) -> int:
    """A short note from the client on one of their goals. Returns its id.

    Raises LinkUnavailable, TooManyAttempts, TooManyChanges, NotFound or ValidationError.
    """
    now = now or utcnow()
    cleaned = text.strip() if isinstance(text, str) else ""
    problems: dict[str, str] = {}
    if not isinstance(text, str) or not cleaned:
        problems["note"] = "Write something first: the note is empty."
    elif len(cleaned) > MAX_NOTE_CHARS:
        problems["note"] = (
            f"This note is {len(cleaned):,} characters long; please keep it to {MAX_NOTE_CHARS}."
        )
    with db.uow() as uow:
        s = uow.session
        link = _link(uow, token, source_address, now, lock=True)
        _plan, goal = _goal_on_plan(s, link.client_id, goal_id)
        if problems:
            raise ValidationError(problems)
        _refuse_flood(s, link.id, now)
        note = ClientGoalNote(
            client_id=link.client_id, goal_id=goal.id, link_id=link.id, text=cleaned, created_at=now
        )
        s.add(note)
        s.flush()
        audit.record(
            s,
            CLIENT_ACTOR,
            "client_link.goal_note",
            "client_goal_note",
            note.id,
            client_id=link.client_id,
            detail={"link_id": link.id, "goal_id": goal.id},
            source_address=source_address,
        )
        uow.commit()
        return note.id


def agree_to_plan(
    db: Database,
    token: str,
    *,
    revision_number: int,
    agreed: bool,
    typed_name: str,
    source_address: str | None,
    now: datetime | None = None,
) -> Agreement:
    """The client agrees to revision `revision_number` of their plan, the one their page showed
    them, with their name typed. Refused (EditConflict) when the plan has a newer revision, so
    nobody agrees to words they have not seen.

    Raises LinkUnavailable, TooManyAttempts, NotFound (no plan), ValidationError or EditConflict.
    """
    now = now or utcnow()
    name = typed_name.strip() if isinstance(typed_name, str) else ""
    problems: dict[str, str] = {}
    if agreed is not True:
        problems["agreed"] = "Tick “I have read this plan and agree to it” first."
    if not name:
        problems["typed_name"] = "Type your name to agree."
    elif len(name) > MAX_NAME_CHARS:
        problems["typed_name"] = f"Please keep your name to {MAX_NAME_CHARS} characters."
    with db.uow() as uow:
        s = uow.session
        link = _link(uow, token, source_address, now, lock=True)
        plan = _shown_plan(s, link.client_id)
        if plan is None:
            raise NotFound("There is no plan to agree to yet.")
        plan = lock_plan(s, plan.id)
        if problems:
            raise ValidationError(problems)
        ensure_initial_revision(s, CLIENT_ACTOR, plan)
        latest = _latest_revision(s, plan.id)
        assert latest is not None
        if revision_number != latest[0]:
            raise EditConflict(PLAN_CHANGED)
        shown = [n for n in PLAN_SECTIONS if n not in hidden_sections(s, plan.id)]
        agreement = PlanAgreement(
            plan_id=plan.id,
            client_id=link.client_id,
            link_id=link.id,
            revision_number=latest[0],
            typed_name=name,
            sections_shown=shown,
            agreed_at=now,
        )
        s.add(agreement)
        s.flush()
        audit.record(
            s,
            CLIENT_ACTOR,
            "client_link.plan_agreed",
            "plan_agreement",
            agreement.id,
            client_id=link.client_id,
            detail={"link_id": link.id, "plan_id": plan.id, "revision": latest[0]},
            source_address=source_address,
        )
        uow.commit()
        return Agreement(latest[0], now, name)


# --- Clinician side ----------------------------------------------------------------------------


def _plan_for(s: Session, actor: Actor, plan_id: int, *, write: bool) -> CarePlan:
    client_id = s.scalar(select(CarePlan.client_id).where(CarePlan.id == plan_id))
    if client_id is None:
        raise NotFound("No such care plan.")
    (client_for_write if write else client_for_read)(s, actor, client_id)
    plan = s.get(CarePlan, plan_id)
    assert plan is not None
    return plan


def section_sharing(db: Database, actor: Actor, plan_id: int) -> dict[str, bool]:
    """Each plan section -> whether the client's link shows it (read access is enough)."""
    with db.uow() as uow:
        _plan_for(uow.session, actor, plan_id, write=False)
        hidden = hidden_sections(uow.session, plan_id)
    return {name: name not in hidden for name in PLAN_SECTIONS}


def set_section_shown(
    db: Database, actor: Actor, plan_id: int, section: str, *, shown: bool
) -> bool:
    """Show a plan section on the client's link, or keep it for clinicians only. Returns
    whether anything changed. Audited with the section's field name, never its text."""
    if section not in PLAN_SECTIONS:
        raise ValidationError({"section": f"{section!r} is not a section of the plan."})
    if not isinstance(shown, bool):
        raise ValidationError({"shown": "Choose shown or clinician only."})
    with db.uow() as uow:
        s = uow.session
        plan = _plan_for(s, actor, plan_id, write=True)
        row = s.scalar(
            select(PlanSectionSharing)
            .where(PlanSectionSharing.plan_id == plan.id, PlanSectionSharing.section == section)
            .with_for_update()
        )
        if (row.shown_to_client if row is not None else True) == shown:
            return False
        if row is None:
            row = PlanSectionSharing(plan_id=plan.id, section=section)
            s.add(row)
        row.shown_to_client = shown
        row.changed_at = utcnow()
        row.changed_by_id = actor.user_id
        audit.record(
            s,
            actor,
            "plan.section_sharing",
            "care_plan",
            plan.id,
            client_id=plan.client_id,
            detail={"section": section, "shown_to_client": shown},
        )
        uow.commit()
        return True


def ask_for_agreement_again(
    db: Database, actor: Actor, plan_id: int, now: datetime | None = None
) -> None:
    """Ask the client to read their plan and agree to it again: their link shows the agreement
    box again, and the client page says agreement was asked for."""
    now = now or utcnow()
    with db.uow() as uow:
        s = uow.session
        plan = _plan_for(s, actor, plan_id, write=True)
        if s.get(Client, plan.client_id).status.value != "active":  # type: ignore[union-attr]
            raise ValidationError("This client is discharged: there is no link to agree on.")
        request = PlanAgreementRequest(
            plan_id=plan.id, requested_at=now, requested_by_id=actor.user_id
        )
        s.add(request)
        s.flush()
        audit.record(
            s,
            actor,
            "plan.agreement_requested",
            "care_plan",
            plan.id,
            client_id=plan.client_id,
            detail={"request_id": request.id},
        )
        uow.commit()
