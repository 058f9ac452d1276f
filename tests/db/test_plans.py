"""Care-plan editing: a revision for every save, readable diffs, restores, edit conflicts,
validation that writes nothing, access by role, and an audit trail without clinical text."""

from __future__ import annotations

import json
import pickle
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event, func, select, update

from care_plans import models
from care_plans.access import Actor
from care_plans.errors import AccessDenied, EditConflict, NotFound, ValidationError
from care_plans.models import (
    AuditEvent,
    CarePlan,
    Client,
    ClientAssignment,
    Goal,
    PlanRevision,
    PlanStatus,
    SupportContact,
)
from care_plans.read import plan_views, snapshots
from care_plans.read import plans as read_plans
from care_plans.read.plan_views import Change
from care_plans.services import clients, contacts, goals, plans, revisions
from tests.factories import make_client, make_user

TODAY = date(2026, 5, 1)


@pytest.fixture
def team(db):
    alice = make_user(db, "alice")
    bob = make_user(db, "bob")
    client = make_client(db, alice, today=TODAY)
    return SimpleNamespace(db=db, alice=alice, bob=bob, client_id=client.id, plan_id=client.plan_id)


def _revision_count(db, plan_id: int) -> int:
    with db.uow() as uow:
        return uow.session.scalar(
            select(func.count(PlanRevision.id)).where(PlanRevision.plan_id == plan_id)
        )


def _plan(t, actor=None) -> plan_views.PlanView:
    return read_plans.get_plan(t.db, actor or t.alice, t.client_id)


def _edit_sections(t, actor=None, **sections: str) -> revisions.Saved:
    return plans.update_plan(
        t.db, actor or t.alice, t.plan_id, changes=sections, expected_version=_plan(t).version
    )


def _reasons(t) -> list[str]:
    return [r.reason for r in reversed(read_plans.list_revisions(t.db, t.alice, t.plan_id))]


def test_a_sections_edit_is_revision_2_after_the_plan_as_it_was(team):
    t = team
    assert _plan(t).revision_count == 0
    saved = _edit_sections(t, crisis_plan="Call Mum, then the crisis line.")
    assert (saved.revision, saved.version) == (2, 2)
    history = read_plans.list_revisions(t.db, t.alice, t.plan_id)
    assert [(r.number, r.reason, r.created_by_name) for r in history] == [
        (2, "sections edited", "alice"),
        (1, revisions.INITIAL_REASON, "alice"),
    ]
    assert read_plans.get_revision(t.db, t.alice, t.plan_id, 1)["sections"]["crisis_plan"] == ""
    assert (
        read_plans.get_revision(t.db, t.alice, t.plan_id, 2)["sections"]["crisis_plan"]
        == "Call Mum, then the crisis line."
    )
    view = _plan(t)
    assert view.sections["crisis_plan"] == "Call Mum, then the crisis line."
    assert (view.revision_count, view.version, view.last_saved_by) == (2, 2, "alice")


def test_saving_unchanged_values_writes_no_revision(team):
    t = team
    _edit_sections(t, strengths="Kind")
    assert _edit_sections(t, strengths="  Kind ").revision is None
    assert _revision_count(t.db, t.plan_id) == 2


