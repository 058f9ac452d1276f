"""The client page (AppTest): opened by its address, refused for a ref one may not read, read
only for a supervisor, the care plan edited, restored and refused when invalid or stale, a step
ticked, a check-in marked as entered in error, and a discharge undone.

Each test signs in through the real form, then opens the page as a bookmark would:
``?client=REF`` and ``switch_page``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import TextArea

from care_plans.access import Actor
from care_plans.db import Database
from care_plans.models import AuditEvent, CarePlan, CheckIn, Client, PlanRevision, Step, User
from care_plans.services import checkins, clients, goals
from tests.app.helpers import new_app, open_tab, sign_in
from tests.factories import TEST_PASSWORD, clinic_today, make_client, make_user

REF = "CP-0001"
NAME = "Élodie Brown"


def open_client(at: AppTest, ref: str = REF, tab: str | None = None) -> AppTest:
    at.query_params["client"] = ref
    at.switch_page("views/client.py").run()
    return open_tab(at, tab) if tab else at


def signed_in(username: str, ref: str = REF, tab: str | None = None) -> AppTest:
    return open_client(sign_in(new_app(), username, TEST_PASSWORD), ref, tab)


def section(at: AppTest, plan_id: int, name: str) -> TextArea:
    return at.text_area(key=f"draft:plan:{plan_id}:{name}")


def save(at: AppTest, plan_id: int) -> AppTest:
    return at.button(key=f"plan_save:{plan_id}").click().run()


def plan_state(db: Database, plan_id: int) -> tuple[int, int, dict[str, object]]:
    """(version, number of revisions, sections and dates) of the stored plan."""
    with db.uow() as uow:
        plan = uow.session.get(CarePlan, plan_id)
        count = (
            uow.session.scalar(
                select(func.count(PlanRevision.id)).where(PlanRevision.plan_id == plan_id)
            )
            or 0
        )
        values = {
            "what_helps": plan.what_helps,
            "crisis_plan": plan.crisis_plan,
            "next_review_date": plan.next_review_date,
            "status": plan.status.value,
        }
        return plan.version, count, values


@pytest.fixture
def record(app_db: Database) -> tuple[Database, Actor, int, int]:
    """Alice's client with a draft plan; Bob exists with a client of his own."""
    alice = make_user(app_db, "alice", full_name="Alice Example")
    bob = make_user(app_db, "bob", full_name="Bob Example")
    info = make_client(app_db, alice, REF, NAME, today=clinic_today())
    make_client(app_db, bob, "CP-0101", "Bobs Client", today=clinic_today())
    assert info.plan_id is not None
    return app_db, alice, info.id, info.plan_id


def test_the_address_opens_the_client(record) -> None:
    _db, _alice, _client_id, plan_id = record
    at = signed_in("alice", tab="Care plan")
    assert not at.exception
    assert at.title[0].value == NAME
    assert at.caption[0].value.startswith(f"{REF} · client active · plan draft")
    assert "alice (primary)" in at.caption[1].value
    assert {
        "Care plan",
        "Goals and steps",
        "Support network",
        "Check-ins",
        "History",
        "Status",
    } <= {t.label for t in at.tabs}
    assert not section(at, plan_id, "what_helps").disabled
    at.run()  # a reload keeps the same client
    assert at.title[0].value == NAME


@pytest.mark.parametrize("ref", ["CP-0101", "CP-9999", "[CP](HTTPS://EXAMPLE.ORG)"])
def test_another_clinicians_or_unknown_ref_shows_nothing_of_the_record(record, ref) -> None:
    at = signed_in("alice", ref)
    assert not at.exception
    assert at.title[0].value == "Client"
    # the same words for all, so the page does not tell which refs exist
    assert [w.value for w in at.warning] == ["No client with this ref in your caseload."]
    assert [t.value for t in at.text] == [f"Ref: {ref}"]  # plain text, never markdown
    assert not at.tabs and not at.text_area and not at.dataframe
    assert "Bobs Client" not in str(at)


