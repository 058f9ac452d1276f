"""The access matrix: every service that reads or writes client data (or accounts), for every
kind of caller, allowed or refused, run cell by cell on SQLite and PostgreSQL.

Columns: the client's own clinician, another clinician, a supervisor not on the care team, an
administrator, and a client's check-in link (the token's own services take the token; every
other service is called with the identity a link acts as, and must refuse it).

Cells: ALLOW (the call succeeds and, for lists, shows the client), HIDDEN (the call succeeds
and shows nothing of the client), REFUSE (AccessDenied or NotFound, the same words whether the
record exists or not, and nothing is written), and N/A (the service takes no such caller).

`test_every_service_has_a_row` discovers services by introspection: any public function in
`care_plans` (services, read models, exports) whose first parameters are `db` and `actor` or
`token`. A new service without a row here fails the suite.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

import care_plans
from care_plans import versions
from care_plans.access import Actor
from care_plans.config import Settings
from care_plans.db import Database
from care_plans.errors import AccessDenied, NotFound
from care_plans.export import service as export_service
from care_plans.models import AuditEvent, MeasureResponse
from care_plans.read import (
    audit_trail,
    caseload,
    client_activity,
    export_data,
    outcomes,
    progress,
    review,
    rosters,
    safety,
)
from care_plans.read import plans as read_plans
from care_plans.read import sessions as read_sessions
from care_plans.services import (
    checkin_links,
    checkins,
    client_portal,
    clients,
    contacts,
    goals,
    imports,
    plans,
    record_views,
    risk,
    sessions,
    users,
)
from tests.factories import make_client, make_user

ALLOW, HIDDEN, REFUSE, NA = "allow", "hidden", "refuse", "n/a"
ROLES = ("own", "other", "supervisor", "admin", "token")
TODAY = date(2026, 6, 1)
TZ = ZoneInfo("Europe/London")
SETTINGS = Settings()
PHQ9_ITEM9 = [1, 1, 1, 1, 1, 1, 1, 1, 2]


@dataclass
class World:
    db: Database
    actors: dict[str, Actor]
    client_id: int
    ref: str
    plan_id: int
    goal_id: int
    step_id: int
    contact_id: int
    checkin_id: int
    measure_id: int
    draft_id: int
    signed_id: int
    link_id: int
    token: str

    def version(self, kind: str, record_id: int) -> int:
        if kind == "plan":
            return read_plans.get_plan(self.db, self.actors["own"], self.client_id).version
        if kind == "contact":
            return next(
                c.version
                for c in contacts.list_contacts(self.db, self.actors["own"], self.client_id)
                if c.id == record_id
            )
        if kind == "session":
            return read_sessions.get_session(self.db, self.actors["own"], record_id).version
        plan = read_plans.get_plan(self.db, self.actors["own"], self.client_id)
        for goal in plan.goals:
            if kind == "goal" and goal.id == record_id:
                return goal.version
            for step in goal.steps:
                if kind == "step" and step.id == record_id:
                    return step.version
        raise LookupError(kind)


def build_world(db: Database) -> World:
    own = make_user(db, "own.clinician", full_name="Olive Own")
    other = make_user(db, "other.clinician", full_name="Otto Other")
    sup = make_user(db, "sup.visor", role="supervisor", full_name="Sue Pervisor")
    admin = make_user(db, "ad.min", role="admin", full_name="Ada Min")
    info = make_client(db, own, ref="CP-0001", full_name="Robin Client", today=TODAY)
    make_client(db, other, ref="CP-0002", full_name="Other Client", today=TODAY)
    make_user(db, "spare.clinician")
    clients.assign_clinician(db, Actor.cli(), client_id=info.id, username="spare.clinician")
    plan_id = info.plan_id
    goal = goals.add_goal(db, own, plan_id, domain="self-care", description="Walk daily")
    step = goals.add_step(db, own, goal.id, description="Shoes by the door")
    contact = contacts.add_contact(
        db,
        own,
        info.id,
        name="Crisis team",
        kind="crisis service",
        phone="0300 123 4567",
        is_crisis_contact=True,
        today=TODAY,
    )
    saved = checkins.record_checkin(
        db,
        own,
        client_id=info.id,
        submitted_at=datetime(2026, 5, 20, 12, tzinfo=UTC),
        ratings={"mood": 4},
        measure_answers={"PHQ-9": PHQ9_ITEM9},
    )
    with db.uow() as uow:
        measure_id = uow.session.scalar(
            select(MeasureResponse.id).where(MeasureResponse.checkin_id == saved.id)
        )
    draft = sessions.create_draft(
        db, own, info.id, session_date=TODAY - timedelta(days=1), summary="Draft", today=TODAY
    )
    signed = sessions.create_draft(
        db, own, info.id, session_date=TODAY - timedelta(days=8), summary="Signed", today=TODAY
    )
    sessions.sign_off(db, own, signed.id, expected_version=signed.version, today=TODAY)
    token, link = checkin_links.create_link(db, own, info.id)
    actors = {
        "own": own,
        "other": other,
        "supervisor": sup,
        "admin": admin,
        "token": checkin_links.LINK_ACTOR,
    }
    return World(
        db,
        actors,
        info.id,
        info.ref,
        plan_id,
        goal.id,
        step.id,
        contact.id,
        saved.id,
        measure_id,
        draft.id,
        signed.id,
        link.id,
        token,
    )


Call = Callable[[World, Actor, str], Any]
Shows = Callable[[World, Any], bool]


@dataclass(frozen=True)
class Row:
    call: Call
    cells: tuple[str, str, str, str, str]  # own, other, supervisor, admin, token
    shows: Shows | None = None
    prepare: Callable[[World], Any] | None = None


def cells(
    own: str, other: str, supervisor: str, admin: str, token: str = REFUSE
) -> tuple[str, str, str, str, str]:
    return (own, other, supervisor, admin, token)


CLINICAL_READ = cells(ALLOW, REFUSE, ALLOW, REFUSE)
CLINICAL_WRITE = cells(ALLOW, REFUSE, REFUSE, REFUSE)
ADMIN_ONLY = cells(REFUSE, REFUSE, REFUSE, ALLOW)
CSV_HEADER = "client_ref,submitted_at,mood\n"


def has_client(w: World, rows: Any) -> bool:
    return any(
        getattr(r, "ref", None) == w.ref or getattr(r, "client_id", None) == w.client_id
        for r in rows
    )


MATRIX: dict[str, Row] = {
    # --- read models ---------------------------------------------------------------------
    "caseload.caseload_page": Row(
        lambda w, a, t: caseload.caseload_page(w.db, a, today=TODAY),
        cells(ALLOW, HIDDEN, ALLOW, REFUSE),
        lambda w, r: has_client(w, r.rows),
    ),
    "caseload.risk_alerts": Row(
        lambda w, a, t: caseload.risk_alerts(w.db, a, today=TODAY),
        cells(ALLOW, HIDDEN, ALLOW, REFUSE),
        has_client,
    ),
    "caseload.clinician_choices": Row(
        lambda w, a, t: caseload.clinician_choices(w.db, a),
        cells(ALLOW, HIDDEN, ALLOW, REFUSE),
        lambda w, r: "own.clinician" in {u for u, _ in r},
    ),  # on the world client's team
    "rosters.client_roster": Row(
        lambda w, a, t: rosters.client_roster(w.db, a),
        cells(ALLOW, HIDDEN, ALLOW, REFUSE),
        has_client,
    ),
    "rosters.assignment_roster": Row(
        lambda w, a, t: rosters.assignment_roster(w.db, a), ADMIN_ONLY, has_client
    ),
    "rosters.client_checkins": Row(
        lambda w, a, t: rosters.client_checkins(w.db, a, w.client_id), CLINICAL_READ
    ),
    "review.since_last_session": Row(
        lambda w, a, t: review.since_last_session(w.db, a, w.client_id, today=TODAY, tz=TZ),
        CLINICAL_READ,
    ),
    "progress.progress_data": Row(
        lambda w, a, t: progress.progress_data(
            w.db, a, w.client_id, since=None, until=None, tz=TZ, today=TODAY
        ),
        CLINICAL_READ,
    ),
    "export_data.plan_period": Row(
        lambda w, a, t: export_data.plan_period(w.db, a, w.client_id, today=TODAY), CLINICAL_READ
    ),
    "export_data.summary_data": Row(
        lambda w, a, t: export_data.summary_data(w.db, a, w.client_id, tz=TZ, today=TODAY),
        CLINICAL_READ,
    ),
    "export_data.record_data": Row(
        lambda w, a, t: export_data.record_data(w.db, a, w.client_id), CLINICAL_READ
    ),
    "safety.safety_summary": Row(
        lambda w, a, t: safety.safety_summary(w.db, a, w.client_id, today=TODAY, tz=TZ),
        CLINICAL_READ,
    ),
    "client_activity.client_activity": Row(
        lambda w, a, t: client_activity.client_activity(w.db, a, w.client_id), CLINICAL_READ
    ),
    "outcomes.service_outcomes": Row(
        lambda w, a, t: outcomes.service_outcomes(
            w.db, a, since=date(2026, 1, 1), until=TODAY, tz=TZ, today=TODAY
        ),
        cells(ALLOW, HIDDEN, ALLOW, REFUSE),
        lambda w, r: r.completeness.with_baseline > 0,
    ),  # only the world's client has one
    "versions.client_data_version": Row(
        lambda w, a, t: versions.client_data_version(w.db, a, w.client_id), CLINICAL_READ
    ),
    "versions.client_record_version": Row(
        lambda w, a, t: versions.client_record_version(w.db, a, w.client_id), CLINICAL_READ
    ),
    # The clinic's newest audit id: a number any clinical account may read (it says only that
    # something changed), never an administrator (they read no clinical pages).
    "versions.clinic_data_version": Row(
        lambda w, a, t: versions.clinic_data_version(w.db, a), cells(ALLOW, ALLOW, ALLOW, REFUSE)
    ),
    "audit_trail.search": Row(
        lambda w, a, t: audit_trail.search(w.db, a, audit_trail.AuditFilter(), tz=TZ), ADMIN_ONLY
    ),
    "audit_trail.actions": Row(lambda w, a, t: audit_trail.actions(w.db, a), ADMIN_ONLY),
    "audit_trail.export_csv": Row(
        lambda w, a, t: audit_trail.export_csv(w.db, a, audit_trail.AuditFilter(), tz=TZ),
        ADMIN_ONLY,
    ),
    # --- exports -------------------------------------------------------------------------
    "service.planned_summary": Row(
        lambda w, a, t: export_service.planned_summary(
            w.db, a, w.client_id, settings=SETTINGS, today=TODAY
        ),
        CLINICAL_READ,
    ),
    "service.export_pdf": Row(
        lambda w, a, t: export_service.export_pdf(w.db, a, w.client_id, settings=SETTINGS),
        CLINICAL_READ,
    ),
    "service.export_crisis_plan": Row(
        lambda w, a, t: export_service.export_crisis_plan(w.db, a, w.client_id, settings=SETTINGS),
        CLINICAL_READ,
    ),
    "service.pdf_mentions": Row(
        lambda w, a, t: export_service.pdf_mentions(w.db, a, w.client_id, settings=SETTINGS),
        CLINICAL_READ,
    ),
    "service.fhir_mentions": Row(
        lambda w, a, t: export_service.fhir_mentions(w.db, a, w.client_id), CLINICAL_READ
    ),
    "service.export_fhir": Row(
        lambda w, a, t: export_service.export_fhir(w.db, a, w.client_id), CLINICAL_READ
    ),
    "service.export_batch_zip": Row(
        lambda w, a, t: export_service.export_batch_zip(w.db, a, [w.client_id], settings=SETTINGS),
        CLINICAL_READ,
    ),
    # --- clients and care teams ----------------------------------------------------------
    "clients.create_client": Row(
        lambda w, a, t: clients.create_client(
            w.db,
            a,
            ref=f"CP-9{ROLES.index(t)}",
            full_name="New Client",
            today=TODAY,
            clinician_username="own.clinician" if a.role == "admin" else None,
        ),
        cells(ALLOW, ALLOW, ALLOW, ALLOW),
    ),
    "clients.get_client": Row(
        lambda w, a, t: clients.get_client(w.db, a, w.client_id), CLINICAL_READ
    ),
    "clients.find_client_id": Row(
        lambda w, a, t: clients.find_client_id(w.db, a, w.ref), CLINICAL_READ
    ),
    "clients.update_details": Row(
        lambda w, a, t: clients.update_details(
            w.db,
            a,
            w.client_id,
            full_name="Robin Client-Smith",
            date_of_birth=None,
            details=clients.Demographics(),
            today=TODAY,
        ),
        CLINICAL_WRITE,
    ),
    "clients.assign_clinician": Row(
        lambda w, a, t: clients.assign_clinician(
            w.db, a, client_id=w.client_id, username="other.clinician"
        ),
        ADMIN_ONLY,
    ),
    "clients.unassign_clinician": Row(
        lambda w, a, t: clients.unassign_clinician(
            w.db, a, client_id=w.client_id, username="spare.clinician"
        ),
        ADMIN_ONLY,
    ),
    "clients.discharge": Row(
        lambda w, a, t: clients.discharge(
            w.db, a, client_id=w.client_id, reason="Moved away", on=TODAY, today=TODAY
        ),
        CLINICAL_WRITE,
    ),
    "clients.reopen": Row(
        lambda w, a, t: clients.reopen(w.db, a, client_id=w.client_id),
        CLINICAL_WRITE,
        prepare=lambda w: clients.discharge(
            w.db, Actor.cli(), client_id=w.client_id, reason="Moved", on=TODAY, today=TODAY
        ),
    ),
    "clients.can_edit": Row(
        lambda w, a, t: clients.can_edit(w.db, a, w.client_id) or _refused(),
        cells(ALLOW, REFUSE, REFUSE, REFUSE),
    ),
    "record_views.record_view": Row(
        lambda w, a, t: record_views.record_view(w.db, a, w.client_id, 1, page="Client"),
        CLINICAL_READ,
    ),
    # --- the plan ------------------------------------------------------------------------
    "plans.get_plan": Row(lambda w, a, t: read_plans.get_plan(w.db, a, w.client_id), CLINICAL_READ),
    "plans.update_plan": Row(
        lambda w, a, t: plans.update_plan(
            w.db,
            a,
            w.plan_id,
            expected_version=w.version("plan", w.plan_id),
            changes={"wellness": "Calm mornings"},
        ),
        CLINICAL_WRITE,
    ),
    "plans.set_plan_status": Row(
        lambda w, a, t: plans.set_plan_status(
            w.db, a, w.plan_id, status="active", expected_version=w.version("plan", w.plan_id)
        ),
        CLINICAL_WRITE,
    ),
    "plans.activate_plan": Row(
        lambda w, a, t: plans.activate_plan(
            w.db, a, w.plan_id, expected_version=w.version("plan", w.plan_id)
        ),
        CLINICAL_WRITE,
    ),
    "plans.restore_revision": Row(
        lambda w, a, t: plans.restore_revision(
            w.db, a, w.plan_id, 1, expected_version=w.version("plan", w.plan_id)
        ),
        CLINICAL_WRITE,
    ),
    "plans.list_revisions": Row(
        lambda w, a, t: read_plans.list_revisions(w.db, a, w.plan_id), CLINICAL_READ
    ),
    "plans.get_revision": Row(
        lambda w, a, t: read_plans.get_revision(w.db, a, w.plan_id, 1), CLINICAL_READ
    ),
    "plans.diff_revisions": Row(
        lambda w, a, t: read_plans.diff_revisions(w.db, a, w.plan_id, 1, 1), CLINICAL_READ
    ),
    # --- goals and steps -----------------------------------------------------------------
    "goals.add_goal": Row(
        lambda w, a, t: goals.add_goal(
            w.db, a, w.plan_id, domain="resilience", description="Breathe"
        ),
        CLINICAL_WRITE,
    ),
    "goals.update_goal": Row(
        lambda w, a, t: goals.update_goal(
            w.db,
            a,
            w.goal_id,
            expected_version=w.version("goal", w.goal_id),
            changes={"description": "Walk most days"},
        ),
        CLINICAL_WRITE,
    ),
    "goals.archive_goal": Row(
        lambda w, a, t: goals.archive_goal(
            w.db, a, w.goal_id, expected_version=w.version("goal", w.goal_id)
        ),
        CLINICAL_WRITE,
    ),
    "goals.move_goal": Row(
        lambda w, a, t: goals.move_goal(
            w.db, a, w.goal_id, direction="down", expected_version=w.version("goal", w.goal_id)
        ),
        CLINICAL_WRITE,
    ),
    "goals.add_step": Row(
        lambda w, a, t: goals.add_step(w.db, a, w.goal_id, description="Pack a bag"), CLINICAL_WRITE
    ),
    "goals.update_step": Row(
        lambda w, a, t: goals.update_step(
            w.db,
            a,
            w.step_id,
            expected_version=w.version("step", w.step_id),
            changes={"description": "Shoes ready"},
        ),
        CLINICAL_WRITE,
    ),
    "goals.set_step_done": Row(
        lambda w, a, t: goals.set_step_done(
            w.db,
            a,
            w.step_id,
            expected_version=w.version("step", w.step_id),
            done=True,
            on=TODAY,
            today=TODAY,
        ),
        CLINICAL_WRITE,
    ),
    "goals.archive_step": Row(
        lambda w, a, t: goals.archive_step(
            w.db, a, w.step_id, expected_version=w.version("step", w.step_id)
        ),
        CLINICAL_WRITE,
    ),
    "goals.move_step": Row(
        lambda w, a, t: goals.move_step(
            w.db, a, w.step_id, direction="down", expected_version=w.version("step", w.step_id)
        ),
        CLINICAL_WRITE,
    ),
    "goals.record_gas_rating": Row(
        lambda w, a, t: goals.record_gas_rating(
            w.db, a, w.goal_id, score=0, rated_on=TODAY, today=TODAY
        ),
        CLINICAL_WRITE,
    ),
    # --- support network -----------------------------------------------------------------
    "contacts.add_contact": Row(
        lambda w, a, t: contacts.add_contact(
            w.db, a, w.client_id, name="Sam", kind="friend", today=TODAY
        ),
        CLINICAL_WRITE,
    ),
    "contacts.update_contact": Row(
        lambda w, a, t: contacts.update_contact(
            w.db,
            a,
            w.contact_id,
            expected_version=w.version("contact", w.contact_id),
            changes={"phone": "0300 765 4321"},
            today=TODAY,
        ),
        CLINICAL_WRITE,
    ),
    "contacts.archive_contact": Row(
        lambda w, a, t: contacts.archive_contact(
            w.db, a, w.contact_id, expected_version=w.version("contact", w.contact_id)
        ),
        CLINICAL_WRITE,
    ),
    "contacts.move_contact": Row(
        lambda w, a, t: contacts.move_contact(
            w.db,
            a,
            w.contact_id,
            direction="down",
            expected_version=w.version("contact", w.contact_id),
        ),
        CLINICAL_WRITE,
    ),
    "contacts.list_contacts": Row(
        lambda w, a, t: contacts.list_contacts(w.db, a, w.client_id), CLINICAL_READ
    ),
    # --- check-ins, measures, risk -------------------------------------------------------
    "checkins.record_checkin": Row(
        lambda w, a, t: checkins.record_checkin(
            w.db, a, client_id=w.client_id, ratings={"mood": 6}
        ),
        CLINICAL_WRITE,
    ),
    "checkins.mark_entered_in_error": Row(
        lambda w, a, t: checkins.mark_entered_in_error(
            w.db, a, checkin_id=w.checkin_id, reason="Wrong client"
        ),
        CLINICAL_WRITE,
    ),
    "risk.record_risk_follow_up": Row(
        lambda w, a, t: risk.record_risk_follow_up(
            w.db, a, measure_response_id=w.measure_id, note="Phoned the same day"
        ),
        CLINICAL_WRITE,
    ),
    "imports.import_checkins": Row(lambda w, a, t: _import(w, a), CLINICAL_WRITE),
    # --- check-in links ------------------------------------------------------------------
    "checkin_links.create_link": Row(
        lambda w, a, t: checkin_links.create_link(w.db, a, w.client_id), CLINICAL_WRITE
    ),
    "checkin_links.list_links": Row(
        lambda w, a, t: checkin_links.list_links(w.db, a, w.client_id), CLINICAL_READ
    ),
    "checkin_links.revoke_link": Row(
        lambda w, a, t: checkin_links.revoke_link(w.db, a, w.link_id), CLINICAL_WRITE
    ),
    "checkin_links.open_link": Row(
        lambda w, a, t: (
            checkin_links.open_link(w.db, w.token, source_address="10.1.1.1") or _refused()
        ),
        cells(NA, NA, NA, NA, ALLOW),
    ),
    "checkin_links.submit_via_link": Row(
        lambda w, a, t: checkin_links.submit_via_link(
            w.db, w.token, source_address="10.1.1.1", ratings={"mood": 7}
        ),
        cells(NA, NA, NA, NA, ALLOW),
    ),
    # --- the client's own plan on the link -----------------------------------------------
    "client_portal.open_plan": Row(
        lambda w, a, t: (
            client_portal.open_plan(w.db, w.token, source_address="10.1.1.1") or _refused()
        ),
        cells(NA, NA, NA, NA, ALLOW),
    ),
    "client_portal.tick_step": Row(
        lambda w, a, t: client_portal.tick_step(
            w.db,
            w.token,
            w.step_id,
            done=True,
            expected_version=w.version("step", w.step_id),
            source_address="10.1.1.1",
            tz=TZ,
        ),
        cells(NA, NA, NA, NA, ALLOW),
    ),
    "client_portal.add_goal_note": Row(
        lambda w, a, t: client_portal.add_goal_note(
            w.db, w.token, w.goal_id, "Went twice", source_address="10.1.1.1"
        ),
        cells(NA, NA, NA, NA, ALLOW),
    ),
    "client_portal.agree_to_plan": Row(
        lambda w, a, t: client_portal.agree_to_plan(
            w.db,
            w.token,
            revision_number=read_plans.get_plan(w.db, w.actors["own"], w.client_id).revision_count,
            agreed=True,
            typed_name="Robin",
            source_address="10.1.1.1",
        ),
        cells(NA, NA, NA, NA, ALLOW),
    ),
    "client_portal.section_sharing": Row(
        lambda w, a, t: client_portal.section_sharing(w.db, a, w.plan_id), CLINICAL_READ
    ),
    "client_portal.set_section_shown": Row(
        lambda w, a, t: client_portal.set_section_shown(
            w.db, a, w.plan_id, "triggers", shown=False
        ),
        CLINICAL_WRITE,
    ),
    "client_portal.ask_for_agreement_again": Row(
        lambda w, a, t: client_portal.ask_for_agreement_again(w.db, a, w.plan_id), CLINICAL_WRITE
    ),
    # --- session records -----------------------------------------------------------------
    "sessions.create_draft": Row(
        lambda w, a, t: sessions.create_draft(
            w.db, a, w.client_id, session_date=TODAY, summary="Met today", today=TODAY
        ),
        CLINICAL_WRITE,
    ),
    "sessions.record_session": Row(
        lambda w, a, t: sessions.record_session(
            w.db,
            a,
            w.client_id,
            {"session_date": TODAY, "summary": "Met today"},
            sign=True,
            today=TODAY,
        ),
        CLINICAL_WRITE,
    ),
    "sessions.update_draft": Row(
        lambda w, a, t: sessions.update_draft(
            w.db,
            a,
            w.draft_id,
            expected_version=w.version("session", w.draft_id),
            changes={"summary": "Met yesterday"},
            today=TODAY,
        ),
        CLINICAL_WRITE,
    ),
    "sessions.sign_off": Row(
        lambda w, a, t: sessions.sign_off(
            w.db, a, w.draft_id, expected_version=w.version("session", w.draft_id), today=TODAY
        ),
        CLINICAL_WRITE,
    ),
    "sessions.add_addendum": Row(
        lambda w, a, t: sessions.add_addendum(w.db, a, w.signed_id, text="Also discussed sleep"),
        CLINICAL_WRITE,
    ),
    "sessions.get_session": Row(
        lambda w, a, t: read_sessions.get_session(w.db, a, w.signed_id), CLINICAL_READ
    ),
    "sessions.list_sessions": Row(
        lambda w, a, t: read_sessions.list_sessions(w.db, a, w.client_id), CLINICAL_READ
    ),
    "sessions.revision_links": Row(
        lambda w, a, t: read_sessions.revision_links(w.db, a, w.client_id), CLINICAL_READ
    ),
    # --- accounts (administrators) -------------------------------------------------------
    "users.create_user": Row(
        lambda w, a, t: users.create_user(
            w.db, a, username=f"new.{t}", full_name="New Person", role="clinician"
        ),
        ADMIN_ONLY,
    ),
    "users.set_password": Row(
        lambda w, a, t: users.set_password(
            w.db, a, username="other.clinician", password="another long passphrase"
        ),
        ADMIN_ONLY,
    ),
    "users.unlock": Row(
        lambda w, a, t: users.unlock(w.db, a, username="other.clinician"), ADMIN_ONLY
    ),
    "users.list_users": Row(lambda w, a, t: users.list_users(w.db, a), ADMIN_ONLY),
    "users.set_active": Row(
        lambda w, a, t: users.set_active(w.db, a, username="other.clinician", active=False),
        ADMIN_ONLY,
    ),
    "users.change_role": Row(
        lambda w, a, t: users.change_role(w.db, a, username="other.clinician", role="supervisor"),
        ADMIN_ONLY,
    ),
    "users.issue_password_link": Row(
        lambda w, a, t: users.issue_password_link(w.db, a, username="other.clinician"), ADMIN_ONLY
    ),
}

#: Token services that are not about client data, with the reason (and the test that covers).
NOT_CLIENT_DATA = {
    "users.password_link_user": "a set-password link names an account only (tests/db/test_auth.py)",
    "users.use_password_link": "a set-password link sets that account's password "
    "(tests/db/test_auth.py)",
}


def _refused() -> None:
    raise AccessDenied("refused")


def _import(w: World, actor: Actor) -> imports.ImportResult:
    data = f"{CSV_HEADER}{w.ref},2026-05-25,6\n".encode()
    result = imports.import_checkins(w.db, actor, data, tz=TZ)
    if result.faults:  # another clinician's client is "unknown": the same words as a bad ref
        assert all("client_ref" in str(f) for f in result.faults)
        raise NotFound("unknown client")
    return result


def discovered() -> set[str]:
    found: set[str] = set()
    for info in pkgutil.walk_packages(care_plans.__path__, "care_plans."):
        if ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                name.startswith("_")
                or not inspect.isfunction(obj)
                or obj.__module__ != module.__name__
            ):
                continue
            params = list(inspect.signature(obj).parameters)
            if len(params) >= 2 and params[0] == "db" and params[1] in ("actor", "token"):
                found.add(f"{module.__name__.rsplit('.', 1)[-1]}.{name}")
    return found


def test_every_service_has_a_row():
    services = discovered()
    assert len(services) > 60  # the discovery itself works
    missing = services - set(MATRIX) - set(NOT_CLIENT_DATA)
    assert not missing, f"services without a row in the access matrix: {sorted(missing)}"
    stale = set(MATRIX) - services
    assert not stale, f"rows for services that no longer exist: {sorted(stale)}"


def audit_count(db: Database) -> int:
    with db.uow() as uow:
        return int(uow.session.scalar(select(func.count(AuditEvent.id))) or 0)


@pytest.mark.parametrize("service", sorted(MATRIX))
def test_access_matrix(db, service):
    row = MATRIX[service]
    w = build_world(db)
    if row.prepare is not None:
        row.prepare(w)
    # Refusals first: each must leave the database exactly as it was (no audit event either).
    order = sorted(range(len(ROLES)), key=lambda i: row.cells[i] != REFUSE)
    for i in order:
        role, expected = ROLES[i], row.cells[i]
        if expected == NA:
            continue
        actor = w.actors[role]
        if expected == REFUSE:
            before = audit_count(db)
            with pytest.raises((AccessDenied, NotFound)):
                row.call(w, actor, role)
            assert audit_count(db) == before, f"{service} wrote while refusing {role}"
            continue
        result = row.call(w, actor, role)
        if row.shows is not None:
            assert row.shows(w, result) == (expected == ALLOW), f"{service} as {role}"