def test_every_kind_of_save_is_a_new_revision(team):
    t, db, a = team, team.db, team.alice
    numbers = [
        _edit_sections(t, wellness="Sleeping well, seeing friends.").revision,
        plans.update_plan(
            db,
            a,
            t.plan_id,
            expected_version=2,
            changes={"next_review_date": TODAY + timedelta(days=30)},
        ).revision,
        plans.activate_plan(db, a, t.plan_id, expected_version=3).revision,
    ]
    mum = contacts.add_contact(db, a, t.client_id, name="Mum", kind="family", today=TODAY)
    numbers.append(mum.revision)
    numbers.append(
        contacts.update_contact(
            db,
            a,
            mum.id,
            expected_version=mum.version,
            changes={"phone": "01234 567890"},
            today=TODAY,
        ).revision
    )
    walk = goals.add_goal(db, a, t.plan_id, domain="self-care", description="Walk daily")
    run = goals.add_goal(db, a, t.plan_id, domain="physical health", description="Run 5k")
    numbers += [walk.revision, run.revision]
    numbers.append(
        goals.update_goal(
            db,
            a,
            walk.id,
            expected_version=walk.version,
            changes={"why_it_matters": "Clears my head"},
        ).revision
    )
    step = goals.add_step(db, a, walk.id, description="Buy shoes", helper_contact_id=mum.id)
    numbers.append(step.revision)
    step2 = goals.update_step(
        db, a, step.id, expected_version=step.version, changes={"due_date": TODAY}
    )
    step3 = goals.set_step_done(
        db, a, step.id, expected_version=step2.version, done=True, today=TODAY
    )
    step4 = goals.set_step_done(
        db, a, step.id, expected_version=step3.version, done=False, today=TODAY
    )
    numbers += [step2.revision, step3.revision, step4.revision]
    numbers.append(
        goals.record_gas_rating(db, a, walk.id, score=1, rated_on=TODAY, today=TODAY).revision
    )
    numbers.append(
        goals.move_goal(db, a, run.id, direction="up", expected_version=run.version).revision
    )
    numbers.append(goals.archive_step(db, a, step.id, expected_version=step4.version).revision)
    numbers.append(
        goals.archive_goal(db, a, run.id, expected_version=_plan(t).goals[0].version).revision
    )
    numbers.append(
        contacts.archive_contact(
            db, a, mum.id, expected_version=_plan(t).contacts[0].version
        ).revision
    )
    numbers.append(
        plans.restore_revision(db, a, t.plan_id, 2, expected_version=_plan(t).version).revision
    )
    assert numbers == list(range(2, 2 + len(numbers)))
    assert _reasons(t) == [
        revisions.INITIAL_REASON,
        "sections edited",
        "plan dates edited",
        "status set to active",
        "contact added",
        "contact edited",
        "goal added",
        "goal added",
        "goal edited",
        "step added",
        "step edited",
        "step done",
        "step marked not done",
        "GAS rating recorded",
        "goal moved up",
        "step archived",
        "goal archived",
        "contact archived",
        "restored revision 2",
    ]


def test_a_revision_holds_the_whole_plan_with_ids(team):
    t, db, a = team, team.db, team.alice
    mum = contacts.add_contact(
        db,
        a,
        t.client_id,
        name="Mum",
        kind="family",
        phone="+44 1234 567890",
        is_crisis_contact=True,
        consent_to_share=True,
        consent_date=TODAY,
        today=TODAY,
    )
    walk = goals.add_goal(
        db,
        a,
        t.plan_id,
        domain="self-care",
        description="Walk daily",
        start_date=TODAY,
        target_date=date(2026, 8, 1),
        gas_levels={"+1": "Walks 5 days a week", 0: "Walks 3 days a week"},
    )
    step = goals.add_step(db, a, walk.id, description="Buy shoes", helper_contact_id=mum.id)
    last = goals.record_gas_rating(db, a, walk.id, score=-1, rated_on=TODAY, today=TODAY)
    snapshot = read_plans.get_revision(db, a, t.plan_id, last.revision)
    json.dumps(snapshot)  # plain JSON, whatever the engine gave back
    assert snapshot["plan"] == {
        "id": t.plan_id,
        "client_id": t.client_id,
        "status": "draft",
        "start_date": "2026-05-01",
        "next_review_date": "2026-07-30",
        "version": 1,
    }
    assert set(snapshot["sections"]) == set(models.PLAN_SECTIONS)
    [goal] = snapshot["goals"]
    assert (goal["id"], goal["description"], goal["start_date"], goal["target_date"]) == (
        walk.id,
        "Walk daily",
        "2026-05-01",
        "2026-08-01",
    )
    assert goal["gas_levels"] == {"0": "Walks 3 days a week", "1": "Walks 5 days a week"}
    assert [(s["id"], s["helper_contact_id"]) for s in goal["steps"]] == [(step.id, mum.id)]
    assert [(r["rated_on"], r["score"]) for r in goal["gas_ratings"]] == [("2026-05-01", -1)]
    [contact] = snapshot["contacts"]
    assert (contact["id"], contact["phone"], contact["consent_date"]) == (
        mum.id,
        "+44 1234 567890",
        "2026-05-01",
    )
    with db.uow() as uow:
        plan = uow.session.get(CarePlan, t.plan_id)
        assert snapshots.plan_snapshot(uow.session, plan) == snapshot
    view = _plan(t)
    assert view.goals[0].steps[0].helper_name == "Mum"
    assert pickle.loads(pickle.dumps(view)) == view  # st.cache_data can keep it
    with pytest.raises(AttributeError):
        view.status = "active"  # type: ignore[misc]