def test_a_supervisor_reads_the_record_but_cannot_change_it(record) -> None:
    db, *_ = record
    make_user(db, "sam", "supervisor")
    at = signed_in("sam", tab="Care plan")
    assert not at.exception
    assert at.title[0].value == NAME
    assert "only the client's assigned clinicians can change it" in at.info[0].value
    assert all(area.disabled for area in at.text_area)
    assert not [b for b in at.button if b.key and b.key.startswith("plan_save:")]
    assert not [b for b in at.button if "Discharge" in b.label]


def test_a_plan_edit_saves_a_revision(record) -> None:
    db, _alice, _client_id, plan_id = record
    at = signed_in("alice", tab="Care plan")
    section(at, plan_id, "what_helps").input("Walking the dog; calling my sister.")
    save(at, plan_id)
    assert not at.exception
    assert at.success[0].value == f"Plan saved for {REF} (revision 2)."
    version, revisions, values = plan_state(db, plan_id)
    assert revisions == 2  # revision 1 is the plan as it was before
    assert values["what_helps"] == "Walking the dog; calling my sister."
    assert section(at, plan_id, "what_helps").value == "Walking the dog; calling my sister."
    save(at, plan_id)  # nothing typed since: nothing written
    assert at.success[0].value == "Nothing to save: the plan has not changed."
    assert plan_state(db, plan_id)[:2] == (version, 2)
    with db.uow() as uow:
        event = uow.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.update"))
        assert event.detail == {"revision": 2, "fields": ["what_helps"]}


def test_restore_brings_an_earlier_revision_back_as_a_new_one(record) -> None:
    db, _alice, _client_id, plan_id = record
    at = signed_in("alice", tab="Care plan")
    section(at, plan_id, "crisis_plan").input("Call the crisis line.")
    save(at, plan_id)
    section(at, plan_id, "crisis_plan").input("Call my sister, then the crisis line.")
    save(at, plan_id)
    assert plan_state(db, plan_id)[1] == 3
    open_tab(at, "History")
    history = next(d.value for d in at.dataframe if "Revision" in d.value.columns)
    assert history["Revision"].tolist() == [3, 2, 1]
    at.selectbox(key="restore_number").set_value(2).run()
    at.button(key="restore").click().run()
    assert not at.exception
    assert at.success[0].value == "Revision 2 restored as revision 4."
    open_tab(at, "Care plan")
    assert section(at, plan_id, "crisis_plan").value == "Call the crisis line."
    open_tab(at, "History")
    _version, revisions, values = plan_state(db, plan_id)
    assert (revisions, values["crisis_plan"]) == (4, "Call the crisis line.")

    at.selectbox(key="restore_number").set_value(4).run()  # the plan as it is now
    at.button(key="restore").click().run()
    assert not at.exception
    assert "already" in at.success[0].value
    assert "None" not in at.success[0].value
    assert plan_state(db, plan_id)[1] == 4


def test_an_over_long_section_is_capped_by_the_box_and_refused_by_the_service(record) -> None:
    """The box stops typing at the limit (its counter shows it); a longer value that reaches the
    server anyway is refused by the service and nothing is written."""
    from care_plans.errors import ValidationError
    from care_plans.services import plans

    db, alice, _client_id, plan_id = record
    before = plan_state(db, plan_id)
    at = signed_in("alice", tab="Care plan")
    box = section(at, plan_id, "what_helps")
    assert box.max_chars == plans.MAX_SECTION_TEXT == 20_000
    box.input("x" * 20_001)
    save(at, plan_id)
    assert not at.exception
    assert plan_state(db, plan_id) == before
    with pytest.raises(ValidationError, match="20,001 characters long; keep it to 20,000"):
        plans.update_plan(
            db, alice, plan_id, expected_version=before[0], changes={"what_helps": "x" * 20_001}
        )
    assert plan_state(db, plan_id) == before


