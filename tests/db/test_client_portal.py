"""The client's own plan on their link, on SQLite and PostgreSQL: what a token reads and writes.

Shared sections only ("clinician only" never read), crisis contacts with dialable numbers, the
consent rule for step helpers, a tick recorded as the client's (revision, history, audit with ids
only), notes, agreement to the revision shown and the clinician's view of it; and the token's
rows of the access matrix: another client's ids, revoked and expired links, the rate limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from care_plans.access import Actor
from care_plans.db import Database
from care_plans.errors import AccessDenied, EditConflict, NotFound, ValidationError
from care_plans.models import (
    AuditEvent,
    CheckinLink,
    ClientGoalNote,
    ClientStepTick,
    PlanAgreement,
    PlanRevision,
    RateLimitHit,
    Step,
)
from care_plans.read import client_activity
from care_plans.read import plans as read_plans
from care_plans.services import checkin_links, client_portal, contacts, goals, plans
from care_plans.services.checkin_links import MAX_FAILURES, LinkUnavailable, TooManyAttempts
from care_plans.services.client_portal import CLIENT_ACTOR
from tests.db.test_checkin_links import seed_client
from tests.factories import make_user

NOW = datetime(2026, 11, 10, 23, 30, tzinfo=UTC)  # late evening: the clinic day is still the 10th
TZ = ZoneInfo("Europe/London")
HERE = "203.0.113.7"
SECRET = "Only for the team: history of the 2019 admission"


@dataclass
class Portal:
    clinician: Actor
    client_id: int
    plan_id: int
    token: str
    link_id: int
    walk_goal: int
    call_goal: int
    step_with_sam: int
    step_with_priya: int
    step_with_crisis: int


def seed_portal(
    db: Database, clinician: Actor, ref: str = "CP-0001", full_name: str = "Élodie Brown"
) -> Portal:
    seeded = seed_client(db, clinician, ref=ref, full_name=full_name)
    plan = read_plans.get_plan(db, clinician, seeded.client_id)
    plans.update_plan(
        db,
        clinician,
        plan.id,
        expected_version=plan.version,
        changes={
            "wellness": "Up by nine, walking most days",
            "triggers": SECRET,
            "crisis_plan": "Ring the crisis team first; then my sister",
        },
    )
    plan = read_plans.get_plan(db, clinician, seeded.client_id)
    by_name = {c.name: c.id for c in plan.contacts}
    priya = contacts.add_contact(
        db,
        clinician,
        seeded.client_id,
        name="Priya (friend)",
        kind="friend",
        consent_to_share=True,
        consent_date=date(2026, 11, 1),
        today=NOW.date(),
    ).id
    walk, call = seeded.goal_ids
    add = goals.add_step
    sam = add(
        db,
        clinician,
        walk,
        description="Walk with Sam",
        helper_contact_id=by_name["Sam (neighbour)"],
    ).id
    with_priya = add(db, clinician, walk, description="Walk with Priya", helper_contact_id=priya).id
    crisis = add(
        db,
        clinician,
        call,
        description="Save the crisis number",
        helper_contact_id=by_name["Crisis team"],
        due_date=date(2026, 11, 20),
    ).id
    token, info = checkin_links.create_link(db, clinician, seeded.client_id, now=NOW)
    return Portal(
        clinician, seeded.client_id, plan.id, token, info.id, walk, call, sam, with_priya, crisis
    )


@pytest.fixture
def alice(db: Database) -> Actor:
    return make_user(db, "alice")


@pytest.fixture
def portal(db: Database, alice: Actor) -> Portal:
    return seed_portal(db, alice)


def opened(db: Database, token: str, at: datetime = NOW) -> client_portal.ClientPlan:
    result = client_portal.open_plan(db, token, source_address=HERE, now=at)
    assert result is not None
    return result


def step_of(plan: client_portal.ClientPlan, step_id: int) -> client_portal.MyStep:
    return next(st for g in plan.goals for st in g.steps if st.id == step_id)


def tick(
    db: Database, token: str, step_id: int, done: bool = True, *, at: datetime = NOW
) -> int | None:
    version = step_of(opened(db, token, at), step_id).version
    return client_portal.tick_step(
        db, token, step_id, done=done, expected_version=version, source_address=HERE, tz=TZ, now=at
    )


def audit_events(db: Database, action: str | None = None) -> list[SimpleNamespace]:
    """The audit events (of one action), as plain values read inside the unit of work."""
    fields = (
        "action",
        "actor",
        "actor_id",
        "entity",
        "entity_id",
        "client_id",
        "detail",
        "source_address",
    )
    with db.uow() as uow:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        return [
            SimpleNamespace(**{f: getattr(e, f) for f in fields})
            for e in uow.session.scalars(query)
        ]


# --- Reading ------------------------------------------------------------------------------------


def test_the_link_reads_the_shared_sections_crisis_numbers_and_goals(db, portal):
    plan = opened(db, portal.token)
    sections = {s.name: s.text for s in plan.sections}
    assert sections["wellness"] == "Up by nine, walking most days"
    assert sections["crisis_plan"].startswith("Ring the crisis team")
    assert [c.name for c in plan.crisis_contacts] == ["Crisis team"]  # archived one left out
    assert plan.crisis_contacts[0].tel == "tel:03001234567"
    assert [g.description for g in plan.goals] == [
        "Walk to the park *twice* a week",
        "Phone my sister on Sundays",
        "See the GP",
    ]
    newest = read_plans.list_revisions(db, portal.clinician, portal.plan_id)[0].number
    assert plan.revision_number == newest and plan.agreement is None
    assert not plan.agreed_to_this


def test_a_clinician_only_section_is_never_read_for_the_link(db, portal):
    assert client_portal.set_section_shown(
        db, portal.clinician, portal.plan_id, "triggers", shown=False
    )
    plan = opened(db, portal.token)
    assert "triggers" not in {s.name for s in plan.sections}
    assert SECRET not in repr(plan) and "Triggers" not in repr(plan)
    assert client_portal.section_sharing(db, portal.clinician, portal.plan_id)["triggers"] is False
    # shown again: back on the link; setting it twice changes nothing the second time
    assert client_portal.set_section_shown(
        db, portal.clinician, portal.plan_id, "triggers", shown=True
    )
    assert not client_portal.set_section_shown(
        db, portal.clinician, portal.plan_id, "triggers", shown=True
    )
    assert SECRET in repr(opened(db, portal.token))
    events = audit_events(db, "plan.section_sharing")
    assert [e.detail for e in events] == [
        {"section": "triggers", "shown_to_client": False},
        {"section": "triggers", "shown_to_client": True},
    ]


def test_a_helper_without_consent_is_not_named_on_the_link(db, portal):
    plan = opened(db, portal.token)
    assert step_of(plan, portal.step_with_sam).helper == client_portal.UNNAMED_HELPER
    assert step_of(plan, portal.step_with_priya).helper == "Priya (friend)"
    assert step_of(plan, portal.step_with_crisis).helper == "Crisis team"  # a crisis contact
    assert "Sam" not in repr(plan.goals).replace("Walk with Sam", "")
    assert step_of(plan, portal.step_with_crisis).due_date == date(2026, 11, 20)


def test_sharing_needs_write_access_and_a_real_section(db, portal):
    bob = make_user(db, "bob")
    admin = make_user(db, "ada", "admin")
    for who in (bob, admin):
        with pytest.raises(AccessDenied):
            client_portal.set_section_shown(db, who, portal.plan_id, "triggers", shown=False)
        with pytest.raises(AccessDenied):
            client_portal.ask_for_agreement_again(db, who, portal.plan_id)
    with pytest.raises(AccessDenied):
        client_portal.section_sharing(db, bob, portal.plan_id)
    with pytest.raises(ValidationError, match="not a section"):
        client_portal.set_section_shown(db, portal.clinician, portal.plan_id, "goals", shown=False)
    assert "triggers" in {s.name for s in opened(db, portal.token).sections}


# --- Ticking a step -----------------------------------------------------------------------------


def test_a_tick_is_the_clients_own_save_of_the_plan(db, portal):
    number = tick(db, portal.token, portal.step_with_sam)
    with db.uow() as uow:
        s = uow.session
        step = s.get(Step, portal.step_with_sam)
        assert step.done_on == date(2026, 11, 10)  # the clinic's day (London, 23:30 GMT)
        assert step.done_by_client_at == NOW
        revision = s.scalar(
            select(PlanRevision).where(
                PlanRevision.number == number, PlanRevision.plan_id == portal.plan_id
            )
        )
        assert revision.created_by_name == "client (own link)"
        assert revision.created_by_id is None
        assert revision.reason == "step ticked done by the client"
        ticks = s.scalars(select(ClientStepTick)).all()
        assert [(t.step_id, t.done, t.link_id, t.revision_number) for t in ticks] == [
            (portal.step_with_sam, True, portal.link_id, number)
        ]
    [event] = audit_events(db, "client_link.step_done")
    assert event.actor == CLIENT_ACTOR.username and event.actor_id is None
    assert event.entity_id == portal.step_with_sam and event.source_address == HERE
    assert event.detail == {
        "link_id": portal.link_id,
        "goal_id": portal.walk_goal,
        "revision": number,
    }
    mine = step_of(opened(db, portal.token), portal.step_with_sam)
    assert mine.done_on == date(2026, 11, 10) and mine.ticked_by_client_at == NOW

    seen = client_activity.client_activity(db, portal.clinician, portal.client_id)
    assert seen.ticked_by_client == {portal.step_with_sam: NOW}
    assert [(a.kind, a.step) for a in seen.actions] == [("ticked done", "Walk with Sam")]


def test_un_ticking_and_a_clinicians_tick_take_the_clients_mark_away(db, portal):
    tick(db, portal.token, portal.step_with_sam)
    later = NOW + timedelta(minutes=5)
    tick(db, portal.token, portal.step_with_sam, done=False, at=later)
    mine = step_of(opened(db, portal.token), portal.step_with_sam)
    assert mine.done_on is None and mine.ticked_by_client_at is None
    seen = client_activity.client_activity(db, portal.clinician, portal.client_id)
    assert [a.kind for a in seen.actions] == ["marked not done", "ticked done"]
    assert seen.ticked_by_client == {}
    # the client ticks it again, then the clinician un-ticks and re-ticks it: theirs now
    tick(db, portal.token, portal.step_with_sam, at=later)
    plan = read_plans.get_plan(db, portal.clinician, portal.client_id)
    version = next(s.version for g in plan.goals for s in g.steps if s.id == portal.step_with_sam)
    saved = goals.set_step_done(
        db,
        portal.clinician,
        portal.step_with_sam,
        done=False,
        expected_version=version,
        today=date(2026, 11, 11),
    )
    goals.set_step_done(
        db,
        portal.clinician,
        portal.step_with_sam,
        done=True,
        expected_version=saved.version,
        today=date(2026, 11, 11),
    )
    assert (
        client_activity.client_activity(db, portal.clinician, portal.client_id).ticked_by_client
        == {}
    )


def test_a_tick_from_an_out_of_date_page_is_refused(db, portal):
    stale = step_of(opened(db, portal.token), portal.step_with_sam).version
    plan = read_plans.get_plan(db, portal.clinician, portal.client_id)
    goals.update_step(
        db,
        portal.clinician,
        portal.step_with_sam,
        expected_version=stale,
        changes={"description": "Walk with Sam, twice"},
    )
    with pytest.raises(EditConflict, match="changed this step"):
        client_portal.tick_step(
            db,
            portal.token,
            portal.step_with_sam,
            done=True,
            expected_version=stale,
            source_address=HERE,
            tz=TZ,
            now=NOW,
        )
    assert step_of(opened(db, portal.token), portal.step_with_sam).done_on is None
    assert plan.id == portal.plan_id


def test_ticking_what_is_already_so_writes_nothing(db, portal):
    assert tick(db, portal.token, portal.step_with_sam, done=False) is None
    with db.uow() as uow:
        assert uow.session.scalars(select(ClientStepTick)).all() == []


# --- Notes --------------------------------------------------------------------------------------


def test_a_note_on_a_goal_is_kept_in_the_clients_words(db, portal):
    note_id = client_portal.add_goal_note(
        db,
        portal.token,
        portal.walk_goal,
        "  Went twice this week!  ",
        source_address=HERE,
        now=NOW,
    )
    goal = next(g for g in opened(db, portal.token).goals if g.id == portal.walk_goal)
    assert [(n.id, n.text) for n in goal.notes] == [(note_id, "Went twice this week!")]
    [event] = audit_events(db, "client_link.goal_note")
    assert event.detail == {"link_id": portal.link_id, "goal_id": portal.walk_goal}
    assert "twice" not in repr(event.detail)
    seen = client_activity.client_activity(db, portal.clinician, portal.client_id)
    assert [(a.kind, a.text) for a in seen.notes_for(portal.walk_goal)] == [
        ("wrote a note", "Went twice this week!")
    ]


@pytest.mark.parametrize(
    ("text", "message"), [("   ", "empty"), ("x" * 501, "501 characters"), (None, "empty")]
)
def test_a_bad_note_is_refused_and_nothing_is_saved(db, portal, text, message):
    with pytest.raises(ValidationError, match=message):
        client_portal.add_goal_note(
            db,
            portal.token,
            portal.walk_goal,
            text,  # type: ignore[arg-type]
            source_address=HERE,
            now=NOW,
        )
    with db.uow() as uow:
        assert uow.session.scalars(select(ClientGoalNote)).all() == []


# --- Agreement ----------------------------------------------------------------------------------


def test_agreeing_records_the_revision_time_and_typed_name(db, portal):
    shown = opened(db, portal.token).revision_number
    agreement = client_portal.agree_to_plan(
        db,
        portal.token,
        revision_number=shown,
        agreed=True,
        typed_name=" Élodie B ",
        source_address=HERE,
        now=NOW,
    )
    assert (agreement.revision_number, agreement.typed_name) == (shown, "Élodie B")
    assert opened(db, portal.token).agreed_to_this
    with db.uow() as uow:
        row = uow.session.scalars(select(PlanAgreement)).one()
        assert (row.revision_number, row.agreed_at, row.link_id) == (shown, NOW, portal.link_id)
        assert "triggers" in row.sections_shown
    status = client_activity.client_activity(db, portal.clinician, portal.client_id).status
    assert (status.agreed_revision, status.agreed_at, status.changed_since) == (shown, NOW, False)
    [event] = audit_events(db, "client_link.plan_agreed")
    assert event.detail == {"link_id": portal.link_id, "plan_id": portal.plan_id, "revision": shown}

    # the client's own tick is a new revision but not a change to what they agreed to
    tick(db, portal.token, portal.step_with_sam)
    status = client_activity.client_activity(db, portal.clinician, portal.client_id).status
    assert not status.changed_since
    # a clinician's edit is
    plan = read_plans.get_plan(db, portal.clinician, portal.client_id)
    plans.update_plan(
        db,
        portal.clinician,
        plan.id,
        expected_version=plan.version,
        changes={"what_helps": "Music"},
    )
    status = client_activity.client_activity(db, portal.clinician, portal.client_id).status
    assert status.changed_since and status.agreed_revision == shown
    assert not opened(db, portal.token).agreed_to_this


def test_an_agreement_to_words_not_seen_is_refused(db, portal):
    shown = opened(db, portal.token).revision_number
    plan = read_plans.get_plan(db, portal.clinician, portal.client_id)
    plans.update_plan(
        db,
        portal.clinician,
        plan.id,
        expected_version=plan.version,
        changes={"what_helps": "Music"},
    )
    with pytest.raises(EditConflict, match="changed while you were reading"):
        client_portal.agree_to_plan(
            db,
            portal.token,
            revision_number=shown,
            agreed=True,
            typed_name="Élodie",
            source_address=HERE,
            now=NOW,
        )
    with pytest.raises(ValidationError) as refused:
        client_portal.agree_to_plan(
            db,
            portal.token,
            revision_number=shown + 1,
            agreed=False,
            typed_name="  ",
            source_address=HERE,
            now=NOW,
        )
    assert set(refused.value.problems) == {"agreed", "typed_name"}
    with db.uow() as uow:
        assert uow.session.scalars(select(PlanAgreement)).all() == []


def test_a_clinician_asks_for_agreement_again(db, portal):
    shown = opened(db, portal.token).revision_number
    client_portal.agree_to_plan(
        db,
        portal.token,
        revision_number=shown,
        agreed=True,
        typed_name="Élodie",
        source_address=HERE,
        now=NOW,
    )
    later = NOW + timedelta(days=1)
    client_portal.ask_for_agreement_again(db, portal.clinician, portal.plan_id, now=later)
    plan = opened(db, portal.token, later)
    assert plan.asked_again and not plan.agreed_to_this
    status = client_activity.client_activity(db, portal.clinician, portal.client_id).status
    assert status.asked_at == later and status.agreed_revision == shown
    client_portal.agree_to_plan(
        db,
        portal.token,
        revision_number=shown,
        agreed=True,
        typed_name="Élodie",
        source_address=HERE,
        now=later + timedelta(hours=1),
    )
    assert opened(db, portal.token, later).agreed_to_this
    assert (
        client_activity.client_activity(db, portal.clinician, portal.client_id).status.asked_at
        is None
    )


def test_a_plan_never_saved_is_agreed_as_revision_one(db, alice):
    from tests.factories import make_client

    info = make_client(db, alice, ref="CP-0009", full_name="New Client", today=NOW.date())
    token, _ = checkin_links.create_link(db, alice, info.id, now=NOW)
    plan = opened(db, token)
    assert plan.has_plan and plan.revision_number == 1
    client_portal.agree_to_plan(
        db, token, revision_number=1, agreed=True, typed_name="New", source_address=HERE, now=NOW
    )
    status = client_activity.client_activity(db, alice, info.id).status
    assert (status.current_revision, status.agreed_revision) == (1, 1)


# --- The token's rows of the access matrix ------------------------------------------------------


def _writes(db: Database, token: str, portal: Portal, *, step: int, goal: int) -> dict:
    return {
        "tick": lambda: client_portal.tick_step(
            db, token, step, done=True, expected_version=1, source_address=HERE, tz=TZ, now=NOW
        ),
        "note": lambda: client_portal.add_goal_note(
            db, token, goal, "hello", source_address=HERE, now=NOW
        ),
        "agree": lambda: client_portal.agree_to_plan(
            db, token, revision_number=99, agreed=True, typed_name="x", source_address=HERE, now=NOW
        ),
    }


def test_a_token_cannot_reach_another_clients_steps_or_goals(db, portal, alice):
    other = seed_portal(db, alice, ref="CP-0002", full_name="Other Person")
    writes = _writes(db, portal.token, portal, step=other.step_with_sam, goal=other.walk_goal)
    for name in ("tick", "note"):
        with pytest.raises(NotFound, match="not on your plan"):
            writes[name]()
    # the same words for an id that does not exist at all
    with pytest.raises(NotFound, match="not on your plan"):
        _writes(db, portal.token, portal, step=999_999, goal=999_999)["tick"]()
    assert step_of(opened(db, other.token), other.step_with_sam).done_on is None
    with db.uow() as uow:
        assert uow.session.scalars(select(ClientGoalNote)).all() == []
    assert {g.description for g in opened(db, portal.token).goals}.isdisjoint({"Other Person"})


def test_archived_and_cancelled_goals_are_not_reachable(db, portal):
    plan = read_plans.get_plan(db, portal.clinician, portal.client_id)
    goal = next(g for g in plan.goals if g.id == portal.call_goal)
    goals.update_goal(
        db,
        portal.clinician,
        goal.id,
        expected_version=goal.version,
        changes={"lifecycle_status": "cancelled"},
    )
    assert portal.call_goal not in {g.id for g in opened(db, portal.token).goals}
    with pytest.raises(NotFound):
        client_portal.add_goal_note(
            db, portal.token, portal.call_goal, "hi", source_address=HERE, now=NOW
        )
    with pytest.raises(NotFound):
        client_portal.tick_step(
            db,
            portal.token,
            portal.step_with_crisis,
            done=True,
            expected_version=1,
            source_address=HERE,
            tz=TZ,
            now=NOW,
        )


@pytest.mark.parametrize("state", ["revoked", "expired", "unknown", "discharged"])
def test_a_link_that_does_not_work_reads_and_writes_nothing(db, portal, state):
    token = portal.token
    if state == "revoked":
        checkin_links.revoke_link(db, portal.clinician, portal.link_id, now=NOW)
    elif state == "expired":
        with db.uow() as uow:
            uow.session.execute(update(CheckinLink).values(expires_at=NOW))
            uow.commit()
    elif state == "unknown":
        token = "not-" + token
    else:
        from care_plans.services import clients

        clients.discharge(
            db,
            portal.clinician,
            client_id=portal.client_id,
            reason="moved",
            on=NOW.date(),
            today=NOW.date(),
        )
    assert client_portal.open_plan(db, token, source_address=HERE, now=NOW) is None
    for write in _writes(
        db, token, portal, step=portal.step_with_sam, goal=portal.walk_goal
    ).values():
        with pytest.raises(LinkUnavailable):
            write()
    with db.uow() as uow:
        s = uow.session
        assert s.scalars(select(ClientGoalNote)).all() == []
        assert s.scalars(select(PlanAgreement)).all() == []
        assert s.get(Step, portal.step_with_sam).done_on is None
        # each refused use counted against the address, as a wrong check-in link is
        assert len(s.scalars(select(RateLimitHit)).all()) == 4


def test_too_many_wrong_links_pause_wrong_ones_on_the_plan_too(db, portal):
    for _ in range(MAX_FAILURES):
        assert client_portal.open_plan(db, "wrong", source_address=HERE, now=NOW) is None
    with pytest.raises(TooManyAttempts):
        client_portal.open_plan(db, "wrong again", source_address=HERE, now=NOW)
    with pytest.raises(TooManyAttempts):
        client_portal.add_goal_note(
            db, "wrong again", portal.walk_goal, "hi", source_address=HERE, now=NOW
        )
    # the client's own link is never refused because of wrong ones from the same address
    assert client_portal.open_plan(db, portal.token, source_address=HERE, now=NOW) is not None
    client_portal.add_goal_note(
        db, portal.token, portal.walk_goal, "hi", source_address=HERE, now=NOW
    )


def test_writes_through_one_link_are_capped_per_hour(db, portal, monkeypatch):
    monkeypatch.setattr(client_portal, "MAX_WRITES_PER_HOUR", 3)
    for n in range(3):
        client_portal.add_goal_note(
            db, portal.token, portal.walk_goal, f"note {n}", source_address=HERE, now=NOW
        )
    with pytest.raises(client_portal.TooManyChanges):
        client_portal.add_goal_note(
            db, portal.token, portal.walk_goal, "one more", source_address=HERE, now=NOW
        )
    client_portal.add_goal_note(
        db,
        portal.token,
        portal.walk_goal,
        "next hour",
        source_address=HERE,
        now=NOW + timedelta(hours=1, seconds=1),
    )


def test_every_use_of_the_link_is_audited_with_ids_only(db, portal):
    opened(db, portal.token)
    tick(db, portal.token, portal.step_with_sam)
    client_portal.add_goal_note(
        db, portal.token, portal.walk_goal, "Élodie's private words", source_address=HERE, now=NOW
    )
    events = [e for e in audit_events(db) if e.actor == CLIENT_ACTOR.username]
    assert {e.action for e in events} >= {
        "client_link.open",
        "client_link.step_done",
        "client_link.goal_note",
    }
    text = repr([(e.action, e.entity, e.entity_id, e.detail) for e in events])
    for secret in ("private", "Élodie", "Walk with Sam", portal.token):
        assert secret not in text
    assert all(e.client_id == portal.client_id for e in events)


# --- The summary PDF ----------------------------------------------------------------------------


def test_the_summary_pdf_says_what_the_client_did_on_their_link(db, portal):
    import subprocess

    from care_plans.export import pdf
    from care_plans.read import export_data

    def summary_text() -> str:
        data = export_data.summary_data(
            db,
            portal.clinician,
            portal.client_id,
            tz=TZ,
            today=date(2026, 11, 12),
            since=date(2026, 11, 1),
        )
        content = pdf.session_summary_pdf(data, NOW + timedelta(days=2), images=(None, None))
        out = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True
        ).stdout.decode("utf-8")
        return " ".join(out.split())

    assert "Not yet agreed by the client on their link" in summary_text()
    shown = opened(db, portal.token).revision_number
    client_portal.agree_to_plan(
        db,
        portal.token,
        revision_number=shown,
        agreed=True,
        typed_name="Élodie",
        source_address=HERE,
        now=NOW,
    )
    tick(db, portal.token, portal.step_with_sam)
    client_portal.add_goal_note(
        db, portal.token, portal.walk_goal, "Went twice — proud", source_address=HERE, now=NOW
    )
    text = summary_text()
    assert f"Agreed by the client on 10 Nov 2026 (revision {shown})" in text
    assert "changed since the client agreed" not in text
    assert "✓ Walk with Sam ticked by the client on 10 Nov 2026" in text
    assert "The client's note, 10 Nov 2026 23:30 (Europe/London): “Went twice — proud”" in text
    plan = read_plans.get_plan(db, portal.clinician, portal.client_id)
    plans.update_plan(
        db,
        portal.clinician,
        plan.id,
        expected_version=plan.version,
        changes={"what_helps": "Music"},
    )
    assert (
        f"Agreed by the client on 10 Nov 2026 (revision {shown}); changed since the client agreed"
    ) in summary_text()