def test_diff_names_exactly_what_changed_in_readable_words(team):
    t, db, a = team, team.db, team.alice
    walk = goals.add_goal(
        db,
        a,
        t.plan_id,
        domain="self-care",
        description="Walk daily",
        start_date=TODAY,
        target_date=date(2026, 6, 1),
    )
    mum = contacts.add_contact(
        db, a, t.client_id, name="Mum", kind="family", phone="0123", today=TODAY
    )
    before = mum.revision
    _edit_sections(t, crisis_plan="Ring Mum")
    goals.update_goal(
        db, a, walk.id, expected_version=walk.version, changes={"target_date": date(2026, 7, 1)}
    )
    contacts.update_contact(
        db, a, mum.id, expected_version=mum.version, changes={"phone": "0456"}, today=TODAY
    )
    after = goals.add_step(db, a, walk.id, description="Buy shoes").revision
    assert read_plans.diff_revisions(db, a, t.plan_id, before, after) == [
        Change("Section: Crisis plan", "(empty)", "Ring Mum"),
        Change("Goal 'Walk daily': target date", "1 June 2026", "1 July 2026"),
        Change("Goal 'Walk daily', step 'Buy shoes'", "(not there)", "added"),
        Change("Contact 'Mum': phone", "0123", "0456"),
    ]
    assert read_plans.diff_revisions(db, a, t.plan_id, after, after) == []
    gone = goals.archive_goal(db, a, walk.id, expected_version=walk.version + 1).revision
    assert read_plans.diff_revisions(db, a, t.plan_id, after, gone) == [
        Change("Goal 'Walk daily'", "(there)", "removed")
    ]


def test_restore_brings_back_old_text_as_a_new_revision(team):
    t, db, a = team, team.db, team.alice
    mum = contacts.add_contact(db, a, t.client_id, name="Mum", kind="family", today=TODAY)
    kept = _edit_sections(t, strengths="Kind").revision
    walk = goals.add_goal(db, a, t.plan_id, domain="self-care", description="Walk daily")
    _edit_sections(t, strengths="Kind and funny")
    contacts.archive_contact(db, a, mum.id, expected_version=mum.version)
    count = _revision_count(db, t.plan_id)
    with db.uow() as uow:
        edited_at = uow.session.get(CarePlan, t.plan_id).updated_at

    saved = plans.restore_revision(db, a, t.plan_id, kept, expected_version=_plan(t).version)

    assert saved.revision == count + 1
    assert _reasons(t)[-1] == f"restored revision {kept}"
    view = _plan(t)
    assert view.sections["strengths"] == "Kind"
    assert view.goals == ()  # added after revision `kept`: archived, not deleted
    assert [c.name for c in view.contacts] == ["Mum"]  # archived since: back again
    with db.uow() as uow:
        assert uow.session.get(Goal, walk.id).is_archived is True
        assert uow.session.get(SupportContact, mum.id).is_archived is False
        assert uow.session.get(CarePlan, t.plan_id).updated_at > edited_at
    assert read_plans.diff_revisions(db, a, t.plan_id, count, saved.revision) == [
        Change("Section: Strengths", "Kind and funny", "Kind"),
        Change("Goal 'Walk daily'", "(there)", "removed"),
        Change("Contact 'Mum'", "(not there)", "added"),
    ]
    # Restoring what is already there writes nothing.
    again = plans.restore_revision(db, a, t.plan_id, kept, expected_version=view.version)
    assert again.revision is None
    with pytest.raises(NotFound):
        plans.restore_revision(db, a, t.plan_id, 99, expected_version=view.version)