def test_a_review_date_before_the_start_is_refused_and_nothing_is_written(record) -> None:
    db, _alice, _client_id, plan_id = record
    before = plan_state(db, plan_id)
    with db.uow() as uow:
        start = uow.session.get(CarePlan, plan_id).start_date
    at = signed_in("alice", tab="Care plan")
    at.date_input(key=f"draft:plan:{plan_id}:next_review_date").set_value(start - timedelta(days=1))
    save(at, plan_id)
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Next review date: The next review date is before the plan's start date."
    ]
    assert plan_state(db, plan_id) == before


def test_entered_in_error_hides_a_checkin_from_the_counts(record) -> None:
    db, alice, client_id, _plan_id = record
    now = datetime.now(UTC)
    checkins.record_checkin(
        db, alice, client_id=client_id, submitted_at=now - timedelta(days=2), ratings={"mood": 6}
    )
    wrong = checkins.record_checkin(
        db, alice, client_id=client_id, submitted_at=now - timedelta(hours=1), ratings={"mood": 1}
    )
    at = signed_in("alice", tab="Check-ins")
    assert not at.exception
    assert "2 check-ins" in [c.value for c in at.caption]
    form_reason = next(t for t in at.text_input if t.label == "Reason (required)")
    form_reason.input("Entered for the wrong client")
    at.button(key="FormSubmitter:entered_in_error-Mark as entered in error").click().run()
    assert not at.exception
    assert "marked as entered in error" in at.success[0].value
    assert "1 check-in (1 entered in error, not counted)" in [c.value for c in at.caption]
    with db.uow() as uow:
        row = uow.session.get(CheckIn, wrong.id)
        assert (row.entered_in_error, row.error_reason, row.error_marked_by_id) == (
            True,
            "Entered for the wrong client",
            alice.user_id,
        )


def test_discharge_and_reopen(record) -> None:
    db, _alice, client_id, plan_id = record
    at = signed_in("alice", tab="Status")
    at.button(key="FormSubmitter:discharge-Discharge").click().run()  # no reason: refused
    assert not at.exception
    assert "Reason: Give a reason for the discharge." in [e.value for e in at.error]
    assert plan_state(db, plan_id)[2]["status"] == "draft"

    next(t for t in at.text_input if t.label == "Reason for discharge (required)").input(
        "Goals met; moving away."
    )
    at.button(key="FormSubmitter:discharge-Discharge").click().run()
    assert not at.exception
    assert "Client discharged" in at.success[0].value
    assert "client discharged · plan completed" in at.caption[0].value
    with db.uow() as uow:
        client = uow.session.get(Client, client_id)
        assert (client.status.value, client.discharge_reason) == (
            "discharged",
            "Goals met; moving away.",
        )

    at.button(key="reopen").click().run()
    assert not at.exception
    assert "Client re-opened" in at.success[0].value
    assert "client active · plan active" in at.caption[0].value
    assert plan_state(db, plan_id)[2]["status"] == "active"


def test_a_stale_save_is_refused_naming_what_changed_and_keeping_the_text(record) -> None:
    db, _alice, client_id, plan_id = record
    clients.assign_clinician(db, Actor.cli(), client_id=client_id, username="bob")
    first = signed_in("alice", tab="Care plan")
    second = signed_in("bob", tab="Care plan")
    assert not second.exception and second.title[0].value == NAME

    section(first, plan_id, "what_helps").input("Music and long walks.")
    save(first, plan_id)
    assert first.success[0].value == f"Plan saved for {REF} (revision 2)."

    section(second, plan_id, "crisis_plan").input("Bob's crisis plan text.")
    save(second, plan_id)
    assert not second.exception
    [conflict] = [e.value for e in second.error if "saved this plan" in e.value]
    assert conflict.startswith("Someone else saved this plan")
    assert "(alice)" in conflict and "Your changes were not saved." in conflict
    assert "What helps:  → Music and long walks." in [t.value for t in second.text]
    assert section(second, plan_id, "crisis_plan").value == "Bob's crisis plan text."
    _version, revisions, values = plan_state(db, plan_id)
    assert (revisions, values["crisis_plan"]) == (2, "")

    second.button(key=f"plan_force:{plan_id}").click().run()  # save mine over theirs
    assert not second.exception
    assert second.success[0].value == f"Plan saved for {REF} (revision 3)."
    _version, revisions, values = plan_state(db, plan_id)
    assert (revisions, values["what_helps"], values["crisis_plan"]) == (
        3,
        "Music and long walks.",
        "Bob's crisis plan text.",
    )  # alice's text was kept
    assert section(second, plan_id, "what_helps").value == "Music and long walks."


