"""Everyday editing on the client page in a real browser, as a clinician's first week does it.

Each test walks what AppTest cannot see: the browser keeps widget values across reruns, a
message drawn above the tabs re-creates them, an expander whose label changes closes. Every add
form is used twice in a row, and what was saved is read back from the database.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from care_plans.models import CarePlan, Goal, Step, SupportContact
from tests.e2e.helpers import (
    act,
    assert_no_error,
    click,
    date_shown,
    expander,
    fill_date,
    is_open,
    open_expander,
    open_tab,
    selected_tab,
    sign_in,
    wait_idle,
)
from tests.factories import TEST_PASSWORD, clinic_today, make_client, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def clinic(server):
    alice = make_user(server.db, "alice", full_name="Alice Example")
    make_client(server.db, alice, ref="CP-0101", full_name="Élodie Brown", today=clinic_today())
    return server


def open_client(browser, server, ref: str = "CP-0101", name: str = "Élodie Brown"):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto(f"{server.url}/client?client={ref}")
    wait_idle(page)
    sign_in(page, "alice", TEST_PASSWORD)
    page.get_by_role("heading", name=name).wait_for(timeout=30_000)
    wait_idle(page)
    return context, page


def rows(server, model, *where):
    with server.db.uow() as uow:
        found = uow.session.scalars(select(model).where(*where).order_by(model.id)).all()
        uow.session.expunge_all()
        return found


def click_and_wait(page, button: str, within=None) -> None:
    click(page, button, within)


def test_two_contacts_in_a_row_are_saved_as_ticked(browser, clinic):
    context, page = open_client(browser, clinic)
    open_tab(page, "Support network")
    box = open_expander(page, "Add a contact")
    box.get_by_label("Name").fill("Maman")
    box.get_by_text("Crisis contact", exact=True).click()
    box.get_by_text("Client consents to share their plan").click()
    fill_date(box, "Consent given on", 1, 11, 2026)
    click_and_wait(page, "Add contact", box)
    page.get_by_text("Contact added.").first.wait_for(timeout=10_000)
    assert_no_error(page)
    assert selected_tab(page) == "Support network"

    box = expander(page, "Add a contact")
    assert is_open(box), "the add form closed after a save"
    assert box.get_by_label("Name").input_value() == ""
    assert not box.get_by_role("checkbox", name="Crisis contact").is_checked()
    assert not box.get_by_role("checkbox", name="Client consents to share their plan").is_checked()
    assert date_shown(box, "Consent given on") == ""

    box.get_by_label("Name").fill("Neighbour Sam")
    click_and_wait(page, "Add contact", box)
    page.get_by_text("Contact added.").first.wait_for(timeout=10_000)
    assert_no_error(page)
    saved = {
        c.name: (c.is_crisis_contact, c.consent_to_share, c.consent_date)
        for c in rows(clinic, SupportContact)
    }
    assert saved == {
        "Maman": (True, True, date(2026, 11, 1)),
        "Neighbour Sam": (False, False, None),
    }
    context.close()


def test_an_empty_goal_is_refused_in_place_and_keeps_the_typed_text(browser, clinic):
    context, page = open_client(browser, clinic)
    open_tab(page, "Goals and steps")
    box = open_expander(page, "Add a goal")
    box.get_by_label("Why it matters").fill("To feel part of things again")
    click_and_wait(page, "Add goal", box)
    assert_no_error(page)
    assert selected_tab(page) == "Goals and steps"
    box = expander(page, "Add a goal")
    assert is_open(box), "the refusal closed the form, hiding its message"
    box.get_by_text("Description", exact=False).first.wait_for(timeout=10_000)
    assert box.locator("[data-testid='stAlertContentError']").count() >= 1
    assert box.get_by_label("Why it matters").input_value() == "To feel part of things again"
    assert rows(clinic, Goal) == []
    context.close()


def test_two_goals_and_two_steps_in_a_row_start_from_empty_forms(browser, clinic):
    context, page = open_client(browser, clinic)
    open_tab(page, "Goals and steps")
    box = open_expander(page, "Add a goal")
    box.get_by_label("Goal, in the client's words").fill("Walk to the park every morning")
    click_and_wait(page, "Add goal", box)
    page.get_by_text("Goal added.").first.wait_for(timeout=10_000)
    assert selected_tab(page) == "Goals and steps"
    box = expander(page, "Add a goal")
    assert is_open(box)
    assert box.get_by_label("Goal, in the client's words").input_value() == ""
    box.get_by_label("Goal, in the client's words").fill("Cook one meal a week")
    click_and_wait(page, "Add goal", box)
    page.get_by_text("Goal added.").first.wait_for(timeout=10_000)
    assert [g.description for g in rows(clinic, Goal)] == [
        "Walk to the park every morning",
        "Cook one meal a week",
    ]

    goal = open_expander(page, "Walk to the park every morning")
    goal.get_by_label("New small step").fill("Put shoes by the door")
    fill_date(goal, "Due (optional)", 20, 12, 2026)
    click_and_wait(page, "Add step", goal)
    page.get_by_text("Step added.").first.wait_for(timeout=10_000)
    assert_no_error(page)
    assert selected_tab(page) == "Goals and steps"
    goal = expander(page, "Walk to the park every morning")
    assert is_open(goal), "the goal's panel closed after adding a step"
    assert goal.get_by_label("New small step").input_value() == ""
    assert date_shown(goal, "Due (optional)") == ""
    goal.get_by_label("New small step").fill("Walk to the corner")
    click_and_wait(page, "Add step", goal)
    page.get_by_text("Step added.").first.wait_for(timeout=10_000)
    assert [(s.description, s.due_date) for s in rows(clinic, Step)] == [
        ("Put shoes by the door", date(2026, 12, 20)),
        ("Walk to the corner", None),
    ]
    context.close()


def test_ticking_a_step_done_says_only_that_it_was_ticked(browser, clinic):
    context, page = open_client(browser, clinic)
    open_tab(page, "Goals and steps")
    box = open_expander(page, "Add a goal")
    box.get_by_label("Goal, in the client's words").fill("Sleep by midnight")
    click_and_wait(page, "Add goal", box)
    page.get_by_text("Goal added.").first.wait_for(timeout=10_000)
    goal = open_expander(page, "Sleep by midnight")
    goal.get_by_label("New small step").fill("Phone out of the bedroom")
    click_and_wait(page, "Add step", goal)
    page.get_by_text("Step added.").first.wait_for(timeout=10_000)
    goal = open_expander(page, "Sleep by midnight")
    # The box is named after its step (every box once read only "Done").
    box = goal.get_by_role("checkbox", name="Done: Phone out of the bedroom")
    assert box.count() == 1
    act(page, lambda: box.check(force=True))
    page.get_by_text("Step ticked off").first.wait_for(timeout=10_000)
    page.wait_for_timeout(1500)  # a late second run would show its message by now
    wait_idle(page)
    assert page.get_by_text("not saved").count() == 0
    assert page.get_by_text("another window").count() == 0
    assert_no_error(page)
    assert selected_tab(page) == "Goals and steps"
    assert [s.done_on is not None for s in rows(clinic, Step)] == [True]
    context.close()


def test_the_plan_is_activated_from_the_client_page(browser, clinic):
    context, page = open_client(browser, clinic)
    assert page.get_by_text("plan draft").count() == 1
    open_tab(page, "Status")
    click_and_wait(page, "Make the plan active")
    page.get_by_text("The plan is active").first.wait_for(timeout=10_000)
    assert_no_error(page)
    assert selected_tab(page) == "Status"
    assert page.get_by_text("plan active").count() == 1
    assert [p.status.value for p in rows(clinic, CarePlan)] == ["active"]
    context.close()


def test_a_very_long_goal_is_refused_with_the_limit_named(browser, clinic):
    context, page = open_client(browser, clinic)
    open_tab(page, "Goals and steps")
    box = open_expander(page, "Add a goal")
    field = box.get_by_label("Goal, in the client's words")
    field.fill("a" * 5000)
    # the box shows its limit and stops typing there
    assert len(field.input_value()) < 5000
    assert box.get_by_text("/").count() >= 1 or field.get_attribute("maxlength")
    click_and_wait(page, "Add goal", box)
    assert_no_error(page)
    goals = rows(clinic, Goal)
    assert len(goals) <= 1 and all(len(g.description) < 5000 for g in goals)
    context.close()