def test_goals_move_up_and_down(team):
    t, db, a = team, team.db, team.alice
    ids = [
        goals.add_goal(db, a, t.plan_id, domain="resilience", description=d).id
        for d in ("A", "B", "C")
    ]

    def order() -> list[str]:
        return [g.description for g in _plan(t).goals]

    def move(goal_id: int, direction: str) -> revisions.Saved:
        version = next(g.version for g in _plan(t).goals if g.id == goal_id)
        return goals.move_goal(db, a, goal_id, direction=direction, expected_version=version)

    assert move(ids[2], "up").revision is not None
    assert order() == ["A", "C", "B"]
    assert move(ids[0], "up").revision is None  # already first: nothing to save
    move(ids[0], "down")
    assert order() == ["C", "A", "B"]
    with pytest.raises(ValidationError, match="up or down"):
        move(ids[0], "sideways")


def test_steps_tick_done_and_untick(team):
    t, db, a = team, team.db, team.alice
    walk = goals.add_goal(db, a, t.plan_id, domain="self-care", description="Walk daily")
    shoes = goals.add_step(db, a, walk.id, description="Buy shoes")
    goals.add_step(db, a, walk.id, description="Walk to the shop")
    done = goals.set_step_done(
        db,
        a,
        shoes.id,
        expected_version=shoes.version,
        done=True,
        on=TODAY - timedelta(days=2),
        today=TODAY,
    )
    first, second = _plan(t).goals[0].steps
    assert (first.is_done, first.done_on, second.is_done) == (True, date(2026, 4, 29), False)
    goals.set_step_done(db, a, shoes.id, expected_version=done.version, done=False, today=TODAY)
    assert _plan(t).goals[0].steps[0].done_on is None


def test_contacts_are_listed_crisis_contacts_first(team):
    t, db, a = team, team.db, team.alice
    for name, crisis in (("Zed", False), ("Crisis line", True), ("Amy", False), ("GP", True)):
        contacts.add_contact(
            db, a, t.client_id, name=name, kind="other", is_crisis_contact=crisis, today=TODAY
        )
    expected = ["Crisis line", "GP", "Zed", "Amy"]
    assert [c.name for c in _plan(t).contacts] == expected
    assert [c.name for c in contacts.list_contacts(db, a, t.client_id)] == expected
    gp = _plan(t).contacts[1]
    contacts.move_contact(db, a, gp.id, direction="up", expected_version=gp.version)
    assert [c.name for c in _plan(t).contacts] == ["GP", "Crisis line", "Zed", "Amy"]


def test_a_stale_save_is_refused_naming_the_field_and_writes_nothing(team):
    t, db = team, team.db
    clients.assign_clinician(db, Actor.cli(), client_id=t.client_id, username="bob")
    opened_by_alice, opened_by_bob = _plan(t, t.alice), _plan(t, t.bob)
    plans.update_plan(
        db,
        t.alice,
        t.plan_id,
        expected_version=opened_by_alice.version,
        changes={"crisis_plan": "Alice's words"},
    )
    count = _revision_count(db, t.plan_id)
    with pytest.raises(EditConflict) as refused:
        plans.update_plan(
            db,
            t.bob,
            t.plan_id,
            expected_version=opened_by_bob.version,
            changes={"crisis_plan": "Bob's words"},
        )
    assert refused.value.changed == {"crisis_plan": ("", "Alice's words")}
    assert "(alice)" in refused.value.message
    assert refused.value.message.endswith("Your changes were not saved.")
    assert _plan(t).sections["crisis_plan"] == "Alice's words"
    assert _revision_count(db, t.plan_id) == count