def step_done_on(db: Database, step_id: int) -> date | None:
    with db.uow() as uow:
        return uow.session.get(Step, step_id).done_on


def test_ticking_a_step_never_writes_back_over_someone_elses_change(record) -> None:
    db, alice, client_id, plan_id = record
    clients.assign_clinician(db, Actor.cli(), client_id=client_id, username="bob")
    with db.uow() as uow:
        bob = Actor.of(uow.session.scalars(select(User).where(User.username == "bob")).one())
    goal = goals.add_goal(db, alice, plan_id, domain="self-care", description="Walk more")
    step = goals.add_step(db, alice, goal.id, description="Walk to the shop")
    at = signed_in("alice", tab="Goals and steps")
    at.checkbox(key=f"step:{step.id}").check().run()
    assert not at.exception
    assert at.success[0].value == "Step ticked off — well done."
    assert step_done_on(db, step.id) is not None

    with db.uow() as uow:
        version = uow.session.get(Step, step.id).version
    goals.set_step_done(
        db, bob, step.id, expected_version=version, done=False, today=clinic_today()
    )
    at.run()  # any click on alice's page: her box now shows bob's change, and writes nothing
    assert not at.exception
    assert step_done_on(db, step.id) is None
    assert at.checkbox(key=f"step:{step.id}").value is False

    goals.set_step_done(
        db, bob, step.id, expected_version=version + 1, done=True, today=clinic_today()
    )
    at.checkbox(key=f"step:{step.id}").check().run()  # her box was drawn before that
    assert not at.exception
    assert "Someone else saved this step" in at.error[0].value
    assert step_done_on(db, step.id) is not None
    assert at.checkbox(key=f"step:{step.id}").value is True  # what is stored

    at.switch_page("views/caseload.py").run()
    open_client(at, tab="Goals and steps")  # coming back draws the stored state and writes nothing
    assert not at.exception
    assert at.checkbox(key=f"step:{step.id}").value is True
    assert step_done_on(db, step.id) is not None


def test_a_stale_contact_edit_is_refused_not_silently_dropped(record) -> None:
    from care_plans.services import contacts

    db, alice, client_id, _plan_id = record
    contact = contacts.add_contact(
        db, alice, client_id, name="Mum", kind="family", phone="01632 960001", today=clinic_today()
    )
    page = signed_in("alice", tab="Support network")
    page.toggle(key=f"contact_edit:{contact.id}").set_value(True).run()
    form = f"contact_form:{contact.id}@0"  # the form's first drawing
    page.text_input(key=f"{form}:phone").input("01632 960999")
    # meanwhile someone else changes the same contact
    contacts.update_contact(
        db,
        alice,
        contact.id,
        expected_version=contact.version,
        changes={"phone": "01632 960555"},
        today=clinic_today(),
    )
    page.button(key=f"FormSubmitter:{form}-Save contact").click().run()
    assert not page.exception
    assert any("Someone else saved" in e.value or "saved this" in e.value for e in page.error)
    assert page.text_input(key=f"{form}:phone").value == "01632 960999"
    [stored] = [c for c in contacts.list_contacts(db, alice, client_id) if c.id == contact.id]
    assert stored.phone == "01632 960555"