def test_stale_goal_and_contact_saves_are_refused(team):
    t, db = team, team.db
    clients.assign_clinician(db, Actor.cli(), client_id=t.client_id, username="bob")
    walk = goals.add_goal(db, t.alice, t.plan_id, domain="self-care", description="Walk")
    mum = contacts.add_contact(db, t.alice, t.client_id, name="Mum", kind="family", today=TODAY)
    goals.update_goal(
        db, t.alice, walk.id, expected_version=walk.version, changes={"description": "Walk daily"}
    )
    contacts.update_contact(
        db, t.alice, mum.id, expected_version=mum.version, changes={"phone": "0123"}, today=TODAY
    )
    with pytest.raises(EditConflict) as goal_conflict:
        goals.update_goal(
            db,
            t.bob,
            walk.id,
            expected_version=walk.version,
            changes={"description": "Walk weekly"},
        )
    assert goal_conflict.value.changed == {"description": ("Walk", "Walk daily")}
    with pytest.raises(EditConflict) as contact_conflict:
        contacts.update_contact(
            db, t.bob, mum.id, expected_version=mum.version, changes={"name": "Mother"}, today=TODAY
        )
    assert contact_conflict.value.changed == {"phone": ("", "0123")}
    # A version no revision holds: only the current values can be reported.
    with pytest.raises(EditConflict) as unknown:
        goals.update_goal(
            db, t.bob, walk.id, expected_version=41, changes={"why_it_matters": "Fresh air"}
        )
    assert unknown.value.changed == {"why_it_matters": (None, "")}
    view = _plan(t)
    assert (view.goals[0].description, view.contacts[0].name) == ("Walk daily", "Mum")


def test_a_race_between_check_and_write_becomes_an_edit_conflict(team):
    t, db, a = team, team.db, team.alice
    walk = goals.add_goal(db, a, t.plan_id, domain="self-care", description="Walk")
    fired: list[bool] = []

    def someone_else_saves(session, flush_context, instances) -> None:
        if fired:
            return
        fired.append(True)
        with db.engine.begin() as conn:
            conn.execute(update(Goal).where(Goal.id == walk.id).values(version=Goal.version + 1))

    event.listen(db.session_factory, "before_flush", someone_else_saves)
    try:
        with pytest.raises(EditConflict, match="at the same moment"):
            goals.update_goal(
                db, a, walk.id, expected_version=walk.version, changes={"description": "Walk daily"}
            )
    finally:
        event.remove(db.session_factory, "before_flush", someone_else_saves)
    assert fired
    assert _plan(t).goals[0].description == "Walk"


def test_invalid_input_names_the_field_and_writes_nothing(team):
    t, db, a = team, team.db, team.alice
    fresh = make_client(db, a, "CP-0002", today=TODAY)
    with pytest.raises(ValidationError):
        plans.update_plan(
            db, a, fresh.plan_id, expected_version=1, changes={"strengths": "x" * 20_001}
        )
    assert _revision_count(db, fresh.plan_id) == 0  # not even revision 1

    walk = goals.add_goal(
        db, a, t.plan_id, domain="self-care", description="Walk", start_date=TODAY
    )
    step = goals.add_step(db, a, walk.id, description="Buy shoes")
    mum = contacts.add_contact(db, a, t.client_id, name="Mum", kind="family", today=TODAY)
    before, count = _plan(t), _revision_count(db, t.plan_id)
    pv, gv, sv, cv = before.version, walk.version, step.version, mum.version
    cases = {
        "strengths": lambda: plans.update_plan(
            db, a, t.plan_id, expected_version=pv, changes={"strengths": "x" * 20_001}
        ),
        "next_review_date": lambda: plans.update_plan(
            db,
            a,
            t.plan_id,
            expected_version=pv,
            changes={"next_review_date": TODAY - timedelta(days=1)},
        ),
        "start_date": lambda: plans.update_plan(
            db, a, t.plan_id, expected_version=pv, changes={"start_date": None}
        ),
        "colour": lambda: plans.update_plan(
            db, a, t.plan_id, expected_version=pv, changes={"colour": "blue"}
        ),
        "status": lambda: plans.set_plan_status(
            db, a, t.plan_id, status="archived", expected_version=pv
        ),
        "description": lambda: goals.add_goal(
            db, a, t.plan_id, domain="self-care", description="   "
        ),
        "domain": lambda: goals.add_goal(db, a, t.plan_id, domain="wealth", description="x"),
        "target_date": lambda: goals.update_goal(
            db, a, walk.id, expected_version=gv, changes={"target_date": TODAY - timedelta(days=1)}
        ),
        "gas_levels": lambda: goals.update_goal(
            db, a, walk.id, expected_version=gv, changes={"gas_levels": {"3": "Way beyond"}}
        ),
        "lifecycle_status": lambda: goals.update_goal(
            db, a, walk.id, expected_version=gv, changes={"lifecycle_status": "paused"}
        ),
        "why_it_matters": lambda: goals.update_goal(
            db, a, walk.id, expected_version=gv, changes={"why_it_matters": "x" * 5_001}
        ),
        "helper_contact_id": lambda: goals.update_step(
            db, a, step.id, expected_version=sv, changes={"helper_contact_id": 987_654}
        ),
        "done_on": lambda: goals.set_step_done(
            db,
            a,
            step.id,
            expected_version=sv,
            done=True,
            on=TODAY + timedelta(days=1),
            today=TODAY,
        ),
        "score": lambda: goals.record_gas_rating(db, a, walk.id, score=3, today=TODAY),
        "name": lambda: contacts.add_contact(
            db, a, t.client_id, name=" ", kind="family", today=TODAY
        ),
        "kind": lambda: contacts.add_contact(
            db, a, t.client_id, name="Al", kind="neighbour", today=TODAY
        ),
        "phone": lambda: contacts.update_contact(
            db, a, mum.id, expected_version=cv, changes={"phone": "07700 9OO 123"}, today=TODAY
        ),
        "email": lambda: contacts.update_contact(
            db, a, mum.id, expected_version=cv, changes={"email": "mum.example.org"}, today=TODAY
        ),
        "consent_date": lambda: contacts.update_contact(
            db, a, mum.id, expected_version=cv, changes={"consent_to_share": True}, today=TODAY
        ),
    }
    for field, save in cases.items():
        with pytest.raises(ValidationError) as refused:
            save()
        assert field in refused.value.problems, (field, refused.value.problems)
    for score in (1.5, True, "1"):
        with pytest.raises(ValidationError, match="score"):
            goals.record_gas_rating(db, a, walk.id, score=score, today=TODAY)  # type: ignore
    with pytest.raises(ValidationError, match="consent_date"):
        contacts.add_contact(
            db,
            a,
            t.client_id,
            name="Al",
            kind="friend",
            consent_to_share=True,
            consent_date=TODAY + timedelta(days=1),
            today=TODAY,
        )
    assert _revision_count(db, t.plan_id) == count
    assert _plan(t) == before


def test_only_one_plan_of_a_client_may_be_active(team):
    t, db, a = team, team.db, team.alice
    plans.activate_plan(db, a, t.plan_id, expected_version=1)
    with db.uow() as uow:
        second = CarePlan(client_id=t.client_id, status=PlanStatus.DRAFT, start_date=TODAY)
        uow.session.add(second)
        uow.commit()
    with pytest.raises(ValidationError, match="already active") as refused:
        plans.activate_plan(db, a, second.id, expected_version=1)
    assert "status" in refused.value.problems
    assert _plan(t).id == t.plan_id  # the active plan is the current one
    plans.set_plan_status(db, a, t.plan_id, status="on-hold", expected_version=2)
    plans.activate_plan(db, a, second.id, expected_version=1)
    assert _plan(t).id == second.id