def test_a_refused_new_goal_keeps_what_was_typed(record) -> None:
    db, _alice, _client_id, plan_id = record
    page = signed_in("alice", tab="Goals and steps")
    form = "goal_form:new@0"  # the form's first drawing
    page.text_area(key=f"{form}:description").input("Walk to the shop and back")
    page.date_input(key=f"{form}:start").set_value(date(2026, 5, 10))
    page.date_input(key=f"{form}:target").set_value(date(2026, 5, 1))
    page.button(key=f"FormSubmitter:{form}-Add goal").click().run()
    assert not page.exception
    assert any("Target" in e.value or "target" in e.value for e in page.error)
    assert page.text_area(key=f"{form}:description").value == "Walk to the shop and back"
    assert plans_goal_count(db, plan_id) == 0
    page.date_input(key=f"{form}:target").set_value(date(2026, 6, 1))
    page.button(key=f"FormSubmitter:{form}-Add goal").click().run()
    assert page.success[0].value == "Goal added."
    # drawn afresh for the next goal: new widgets, empty
    assert page.text_area(key="goal_form:new@1:description").value == ""
    assert not [t for t in page.text_area if t.key and t.key.startswith(f"{form}:")]
    assert plans_goal_count(db, plan_id) == 1


def plans_goal_count(db: Database, plan_id: int) -> int:
    from care_plans.models import Goal

    with db.uow() as uow:
        return uow.session.scalar(select(func.count(Goal.id)).where(Goal.plan_id == plan_id)) or 0


def test_move_down_and_up_reorder_the_goals(record) -> None:
    from care_plans.read import plans as read_plans

    db, alice, client_id, plan_id = record
    first = goals.add_goal(db, alice, plan_id, domain="self-care", description="Walk more")
    second = goals.add_goal(db, alice, plan_id, domain="self-care", description="Sleep better")
    at = signed_in("alice", tab="Goals and steps")
    at.button(key=f"goal_down:{first.id}").click().run()
    assert not at.exception
    assert at.success[0].value == "Goal moved down."
    assert [g.id for g in read_plans.get_plan(db, alice, client_id).goals] == [second.id, first.id]
    at.button(key=f"goal_up:{first.id}").click().run()
    assert not at.exception
    assert at.success[0].value == "Goal moved up."
    assert [g.id for g in read_plans.get_plan(db, alice, client_id).goals] == [first.id, second.id]


def test_a_contact_added_on_the_form_keeps_every_field_and_can_be_archived(record) -> None:
    from care_plans.services import contacts

    db, alice, client_id, _plan_id = record
    page = signed_in("alice", tab="Support network")
    form = "contact_form:new@0"  # the form's first drawing
    page.text_input(key=f"{form}:name").input("Sam")
    page.selectbox(key=f"{form}:kind").select("professional")
    page.text_input(key=f"{form}:role").input("GP")
    page.text_input(key=f"{form}:phone").input("01632 960001")
    page.text_input(key=f"{form}:email").input("sam@example.org")
    page.text_area(key=f"{form}:when").input("Weekday mornings")
    page.checkbox(key=f"{form}:crisis").check()
    page.checkbox(key=f"{form}:consent").check()
    page.date_input(key=f"{form}:consent_date").set_value(date(2026, 11, 2))
    page.button(key=f"FormSubmitter:{form}-Add contact").click().run()
    assert not page.exception
    [stored] = contacts.list_contacts(db, alice, client_id)
    assert (
        stored.name,
        stored.kind,
        stored.role,
        stored.phone,
        stored.email,
        stored.when_to_contact,
        stored.is_crisis_contact,
        stored.consent_to_share,
        stored.consent_date,
    ) == (
        "Sam",
        "professional",
        "GP",
        "01632 960001",
        "sam@example.org",
        "Weekday mornings",
        True,
        True,
        date(2026, 11, 2),
    )
    page.button(key=f"contact_archive:{stored.id}").click().run()
    assert not page.exception
    assert "Contact archived" in page.success[0].value
    assert contacts.list_contacts(db, alice, client_id) == []