def test_access_by_role(team):
    t, db = team, team.db
    sup = make_user(db, "sam.sup", "supervisor")
    admin = make_user(db, "ada.admin", "admin")
    _edit_sections(t, strengths="Kind")
    walk = goals.add_goal(db, t.alice, t.plan_id, domain="self-care", description="Walk")

    def writes(actor):
        yield lambda: plans.update_plan(
            db, actor, t.plan_id, expected_version=2, changes={"strengths": "Changed"}
        )
        yield lambda: goals.update_goal(
            db, actor, walk.id, expected_version=walk.version, changes={"description": "Changed"}
        )
        yield lambda: contacts.add_contact(
            db, actor, t.client_id, name="X", kind="other", today=TODAY
        )
        yield lambda: plans.restore_revision(db, actor, t.plan_id, 1, expected_version=2)

    def reads(actor):
        yield lambda: read_plans.get_plan(db, actor, t.client_id)
        yield lambda: read_plans.list_revisions(db, actor, t.plan_id)
        yield lambda: read_plans.get_revision(db, actor, t.plan_id, 1)
        yield lambda: read_plans.diff_revisions(db, actor, t.plan_id, 1, 2)
        yield lambda: contacts.list_contacts(db, actor, t.client_id)

    count = _revision_count(db, t.plan_id)
    for actor in (t.bob, admin):  # a clinician not assigned; an administrator
        for attempt in (*reads(actor), *writes(actor)):
            with pytest.raises(AccessDenied):
                attempt()
    for attempt in reads(sup):  # a supervisor not assigned reads ...
        attempt()
    for attempt in writes(sup):  # ... but does not write
        with pytest.raises(AccessDenied, match="assigned clinicians"):
            attempt()
    assert _revision_count(db, t.plan_id) == count
    with pytest.raises(NotFound):
        read_plans.list_revisions(db, t.alice, 987_654)


def test_audit_events_name_fields_never_values(team):
    t, db, a = team, team.db, team.alice
    secret = "SECRET-TEXT"
    _edit_sections(t, crisis_plan=f"{secret} plan")
    walk = goals.add_goal(db, a, t.plan_id, domain="self-care", description=f"{secret} goal")
    goals.add_step(db, a, walk.id, description=f"{secret} step")
    mum = contacts.add_contact(
        db, a, t.client_id, name=f"{secret} Mum", kind="family", phone="0700 000 0000", today=TODAY
    )
    contacts.update_contact(
        db,
        a,
        mum.id,
        expected_version=mum.version,
        changes={"phone": "0711 111 1111", "when_to_contact": secret},
        today=TODAY,
    )
    with db.uow() as uow:
        events = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.client_id == t.client_id).order_by(AuditEvent.id)
        ).all()
        trail = {e.action: e.detail for e in events}
        text = json.dumps([(e.action, e.entity, e.detail) for e in events])
    assert secret not in text and "0711" not in text and "0700" not in text
    assert trail["plan.update"] == {"fields": ["crisis_plan"], "revision": 2}
    assert trail["contact.update"]["fields"] == ["phone", "when_to_contact"]
    assert {"goal.create", "step.create", "contact.create"} <= set(trail)


def test_contacts_of_a_client_without_a_plan_are_saved_and_audited(team):
    """Not something the services make, but contacts must not depend on a plan existing."""
    db, a = team.db, team.alice
    with db.uow() as uow:
        bare = Client(ref="CP-0900", full_name="No Plan")
        uow.session.add(bare)
        uow.session.flush()
        uow.session.add(ClientAssignment(client_id=bare.id, user_id=a.user_id, is_primary=True))
        uow.commit()
        bare_id = bare.id
    mum = contacts.add_contact(db, a, bare_id, name="Mum", kind="family", today=TODAY)
    assert mum.revision is None
    edited = contacts.update_contact(
        db, a, mum.id, expected_version=mum.version, changes={"phone": "0123"}, today=TODAY
    )
    assert (edited.version, edited.revision) == (mum.version + 1, None)
    with pytest.raises(EditConflict, match="after you opened it") as stale:
        contacts.update_contact(
            db, a, mum.id, expected_version=mum.version, changes={"phone": "0456"}, today=TODAY
        )
    assert stale.value.changed == {"phone": (None, "0123")}
    assert contacts.archive_contact(db, a, mum.id, expected_version=edited.version).revision is None
    assert contacts.list_contacts(db, a, bare_id) == []
    with db.uow() as uow:
        trail = [
            (e.action, e.entity_id, e.detail)
            for e in uow.session.scalars(
                select(AuditEvent).where(AuditEvent.client_id == bare_id).order_by(AuditEvent.id)
            )
        ]
    assert trail == [
        ("contact.create", mum.id, None),
        ("contact.update", mum.id, {"fields": ["phone"]}),
        ("contact.archive", mum.id, None),
    ]
